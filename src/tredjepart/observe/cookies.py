"""Cookies on the wire: Set-Cookie in responses, Cookie in requests. Values are hashed, never kept.

At most MAX_COOKIES cookies per direction, and MAX_COOKIE_BYTES of one header, are read from one flow
(``sent_cookies``, ``set_cookies``; the rest are counted): a request with 20,000 cookies must not hold the
recording up. Set-Cookie values are parsed with mitmproxy's own parser (``mitmproxy.net.http.cookies``). HAR
exports often join several Set-Cookie headers into one value separated by newlines, which that parser does not
split, so we split on newlines first. Lifetime follows RFC 6265 section 5.3: Max-Age wins over Expires; Expires
is read with the RFC's lenient cookie-date algorithm (``cookiedate.parse_cookie_date``) and counted from the
response's time.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from mitmproxy.net.http import cookies as mitm_cookies

from tredjepart.observe.cookiedate import parse_cookie_date

# Cookies read per flow and direction (sent, set); the rest are counted in FlowRecord.cookies_cut and not recorded.
# Browsers keep at most 180 cookies per host (Chromium's CookieMonster kDomainMaxCookies, Firefox's
# network.cookie.maxPerHost), and a request carries those of its host and of its parent domains: more than 300
# in one header is no browser's doing. Per-flow cost of observe and detect is linear in the cookies kept.
MAX_COOKIES = 300
# Characters of one Cookie header or Set-Cookie line read (a browser keeps at most 4096 bytes a cookie and sends
# far less than this in one header); what lies beyond is counted as cut, never parsed.
MAX_COOKIE_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class SetCookie:
    """One cookie from a Set-Cookie header, attributes interpreted; the value is still here (caller hashes it)."""

    name: str
    value: str
    domain: str | None
    path: str | None
    lifetime: int | None  # seconds; None for a session cookie; <= 0 means "delete"
    secure: bool
    httponly: bool
    samesite: str | None
    partitioned: bool


def split_set_cookie_values(values: Iterable[str]) -> list[str]:
    """Header values as sent, one cookie line each (newline-joined HAR values split apart)."""
    lines = []
    for value in values:
        for line in value.replace("\r\n", "\n").split("\n"):
            if line.strip():
                lines.append(line.strip())
    return lines


def parse_set_cookie(line: str, now: float) -> list[SetCookie]:
    """All cookies in one Set-Cookie line; malformed pieces are skipped, never raised."""
    if "=" not in line.split(";", 1)[0]:
        return []  # RFC 6265 5.2 step 2: no "=" in the name-value pair, ignore the Set-Cookie line
    try:
        parsed = mitm_cookies.parse_set_cookie_header(line)
    except Exception:  # the parser is lenient, but traffic is hostile: never let a header stop a flow
        return []
    out = []
    for name, value, attrs in parsed:
        name = (name or "").strip()
        if not name:
            continue  # RFC 6265 5.2: a nameless cookie is ignored
        out.append(_interpret(name, (value or "").strip(" \t"), attrs, now))
    return out


def _interpret(name: str, value: str, attrs, now: float) -> SetCookie:
    lower = {k.strip().lower(): v for k, v in attrs.fields}
    return SetCookie(
        name=name,
        value=value,
        domain=_clean(lower.get("domain")),
        path=_clean(lower.get("path")),
        lifetime=lifetime(lower, now),
        secure="secure" in lower,
        httponly="httponly" in lower,
        samesite=(_clean(lower.get("samesite")) or "").capitalize() or None,
        partitioned="partitioned" in lower,
    )


def _clean(v: str | None) -> str | None:
    if v is None:
        return None
    v = v.strip()
    return v or None


def lifetime(attrs: dict[str, str | None], now: float) -> int | None:
    """Seconds the cookie lives from ``now``: Max-Age first, then Expires; None for a session cookie."""
    max_age = attrs.get("max-age")
    if max_age is not None:
        # RFC 6265 5.2.2: DIGITs with an optional leading "-", else the attribute is ignored. ASCII digits only
        # ("²" is a digit to str.isdigit, not to int()); a value past 64 bits is clamped by the store.
        text = max_age.strip()
        digits = text[1:] if text[:1] == "-" else text
        if digits.isascii() and digits.isdigit():
            return 0 if text.startswith("-") else int(text)
    expires = attrs.get("expires")
    if expires:
        ts = parse_cookie_date(expires)
        if ts is not None and math.isfinite(now):  # a capture's time can be anything
            return int(ts - now)
    return None


def parse_cookie_header(values: Iterable[str]) -> list[tuple[str, str]]:
    """(name, value) pairs of the Cookie request headers, with mitmproxy's parser (no cap: see sent_cookies)."""
    pairs = []
    for value in values:
        try:
            pairs.extend(mitm_cookies.parse_cookie_header(value))
        except Exception:
            continue
    return [(n.strip(), v or "") for n, v in pairs if n and n.strip()]


def sent_cookies(values: Iterable[str], limit: int = MAX_COOKIES) -> tuple[list[tuple[str, str]], int]:
    """The first ``limit`` (name, value) pairs of the Cookie headers, and how many more there were.

    A Cookie header is ``name=value`` pairs joined by ``;`` (RFC 6265 5.4; a cookie value cannot hold ``;``), so
    the header is cut into pairs at ``;`` first (linear, in C) and only the kept ones are parsed: 20,000 cookies
    cost what ``limit`` cost. The count of cut cookies is the count of non-blank pieces past the cap.
    """
    pairs: list[tuple[str, str]] = []
    cut = 0
    for value in values:
        if len(value) > MAX_COOKIE_BYTES:  # read the head; the pair cut in two and the rest are counted
            head = value[:MAX_COOKIE_BYTES]
            head = head[: max(0, head.rfind(";"))]
            cut += sum(1 for p in value[len(head):].split(";") if p.strip())
            value = head
        pieces = [p for p in value.split(";") if p.strip()]
        room = max(0, limit - len(pairs))
        cut += max(0, len(pieces) - room)
        if room and pieces:
            text = value if len(pieces) <= room else ";".join(pieces[:room])  # parsed as sent when not cut
            pairs.extend(parse_cookie_header([text])[:room])
    return pairs, cut


def set_cookies(values: Iterable[str], now: float, limit: int = MAX_COOKIES) -> tuple[list[SetCookie], int]:
    """The first ``limit`` cookies of the Set-Cookie headers (interpreted), and how many more lines there were."""
    out: list[SetCookie] = []
    cut = 0
    for value in values:
        if len(out) >= limit:  # past the cap: count the lines, parse nothing
            cut += sum(1 for line in value.split("\n") if line.strip()) if "\n" in value else int(bool(value.strip()))
            continue
        for line in split_set_cookie_values((value,)):
            if len(out) >= limit or len(line) > MAX_COOKIE_BYTES:
                cut += 1
                continue
            out.extend(parse_set_cookie(line, now)[: limit - len(out)])
    return out, cut
