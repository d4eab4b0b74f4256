"""Identifier cookies: long-lived third-party cookies whose value looks like it names one person's device.

Rule (``identifier-cookie``, warning) for a cookie **set** (Set-Cookie) by a **third-party** flow, all of:

1. lifetime (Max-Age, else Expires) at least ``LIFETIME_MIN`` = 30 days;
2. value length at least ``LENGTH_MIN`` = 8 characters;
3. value entropy at least ``ENTROPY_MIN`` = 2.5 bits per character (CookieRecord.value_entropy);
4. value shape (shapes.value_shape, computed at capture time) one of ``numeric``, ``uuid``, ``hex``,
   ``base64``, ``mixed``: not a boolean, timestamp or date, word, URL, or structured consent/preference state;
5. the name is not a known consent cookie (shapes.CONSENT_COOKIES) nor an anti-CSRF or log-in protocol
   cookie (shapes.SECURITY_COOKIE_HINTS: ``csrftoken``, ``XSRF-TOKEN``, OpenID Connect nonces ...).

Origin: Acar et al. 2014 ("The Web Never Forgets") and Englehardt et al. 2015 ("Cookies That Give You Away"),
whose rules (used in OpenWPM's analyses) call a cookie an identifier when it is long-lived, long enough, and its
value is stable within one browser profile but differs between profiles. One walkthrough has only one profile, so
tredjepart replaces the cross-profile comparison with conditions 3-5, computed on the value at capture time.
See docs/detectors.md.

The same value test (``is_identifier_value``) picks the cookies whose values ID syncing (detect.idsync) looks for:
any party's cookie set with a lifetime of at least 30 days, or sent without any Set-Cookie in the session (written
by JavaScript, like ``_ga``, or older than the session).
"""

from __future__ import annotations

from tredjepart.detect.model import Detection, detection, finding
from tredjepart.shapes import IDENTIFIER_SHAPES, is_consent_cookie, is_security_cookie
from tredjepart.detect.state import IdSource, SessionState
from tredjepart.records import CookieRecord, Finding, Observation

LIFETIME_MIN = 30 * 86400
LENGTH_MIN = 8
ENTROPY_MIN = 2.5


def not_identifier_because(name: str, length: int, entropy: float, shape: str | None) -> str | None:
    """Why a cookie value is not an identifier ("consent cookie", "shape boolean", ...), or None when it looks
    like one."""
    if is_consent_cookie(name):
        return "consent cookie"
    if is_security_cookie(name):
        return "anti-CSRF or log-in protocol cookie"
    if length < LENGTH_MIN:
        return f"shorter than {LENGTH_MIN} characters"
    if shape is None:
        return "shape unknown"
    if shape not in IDENTIFIER_SHAPES:
        return f"shape {shape}"
    if entropy < ENTROPY_MIN:
        return f"entropy below {ENTROPY_MIN} bits per character"
    return None


def is_identifier_value(name: str, length: int, entropy: float, shape: str | None) -> bool:
    return not_identifier_because(name, length, entropy, shape) is None


def cookie_shape(cookie: CookieRecord, signals) -> str | None:
    """The cookie's value shape: CookieRecord.value_shape when observe stores it, else from the wire signals."""
    shape = getattr(cookie, "value_shape", None)
    if shape:
        return shape
    facts = signals.cookie(cookie.direction, cookie.name, cookie.value_hash) if signals is not None else None
    return facts.shape if facts else None


def detect_identifier_cookies(
    obs: Observation, signals, state: SessionState
) -> tuple[list[Detection], list[Finding], list[tuple[str, IdSource]]]:
    """Identifier cookies set by third parties in ``obs`` (detections and findings), and the identifier hashes
    (value, decoded value and parts) of every identifier-like cookie in it, for ID syncing."""
    rec = obs.flow
    detections, findings, sources = [], [], []
    for c in obs.cookies:
        shape = cookie_shape(c, signals)
        if not is_identifier_value(c.name, c.value_length, c.value_entropy, shape):
            continue
        key = (c.site, c.name)
        if c.direction == "set":
            if c.lifetime is None or c.lifetime < LIFETIME_MIN:
                continue
        elif key in state.set_cookies:
            lifetime = state.lifetimes.get(key)
            if lifetime is None or lifetime < LIFETIME_MIN:
                continue
        sources.extend(_sources(c, signals))
        if c.direction != "set" or c.party != "third" or ("identifier", *key) in state.reported:
            continue
        state.reported.add(("identifier", *key))
        days = c.lifetime // 86400
        evidence = {
            "cookie": c.name, "cookie_id": c.id, "lifetime": c.lifetime, "value_length": c.value_length,
            "value_entropy": c.value_entropy, "value_shape": shape, "domain": c.domain,
        }
        detections.append(detection(rec, "identifier_cookie", "long-lived-high-entropy", evidence,
                                    subject=c.name))
        message = (
            f"Third party {c.site} set cookie {c.name!r} that looks like an identifier of the device: it lives "
            f"{days} days and its value is {c.value_length} characters ({shape}, {c.value_entropy:.1f} bits of "
            f"entropy per character). With it {c.site} can recognise the person on every site that includes it."
        )
        findings.append(finding(rec, "identifier-cookie", message, f"cookie:{c.name}", site=c.site,
                                cookie=c.name, lifetime=c.lifetime, value_length=c.value_length,
                                value_entropy=c.value_entropy, value_shape=shape, cookie_id=c.id))
    return detections, findings, sources


def _sources(c: CookieRecord, signals) -> list[tuple[str, IdSource]]:
    """The identifier hashes of cookie ``c``: its value, and its decoded value and parts that look like ids."""
    base = dict(cookie=c.name, site=c.site, flow_id=c.flow_id, cookie_id=c.id, direction=c.direction,
                party=c.party)
    out = [(c.value_hash, IdSource(part=False, length=c.value_length, **base))]
    facts = signals.cookie(c.direction, c.name, c.value_hash) if signals is not None else None
    for h, length, shape in facts.parts if facts else ():
        if length >= LENGTH_MIN and shape in IDENTIFIER_SHAPES:
            out.append((h, IdSource(part=True, length=length, **base)))
    return out
