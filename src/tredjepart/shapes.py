"""The shape of a value, computed at capture time from the value in clear, so the value itself need not be kept.

A *shape* is one word that says what kind of value a cookie (or ETag, or request parameter) holds, enough to tell
an identifier from a known constant without storing it:

=============  ==========================================================================================
``empty``      nothing
``boolean``    ``true``/``false``/``yes``/``no``/``on``/``off``/``0``/``1``/``accepted``/``denied`` ...
``timestamp``  a Unix time in seconds or milliseconds between 2000 and 2100, or an ISO 8601 / HTTP date
``numeric``    digits only (and not a timestamp)
``uuid``       an RFC 4122 UUID (8-4-4-4-12 hex digits)
``hex``        hexadecimal digits, at least one letter and one digit, one letter case
``base64``     letters and digits (base64 or base64url alphabet, optional ``=`` padding), not a plain word
``word``       words joined by ``-``, ``_`` or space, each lower, UPPER or Capitalised (``eu-west-1``, ``da_DK``)
``structured`` JSON, a query string, or a ``key:value,key:value`` list (consent states, preferences)
``url``        a URL, a path or a host name
``mixed``      anything else (e.g. ``GA1.2.1234567890.1600000000``)
=============  ==========================================================================================

Only ``numeric``, ``uuid``, ``hex``, ``base64`` and ``mixed`` can be identifiers (``IDENTIFIER_SHAPES``).
The lead's observe step can store ``value_shape(value)`` on each CookieRecord; until then the detectors read it
from ``observe.signals.Signals.cookies``.
"""

from __future__ import annotations

import re

SHAPES = (
    "empty", "boolean", "timestamp", "numeric", "uuid", "hex", "base64", "word", "structured", "url", "mixed",
)
IDENTIFIER_SHAPES = frozenset({"numeric", "uuid", "hex", "base64", "mixed"})
# Characters of a value its shape and entropy are read from (observe): a cookie is at most 4096 bytes in a
# browser; a longer value is hostile or broken, and its head says what it is.
SHAPE_SCAN = 8192

# Unix seconds from 2000-01-01 to 2100-01-01.
_T_MIN, _T_MAX = 946_684_800, 4_102_444_800

_BOOLEANS = frozenset({
    "true", "false", "yes", "no", "y", "n", "t", "f", "on", "off", "0", "1", "-1", "null", "none", "undefined",
    "accepted", "accept", "declined", "decline", "denied", "deny", "granted", "rejected", "reject", "allow",
    "allowed", "enabled", "disabled", "dismiss", "dismissed", "ok", "set", "unset", "all", "necessary",
})
_UUID = re.compile(r"^\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?$")
_HEX = re.compile(r"^(?:[0-9a-f]+|[0-9A-F]+)$")
_BASE64 = re.compile(r"^[A-Za-z0-9+/_-]+={0,2}$")
_WORD_TOKEN = re.compile(r"^(?:([A-Za-z]+)\d{0,2}|\d{1,3})$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$")
_HTTP_DATE = re.compile(
    r"^(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*,?[ +]\d{1,2}[ +-][a-z]{3}[ +-]\d{2,4}", re.I)
_KEY_VALUE = re.compile(r"^[\w$@%-]+[:=][^,;&|]*(?:[,;&|][\w$@%-]+[:=][^,;&|]*)+$")
_URL = re.compile(r"^(?:https?:|https?%3a|/|%2f)", re.I)
_HOSTNAME = re.compile(r"^(?:[a-z0-9-]+\.)+[a-z]{2,24}\.?(?::\d+)?(?:/.*)?$", re.I)


def value_shape(value: str) -> str:
    """The shape of ``value`` (one of SHAPES). Never raises."""
    v = (value or "").strip().strip('"')
    if not v:
        return "empty"
    low = v.lower()
    if low in _BOOLEANS:
        return "boolean"
    if _is_timestamp(v):
        return "timestamp"
    if v.isascii() and v.isdigit():
        return "numeric"
    if _UUID.match(v):
        return "uuid"
    if low.startswith(("{", "[", "%7b", "%5b")) or _KEY_VALUE.match(v) or _KEY_VALUE.match(_unquote(v)):
        return "structured"
    if _URL.match(v) or (_HOSTNAME.match(v) and any(c.isalpha() for c in v.split(".", 1)[0])):
        return "url"
    if _is_words(v):
        return "word"
    has_digit = any(c.isdigit() for c in v)
    has_alpha = any(c.isalpha() for c in v)
    if _HEX.match(v) and has_digit and has_alpha:
        return "hex"
    if _BASE64.match(v) and has_alpha and (has_digit or not v.isalpha() or _mixed_case(v)):
        return "base64"
    return "mixed"


def _is_words(v: str) -> bool:
    """Words joined by ``-``, ``_`` or space, each lower, UPPER or Capitalised, with at most two digits after it,
    or a number of up to three digits: ``necessary``, ``da_DK``, ``eu-west-1``, ``Statistics-v2``."""
    letters = 0
    for token in re.split(r"[-_ ]", v):
        m = _WORD_TOKEN.match(token)
        if not m:
            return False
        w = m.group(1) or ""
        if w and not (w.islower() or w.isupper() or (w[:1].isupper() and w[1:].islower())):
            return False
        letters = max(letters, len(w))
    return letters >= 2


def _mixed_case(v: str) -> bool:
    return any(c.islower() for c in v) and any(c.isupper() for c in v)


