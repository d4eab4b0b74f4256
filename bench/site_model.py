"""The traffic every part of the benchmark plays: one page view of a citizen portal with its third parties.

One model feeds the local origin server (bench/origin.py), the wrk script and the paced client (bench/load.py)
and the generated capture (bench/capture.py), so live and offline runs see the same mix. Per page view, in
order: the document (with a session Set-Cookie), the portal's own scripts, stylesheet, logo and API calls, the
consent platform (covered), the analytics service under agreement (covered), MitID's login script (covered), and
trackers the example policy does not cover: Google Analytics and Meta's pixel (known owners, so owner lookup and
transfer judging run), and a made-up tracker with a two-year cookie and a pixel. That is 20 requests, about what
a page of such a portal loads: documents 5%, scripts 35%, images and pixels 25%, XHR and beacons 30%,
stylesheets 5%.
Script bodies are realistic in size (20-90 KB) and two contain fingerprinting API names, so the recorder's script
scan does real work. A visit is ``VISIT`` page views: the first loads everything; in the others the browser
revalidates its cached scripts, stylesheet and static images (``If-None-Match``) and the origin answers 304 with
no body, as a portal's no-cache static files do.

Everything is plain HTTP: wrk cannot tunnel, and TLS interception would add the same cost to bare mitmdump and
to tredjepart alike, which would only flatter the ratios.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

UA = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile "
      "Safari/537.36")
PAGE = "http://www.example-portal.dk/borger/sag/SAG-2025-004711/oversigt"
EMAIL_SHA256 = hashlib.sha256(b"jens.testesen@example.dk").hexdigest()  # bench/identity.yaml's e-mail
GIF = bytes.fromhex("47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b")


def _script(name: str, size: int, extra: bytes = b"") -> bytes:
    """Minified-looking JavaScript of ``size`` bytes (deterministic), with ``extra`` in the middle."""
    unit = (f"function {name}_f(a,b){{var c=document.cookie;return a.push({{k:b,v:c,t:Date.now()}})}};"
            f"window.{name}=window.{name}||[];").encode()
    body = unit * (size // len(unit) // 2) + extra + unit * (size // len(unit) // 2)
    return body[:max(size, len(extra))]


_FP = (b";var c=document.createElement('canvas'),x=c.getContext('2d');x.fillText('Cwm fjordbank glyphs vext quiz',2,"
       b"2);var d=c.toDataURL();var g=c.getContext('webgl');g.getParameter(g.getExtension('WEBGL_debug_renderer_"
       b"info').UNMASKED_RENDERER_WEBGL);")


@dataclass(frozen=True, slots=True)
class Exchange:
    """One request of a page view and the origin's answer."""

    host: str
    path: str  # with query
    dest: str  # Sec-Fetch-Dest
    ctype: str
    body: bytes
    set_cookie: str | None = None
    cookie: str | None = None  # what the browser sends
    status: int = 200

    @property
    def cacheable(self) -> bool:
        return self.dest in ("script", "style") or (self.dest == "image" and "?" not in self.path)

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha1(self.body).hexdigest()[:16] + '"'


