"""Finding texts in the report's language, rendered from each finding's rule and the facts it recorded.

The recorder writes every finding's message in English (``findings.message``, kept as recorded in the JSON
report) and its facts in ``findings.details``: party, kinds, hosts, subject, lifetime, expires, verified, cname,
entity, country, sites ... A report renders the sentence again from those facts, in Danish or English, so that a
Danish report is Danish throughout. A fact a finding lacks (an older database) is left out of the sentence, never
guessed; a rule this version does not know is shown with its recorded message.

Facts come from the database and are hostile: every value is read as plain text (or a number) here and escaped by
the renderer, like every other value from traffic.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime

from tredjepart.report.findingwords import REASONS, SHAPES, TEXTS, WHERE
from tredjepart.report.i18n import Catalog
from tredjepart.report.model import FindingItem
from tredjepart.report.receivedtext import page_url, personal_data

logger = logging.getLogger(__name__)

MAX_NAMES = 5  # hosts, sites or kinds named in one sentence before "+N"


class Facts:
    """A finding's details, read defensively: text, lists of text and numbers, whatever the database holds."""

    def __init__(self, f: FindingItem) -> None:
        self.f = f
        self.d = f.details if isinstance(f.details, dict) else {}

    def text(self, key: str) -> str | None:
        value = self.d.get(key)
        return str(value) if isinstance(value, str | int | float) and not isinstance(value, bool) and \
            str(value).strip() else None

    def texts(self, key: str) -> list[str]:
        value = self.d.get(key)
        items = value if isinstance(value, list) else [value] if isinstance(value, str) else []
        return [str(x) for x in items if isinstance(x, str | int) and not isinstance(x, bool) and str(x).strip()]

    def number(self, key: str) -> float | None:
        value = self.d.get(key)
        return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None

    @property
    def site(self) -> str:
        return self.f.site or (self.texts("sites") or ["?"])[0]

    @property
    def host(self) -> str:
        return self.f.host or (self.texts("hosts") or [self.site])[0]

    def day(self) -> str:
        """The UTC day the finding was first seen, as the recorder's message says it."""
        return datetime.fromtimestamp(self.f.first_seen, UTC).date().isoformat() if self.f.first_seen else "?"


def names(items: list[str], t: Catalog) -> str:
    more = f" ({t('more_names', n=len(items) - MAX_NAMES)})" if len(items) > MAX_NAMES else ""
    return ", ".join(items[:MAX_NAMES]) + more


def finding_text(f: FindingItem, t: Catalog, solution: str | None = None) -> str:
    """The finding's sentence in ``t``'s language; ``solution``: the session's (for findings recorded without it)."""
    render = RENDER.get(f.rule)
    if render is None:
        return f.message
    try:
        return render(Facts(f), t, solution)
    except (KeyError, TypeError, ValueError, OverflowError) as e:  # malformed details: show what was recorded
        logger.warning("tredjepart: finding %s (%s) could not be rendered: %s", f.id, f.rule, e)
        return f.message


def _say(t: Catalog, key: str, **kw: object) -> str:
    return t.words(TEXTS[key]).format(**kw)


def _opt(t: Catalog, key: str, value: str | None, **kw: object) -> str:
    """An optional clause: empty when the fact is missing."""
    return _say(t, key, value=value, **kw) if value else ""


def _undeclared(x: Facts, t: Catalog, solution: str | None) -> str:
    solution = x.text("solution") if "solution" in x.d else solution
    seen = _say(t, "seen", kinds=names([t.kind(k) for k in x.texts("kinds")], t) or "?",
                hosts=names(x.texts("hosts"), t) or x.site)
    key = "undeclared" if solution else "undeclared_no_policy"
    return _say(t, key, site=x.site, solution=solution, seen=seen)


def _kind_not_allowed(x: Facts, t: Catalog, _: str | None) -> str:
    kind = x.text("subject") or "?"
    return _say(t, "kind_not_allowed", party=x.text("party") or x.site, site=x.site, kind=kind,
                kind_word=t.kind(kind), allowed=_opt(t, "allowed", ", ".join(x.texts("allowed"))), host=x.host)


def _agreement_expired(x: Facts, t: Catalog, _: str | None) -> str:
    return _say(t, "agreement_expired", party=x.text("party") or x.site, reference=_opt(t, "paren",
                x.text("reference")), expires=x.text("expires") or "?", site=x.site, day=x.day())


def _opt_out_unverified(x: Facts, t: Catalog, _: str | None) -> str:
    setting = _opt(t, "paren", x.text("setting"))
    verified = x.text("verified")
    party = x.text("party") or x.site
    if not verified:
        return _say(t, "opt_out_never", party=party, setting=setting)
    try:
        days = (datetime.fromisoformat(x.day()) - datetime.fromisoformat(verified)).days
    except ValueError:
        days = None
    return _say(t, "opt_out_stale", party=party, setting=setting, verified=verified, day=x.day(),
                days=_opt(t, "days_before", str(days) if days is not None else None))