def _is_timestamp(v: str) -> bool:
    digits, _, frac = v.partition(".")
    if digits.isascii() and digits.isdigit() and (not frac or (frac.isascii() and frac.isdigit() and len(frac) <= 6)):
        n = int(digits)
        if len(digits) == 10 and _T_MIN <= n <= _T_MAX:
            return True
        if len(digits) == 13 and _T_MIN * 1000 <= n <= _T_MAX * 1000:
            return True
        return False
    return bool(_ISO_DATE.match(v) or _HTTP_DATE.match(v))


def _unquote(v: str) -> str:
    from urllib.parse import unquote

    return unquote(v)


# Cookies that hold a consent state or a setting, never an identifier of the person, whatever their value looks
# like (some carry a consent-record id, e.g. OptanonConsent's consentId or Sourcepoint's consentUUID: that id
# records the choice for the consent solution itself, which the guidance counts as necessary).
# Names are compared case-insensitively; an entry ending in "*" is a prefix.
CONSENT_COOKIES = (
    "cookieconsent", "cookieconsent*", "cookie_consent*", "cookie-consent*", "cookiesconsent*",
    "cookieinformationconsent", "cookie_information*", "optanonconsent", "optanonalertboxclosed",
    "otadditionalconsentstring", "eupubconsent*", "euconsent*", "addtl_consent", "usprivacy", "__cmp*",
    "_cmp*", "cmpconsent*", "cookieyes-consent", "cky-consent", "cookielawinfo-*", "viewed_cookie_policy",
    "cmplz_*", "complianz_*", "borlabs-cookie", "didomi_token", "euconsent", "didomi_*", "_iub_cs-*",
    "consentuuid", "consentdate", "_sp_*", "ckns_policy*", "gdpr*", "_gdpr*", "consent", "socs",
    "cookies_accepted", "cookies-accepted", "cookie_accepted", "cookie_notice_accepted", "cookiebanner*",
    "cookiepolicy*", "cookie_policy*", "cookie-agreed*", "cookiefirst-consent", "cookiehub", "termly-*",
    "osano_consentmanager*", "truste.eu.cookie.*", "notice_preferences", "notice_gdpr_prefs", "cmapi_*",
    "ta_consent*", "tarteaucitron", "axeptio_*", "klaro", "ncookieconsent*", "wp_consent*",
)


_CONSENT_EXACT = frozenset(p for p in CONSENT_COOKIES if not p.endswith("*"))
_CONSENT_PREFIXES = tuple(p[:-1] for p in CONSENT_COOKIES if p.endswith("*"))


def is_consent_cookie(name: str) -> bool:
    """Whether a cookie of this name holds a consent state (see CONSENT_COOKIES). One set lookup and one
    ``str.startswith`` over all prefixes: constant cost per cookie, however many cookies a flow carries."""
    n = (name or "").strip().lower()
    return n in _CONSENT_EXACT or n.startswith(_CONSENT_PREFIXES)


# Cookies that protect a form or a log-in (anti-CSRF tokens, OpenID Connect / SAML state and nonces): random and
# sometimes long-lived, but made for security, and their values travel to the log-in provider by design. A name
# containing one of these (case-insensitive) is never taken for an identifier.
SECURITY_COOKIE_HINTS = (
    "csrf", "xsrf", "antiforgery", "requestverificationtoken", "nonce", "oidc", "openidconnect", "relaystate",
    "saml", "pkce", "code_verifier", "correlation",
)


def is_security_cookie(name: str) -> bool:
    """Whether a cookie of this name is an anti-CSRF or log-in protocol cookie (see SECURITY_COOKIE_HINTS)."""
    n = (name or "").lower()
    return any(h in n for h in SECURITY_COOKIE_HINTS)


# --- ETags ------------------------------------------------------------------------------------------------------

_CONTENT_TAGS = (
    re.compile(r"^[0-9a-f]+-[0-9a-f]+(?:-[0-9a-f]+)?(?:[-;]gzip|-br|-zstd)?$", re.I),  # nginx, Apache: mtime-size
    re.compile(r"^[0-9a-f]{1,8}-[A-Za-z0-9+/]{27}$"),  # Express / npm etag: length-sha1(base64)
    re.compile(r"^(?:[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64})(?:-\d+)?$", re.I),  # md5/sha1/sha256 (S3: md5-parts)
    re.compile(r"^0x[0-9a-f]{8,16}$", re.I),  # Azure Blob storage
    re.compile(r"^[0-9a-f]+:[0-9a-f]+$", re.I),  # IIS
    re.compile(r"^[A-Za-z0-9+/]{22}==$|^[A-Za-z0-9+/]{43}=$"),  # base64 md5 / sha256 (GCS and others)
)


def normalize_tag(tag: str) -> str:
    """An entity tag without its weak prefix and quotes: ``W/"abc"`` -> ``abc``."""
    t = (tag or "").strip()
    if t[:2] in ("W/", "w/"):
        t = t[2:]
    return t.strip().strip('"')


def tag_format(tag: str) -> str:
    """``content`` for the formats web servers derive from the content or file (mtime-size, md5, sha1, ...),
    ``numeric``/``timestamp`` for versions and dates, else the value's shape."""
    t = normalize_tag(tag)
    if any(p.match(t) for p in _CONTENT_TAGS):
        return "content"
    return value_shape(t)