EXCHANGES: tuple[Exchange, ...] = (
    Exchange("www.example-portal.dk", "/borger/sag/SAG-2025-004711/oversigt", "document", "text/html; charset=utf-8",
             b"<!doctype html><html lang=da><head><title>Min sag</title></head><body>" + b"<p>Oversigt</p>" * 600
             + b"</body></html>", "portal_sid=6f1c2e9a8b7d4c3e2f1a0b9c8d7e6f5a; Path=/; HttpOnly; SameSite=Lax",
             "portal_sid=6f1c2e9a8b7d4c3e2f1a0b9c8d7e6f5a; cc_consent=necessary"),
    Exchange("www.example-portal.dk", "/static/app.3f9a1c.js", "script", "application/javascript",
             _script("portal", 60_000), cookie="portal_sid=6f1c2e9a8b7d4c3e2f1a0b9c8d7e6f5a"),
    Exchange("www.example-portal.dk", "/static/vendor.8e2b7d.js", "script", "application/javascript",
             _script("vendor", 90_000), cookie="portal_sid=6f1c2e9a8b7d4c3e2f1a0b9c8d7e6f5a"),
    Exchange("www.example-portal.dk", "/static/site.css", "style", "text/css", b"body{margin:0}" * 800),
    Exchange("www.example-portal.dk", "/static/logo.png", "image", "image/png", b"\x89PNG\r\n\x1a\n" + b"\0" * 4000),
    Exchange("www.example-portal.dk", "/api/sager?status=aaben", "empty", "application/json",
             b'{"sager":[{"id":"SAG-2025-004711","status":"aaben"}]}',
             cookie="portal_sid=6f1c2e9a8b7d4c3e2f1a0b9c8d7e6f5a"),
    Exchange("www.example-portal.dk", "/api/beskeder", "empty", "application/json", b'{"beskeder":[]}',
             cookie="portal_sid=6f1c2e9a8b7d4c3e2f1a0b9c8d7e6f5a"),
    Exchange("cdn.cookieconsent-demo.dk", "/v3/consent.js", "script", "application/javascript",
             _script("cc", 30_000), "cc_consent=necessary; Max-Age=31536000; Domain=cookieconsent-demo.dk; Path=/"),
    Exchange("stats-demo.dk", "/collect?v=2&tid=EP-1&dl=%2Fborger%2Fsag%2Foversigt&en=page_view", "empty",
             "text/plain", b""),
    Exchange("login.nemlog-in.dk", "/scripts/nemlogin-widget.js", "script", "application/javascript",
             _script("nemlogin", 20_000)),
    Exchange("www.googletagmanager.com", "/gtag/js?id=G-EXAMPLE123", "script", "application/javascript",
             _script("dataLayer", 90_000)),
    Exchange("www.google-analytics.com", "/g/collect?v=2&tid=G-EXAMPLE123&cid=1234567890.1735689600"
             "&dl=http%3A%2F%2Fwww.example-portal.dk%2Fborger%2Fsag%2FSAG-2025-004711%2Foversigt&en=page_view",
             "empty", "text/plain", b"", status=204),
    Exchange("connect.facebook.net", "/en_US/fbevents.js", "script", "application/javascript",
             _script("fbq", 80_000, _FP)),
    Exchange("www.facebook.com", f"/tr?id=123456789012345&ev=PageView&dl=http%3A%2F%2Fwww.example-portal.dk%2F"
             f"borger%2Fsag%2Foversigt&ud[em]={EMAIL_SHA256}", "image", "image/gif", GIF,
             cookie="_fbp=fb.1.1735689600000.123456789"),
    Exchange("cdn.tracker-demo.com", "/t.js", "script", "application/javascript", _script("trk", 25_000, _FP),
             "uid=9f8e7d6c5b4a39281706; Max-Age=63072000; Domain=tracker-demo.com; Path=/",
             "uid=9f8e7d6c5b4a39281706"),
    Exchange("pixel.tracker-demo.com", "/p.gif?uid=9f8e7d6c5b4a39281706&ev=view&u=%2Fborger%2Fsag", "image",
             "image/gif", GIF, cookie="uid=9f8e7d6c5b4a39281706"),
    Exchange("www.example-portal.dk", "/static/ikon-besked.svg", "image", "image/svg+xml", b"<svg/>" * 200),
    Exchange("stats-demo.dk", "/collect?v=2&tid=EP-1&en=scroll&ep.percent=90", "empty", "text/plain", b""),
    Exchange("pixel.tracker-demo.com", "/p.gif?uid=9f8e7d6c5b4a39281706&ev=scroll", "image", "image/gif", GIF,
             cookie="uid=9f8e7d6c5b4a39281706"),
    Exchange("www.google-analytics.com", "/g/collect?v=2&tid=G-EXAMPLE123&cid=1234567890.1735689600&en=scroll",
             "empty", "text/plain", b"", status=204),
)

UNCOVERED_HOSTS = ("www.googletagmanager.com", "www.google-analytics.com", "connect.facebook.net", "www.facebook.com",
                   "cdn.tracker-demo.com", "pixel.tracker-demo.com")
VISIT = 10
# One visit: (exchange, revalidate) for every request, in order (VISIT x len(EXCHANGES) requests).
SEQUENCE: tuple[tuple[Exchange, bool], ...] = tuple(
    (e, view > 0 and e.cacheable) for view in range(VISIT) for e in EXCHANGES)
HOSTS = tuple(dict.fromkeys(e.host for e in EXCHANGES))
REASONS = {200: "OK", 204: "No Content", 304: "Not Modified"}


def request_headers(e: Exchange, revalidate: bool = False) -> list[tuple[str, str]]:
    """The headers a browser sends for ``e`` (header order as Chrome's); ``revalidate``: it has ``e`` cached."""
    h = [("Host", e.host), ("User-Agent", UA), ("Accept", "text/html,*/*;q=0.8" if e.dest == "document" else "*/*"),
         ("Accept-Language", "da-DK,da;q=0.9,en;q=0.8"), ("Sec-Fetch-Dest", e.dest),
         ("Sec-Fetch-Mode", "navigate" if e.dest == "document" else "no-cors" if e.dest != "empty" else "cors")]
    if e.dest != "document":
        h.append(("Referer", PAGE))
    if e.cookie:
        h.append(("Cookie", e.cookie))
    if revalidate:
        h.append(("If-None-Match", e.etag))
    return h


def response_head(e: Exchange, not_modified: bool = False) -> list[tuple[str, str]]:
    """The origin's headers for ``e``; ``not_modified``: the 304 to a revalidation (no body)."""
    h = [("Content-Type", e.ctype), ("Content-Length", "0" if not_modified else str(len(e.body))),
         ("Cache-Control", "no-cache")]
    if e.cacheable:
        h.append(("ETag", e.etag))
    if e.set_cookie and not not_modified:
        h.append(("Set-Cookie", e.set_cookie))
    return h


def status(e: Exchange, not_modified: bool = False) -> int:
    return 304 if not_modified else e.status


def response_bytes(e: Exchange, not_modified: bool = False) -> bytes:
    """The origin's whole answer to ``e``, keep-alive."""
    head = "".join(f"{k}: {v}\r\n" for k, v in response_head(e, not_modified))
    code = status(e, not_modified)
    return f"HTTP/1.1 {code} {REASONS[code]}\r\n{head}\r\n".encode() + (b"" if not_modified else e.body)


def url(e: Exchange) -> str:
    return f"http://{e.host}{e.path}"
