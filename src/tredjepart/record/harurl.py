"""Where a HAR entry's request went: scheme, host, port and path.

``request.url`` is normally absolute, but real producers also write relative URLs (a HAR viewer's copy of a Chrome
export), an empty one (Splash, for a request to an invalid host name), unencoded UTF-8 paths (Splash), IPv6
literals, ``ws://`` upgrades, and URLs that never were network traffic at all (``data:``, ``blob:``, extension
pages). HTTP/2 pseudo-headers (``:scheme``, ``:authority``, ``:path``) say what the browser put on the wire, so they
win over a rewritten relative URL; otherwise a relative URL is resolved against the page or previous document of
the capture, as the browser did. What cannot be placed is refused with a reason (``Unusable``), never guessed.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import quote, urljoin, urlsplit

from tredjepart.observe.urls import strip_query_values

# Schemes of things a browser shows or builds itself: no request left the device.
NOT_NETWORK = frozenset({
    "data", "blob", "about", "javascript", "file", "filesystem", "view-source", "resource", "chrome", "edge",
    "brave", "opera", "devtools", "chrome-extension", "moz-extension", "safari-extension", "safari-web-extension",
    "ms-browser-extension", "extension", "chrome-error", "chrome-search", "chrome-untrusted", "moz-icon",
    "webkit-fake-url", "x-apple-data-detectors",
})
# URL scheme -> (request scheme, default port); WebSocket upgrades are HTTP requests.
WEB = {"http": ("http", 80), "https": ("https", 443), "ws": ("http", 80), "wss": ("https", 443)}

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")
_HOST_HEADER = re.compile(r"[A-Za-z0-9._\-]+(:\d{1,5})?|\[[0-9A-Fa-f:.]+\](:\d{1,5})?")
_BAD_HOST = re.compile(r"[\x00-\x20\x7f/\\@#?%<>\"'`{}|^]")
# Printable ASCII stays as it is; everything else in a path is percent-encoded UTF-8, as a browser sends it.
_PATH_SAFE = "".join(chr(c) for c in range(0x21, 0x7F))
MAX_HOST = 253
MAX_SHOWN = 200


class Unusable(ValueError):
    """The entry's request cannot be placed on a host; the message says why."""


class NotNetwork(ValueError):
    """The entry is no network traffic (a ``data:`` URL, an extension page, ...); the message says what it is."""


@dataclass(frozen=True, slots=True)
class Target:
    scheme: str  # "http" or "https"
    host: str  # lower case, IDNA, IPv6 without brackets
    port: int
    path: str  # ASCII, query included, fragment dropped
    websocket: bool = False
    resolved: str | None = None  # how a relative URL was placed, for the flow's notes


def request_target(url: object, pseudo: dict[str, str], host_header: str | None, base: str | None) -> Target:
    """The target of a request whose ``request.url`` is ``url``; ``pseudo`` are its HTTP/2 pseudo-headers,
    ``base`` the URL of its page or of the previous document in the capture (None when unknown)."""
    if not isinstance(url, str):
        raise Unusable("request.url is missing or not text")
    raw = url.strip()
    found = _SCHEME.match(raw)
    scheme = found.group(1).lower() if found else None
    if scheme in NOT_NETWORK:
        raise NotNetwork(f"{scheme}: URL (not network traffic)")
    how = None
    if scheme is not None and scheme not in WEB and not raw.startswith("//"):
        if not _looks_like_host_port(raw):
            raise Unusable(f"{scheme}: URL is not HTTP")
        port = raw.partition("/")[0].rpartition(":")[2]  # "host:443", as CONNECT entries write it
        raw, how = ("https://" if port == "443" else "http://") + raw, "host and port only"
    elif scheme is None:
        raw, how = _absolute(raw, pseudo, host_header, base)
    return _parse(raw, how)


def _looks_like_host_port(raw: str) -> bool:
    host, _, port = raw.partition("/")[0].rpartition(":")
    return bool(host) and port.isdigit() and "." in host