def _necessary_but_tracking(x: Facts, t: Catalog, _: str | None) -> str:
    subject = x.text("subject") or ""
    common = {"party": x.text("party") or x.site, "purpose": _opt(t, "paren", x.text("purpose"))}
    if subject.startswith("cookie:"):
        lifetime = x.number("lifetime")
        return _say(t, "necessary_cookie", **common, host=x.text("cookie_host") or x.host, cookie=subject[7:],
                    lifetime=t.lifetime(int(lifetime)) if lifetime is not None else "?")
    return _say(t, "necessary_kind", **common, host=x.host, kind=subject, kind_word=t.kind(subject))


def _identifier_cookie(x: Facts, t: Catalog, _: str | None) -> str:
    lifetime, length, bits = x.number("lifetime"), x.number("value_length"), x.number("value_entropy")
    shape = x.text("value_shape")
    value = _say(t, "identifier_value", length=int(length), shape=t.words(SHAPES.get(shape, (shape, shape))),
                 bits=t.decimal(bits)) if length is not None and shape and bits is not None else ""
    return _say(t, "identifier_cookie", site=x.site, cookie=x.text("cookie") or "?", value=value,
                lifetime=t.lifetime(int(lifetime)) if lifetime is not None else "?")


def _identifier_storage(x: Facts, t: Catalog, _: str | None) -> str:
    length, bits, shape = x.number("value_length"), x.number("value_entropy"), x.text("value_shape")
    value = _say(t, "identifier_value", length=int(length), shape=t.words(SHAPES.get(shape, (shape, shape))),
                 bits=t.decimal(bits)) if length is not None and shape and bits is not None else ""
    return _say(t, "identifier_storage", site=x.site, script=x.text("script") or "?", item=x.text("key") or "?",
                frame=x.text("frame_origin") or "?", value=value)


def _id_sync(x: Facts, t: Catalog, _: str | None) -> str:
    where = (x.texts("where") or ["query"])[0]
    parameter = (x.texts("parameters") or [""])[0]
    shown = t.words(WHERE.get(where, (where, where))) + (f" '{parameter}'" if parameter else "")
    return _say(t, "id_sync", cookie=x.text("cookie") or "?", cookie_site=x.text("cookie_site") or "?",
                part=t.words(TEXTS["part_of"]) if x.d.get("part") is True else "", site=x.site, shown=shown)


def _fingerprinting(x: Facts, t: Catalog, _: str | None) -> str:
    return _say(t, "fingerprinting", url=(x.texts("urls") or [x.text("subject") or "?"])[0], site=x.site,
                signals=", ".join(x.texts("signals")) or "?")


def _uninspectable(x: Facts, t: Catalog, _: str | None) -> str:
    reason = x.text("reason")
    if reason == "raw-stream":  # detect.blindspots: error "raw TCP connection"
        error = x.text("error") or ""
        m = re.fullmatch(r"raw (\w+) connection", error)
        protocol = _say(t, "connection", kind=m.group(1)) if m else error.removeprefix("raw ") or "?"
        return _say(t, "uninspectable_raw", host=x.host, protocol=protocol)
    return _say(t, "uninspectable", host=x.host, reason=t.words(REASONS.get(reason, REASONS["handshake-failed"])))


def _etag(x: Facts, t: Catalog, _: str | None) -> str:
    length, shape = x.number("tag_length"), x.text("tag_format")
    tag = _say(t, "etag_tag", length=int(length), shape=t.words(SHAPES.get(shape, (shape, shape)))) \
        if length is not None and shape else ""
    return _say(t, "etag", host=x.host, site=x.site, tag=tag)


def _bounce(x: Facts, t: Catalog, _: str | None) -> str:
    cookies = ", ".join(f"'{c}'" for c in x.texts("cookies")) or "?"
    return _say(t, "bounce", from_site=names(x.texts("from_sites"), t) or "?", site=x.site, host=x.host,
                cookies=cookies, to=_opt(t, "bounce_to", x.text("to_site")))


def _cname(x: Facts, t: Catalog, _: str | None) -> str:
    owner = ", ".join(v for v in (x.text("entity"), x.text("country")) if v)
    return _say(t, "cname", host=x.host, cname=x.text("cname") or "?", owner=_opt(t, "paren", owner))


def _transfer(x: Facts, t: Catalog, _: str | None) -> str:
    country = x.text("country") or "?"
    return _say(t, "transfer_us" if country == "US" else "transfer", entity=x.text("subject") or "?",
                country=country, sites=names(x.texts("sites"), t) or "?")


def _personal(x: Facts, t: Catalog, _: str | None) -> str:
    return personal_data(x.host, x.d, t)


def _page_url(x: Facts, t: Catalog, _: str | None) -> str:
    return page_url(x.host, x.d, t)


RENDER = {
    "undeclared-third-party": _undeclared,
    "kind-not-allowed": _kind_not_allowed,
    "agreement-expired": _agreement_expired,
    "opt-out-unverified": _opt_out_unverified,
    "necessary-but-tracking": _necessary_but_tracking,
    "identifier-cookie": _identifier_cookie,
    "identifier-storage": _identifier_storage,
    "id-sync": _id_sync,
    "fingerprinting-script": _fingerprinting,
    "uninspectable-host": _uninspectable,
    "etag-tracking": _etag,
    "bounce-tracking": _bounce,
    "cname-cloaking": _cname,
    "third-country-transfer": _transfer,
    "personal-data-to-third-party": _personal,
    "page-url-to-third-party": _page_url,
}