def _absolute(raw: str, pseudo: dict[str, str], host_header: str | None, base: str | None) -> tuple[str, str]:
    """An absolute URL for a relative (or empty) ``raw``, and how it was found."""
    base_scheme = (urlsplit(base).scheme or "").lower() if base else ""
    authority = pseudo.get(":authority")
    if authority:
        scheme = pseudo.get(":scheme") or base_scheme or "https"
        path = pseudo.get(":path") or (raw if raw.startswith("/") else "/" + raw)
        return f"{scheme}://{authority}{path}", "from the HTTP/2 pseudo-headers"
    if not raw:
        raise Unusable("request.url is empty")
    if raw.startswith("//"):
        return f"{base_scheme or 'https'}:{raw}", "scheme-relative URL, scheme of its page"
    if host_header and _HOST_HEADER.fullmatch(host_header.strip()) and raw.startswith("/"):
        how = "relative URL placed by its Host header" + ("" if base_scheme else " (scheme http assumed)")
        return f"{base_scheme or 'http'}://{host_header.strip()}{raw}", how
    if base:
        return urljoin(base, raw), "relative URL resolved against its page"
    raise Unusable("relative URL, and no page, document or Host header in the capture to resolve it against")


def _parse(raw: str, how: str | None) -> Target:
    try:
        parts = urlsplit(raw)
        port = parts.port
        host = parts.hostname
    except ValueError as e:
        raise Unusable(f"URL cannot be parsed ({_why(e)})") from None
    scheme = parts.scheme.lower()
    if scheme not in WEB:
        raise Unusable(f"{scheme or 'no'} scheme after resolving the URL")
    request_scheme, default_port = WEB[scheme]
    host = _host(host or "")
    if port == 0:
        raise Unusable("port 0")
    path = quote(parts.path or "/", safe=_PATH_SAFE, errors="backslashreplace")
    if not path.startswith("/"):
        path = "/" + path
    if parts.query:
        path += "?" + quote(parts.query, safe=_PATH_SAFE, errors="backslashreplace")
    return Target(request_scheme, host, port or default_port, path, scheme in ("ws", "wss"), how)


def _host(host: str) -> str:
    if not host:
        raise Unusable("URL has no host")
    if ":" in host:  # an IPv6 literal (urlsplit has taken the brackets off)
        try:
            return str(ipaddress.IPv6Address(host.split("%", 1)[0]))
        except ValueError:
            raise Unusable("host is not a valid IPv6 address") from None
    if _BAD_HOST.search(host):
        raise Unusable("host contains characters no host name has")
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise Unusable("host is not a valid international domain name") from None
    host = host.rstrip(".")
    if not host or len(host) > MAX_HOST:
        raise Unusable(f"host name is empty or longer than {MAX_HOST} characters")
    return host


def _why(e: Exception) -> str:
    text = str(e)
    return "port is not a number 1-65535" if "port" in text.lower() else text[:80]


def shown(url: object) -> str:
    """``url`` for a log line or a report: no query values, no user name or password, no fragment, bounded."""
    if not isinstance(url, str):
        return "(no URL)"
    raw = url.strip()
    scheme = (_SCHEME.match(raw).group(1).lower() if _SCHEME.match(raw) else "")
    if scheme and scheme not in WEB:
        text = f"{scheme}:" + raw[len(scheme) + 1:].split(",", 1)[0].split("?", 1)[0][:60]
    else:
        text = _without_values(raw)
    text = "".join(c if c.isprintable() else f"\\x{ord(c) & 0xff:02x}" for c in text)
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN] + "..."


def _without_values(raw: str) -> str:
    try:
        parts = urlsplit(raw)
        if parts.scheme and parts.hostname:
            port = parts.port or WEB.get(parts.scheme.lower(), ("", 0))[1]
            target = parts.path + ("?" + parts.query if parts.query else "")
            return strip_query_values(parts.scheme.lower(), parts.hostname, port, target)[0]
    except ValueError:
        pass
    bare, sep, query = raw.split("#", 1)[0].partition("?")
    if "//" in bare:  # drop a user name and password
        head, _, rest = bare.partition("//")
        authority, slash, path = rest.partition("/")
        bare = f"{head}//{authority.rpartition('@')[2]}{slash}{path}"
    names = [p.split("=", 1)[0] for p in query.split("&") if p]
    return bare + (sep + "&".join(f"{n}=" for n in names) if names else "")
