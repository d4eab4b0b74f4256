"""The demo portal "Borgerportalen (demo)": one local HTTP server that answers for every demo host by its Host
header. All names are fictional; the proxy maps them to this server, so nothing leaves the machine.

What it does, and so what an audit must find:
- first party www.borgerportal-demo.dk: three pages, a consent banner with Cookiebot-style buttons;
- cdn.samtykke-demo.dk: the consent script (declared: technically necessary);
- analyse-demo.dk: site analytics with a collect beacon (declared: written agreement);
- video.videotjeneste-demo.com: a video embed on the "about" page (declared: opt-out);
- pixel.sporing-demo.com: a tracking pixel on every page, before any consent (NOT declared);
- ads.annonce-demo.com: an ad script loaded only after "accept all", which sets an identifier cookie (NOT declared).
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORTAL = "www.borgerportal-demo.dk"
HOSTS = (PORTAL, "cdn.samtykke-demo.dk", "analyse-demo.dk", "video.videotjeneste-demo.com",
         "pixel.sporing-demo.com", "ads.annonce-demo.com")
UNDECLARED_BEFORE_CONSENT = {"sporing-demo.com"}
UNDECLARED_AFTER_ACCEPT = {"sporing-demo.com", "annonce-demo.com"}

GIF = bytes.fromhex("47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b")

_PAGE = """<!doctype html><html lang="da"><head><meta charset="utf-8"><title>{title} - Borgerportalen (demo)</title>
<link rel="stylesheet" href="/static/style.css">
<script src="http://cdn.samtykke-demo.dk/uc.js"></script>
<script src="http://analyse-demo.dk/a.js"></script></head>
<body><header><a href="/">Borgerportalen (demo)</a> | <a href="/ansoeg">Ansøg om ydelse</a> | <a href="/om">Om</a>
 | <a href="https://www.example.org/">Ekstern</a></header>
<main><h1>{title}</h1>{body}</main>
<img src="http://pixel.sporing-demo.com/p.gif?page={slug}&amp;cid=8c1f0e7a2b9d4c3e" width="1" height="1" alt="">
<div id="CybotCookiebotDialog" style="position:fixed;bottom:0;background:#eee;padding:1em">
 Vi bruger cookies.
 <button id="CybotCookiebotDialogBodyLevelButtonLevelOptinAllowAll">Tillad alle</button>
 <button id="CybotCookiebotDialogBodyButtonDecline">Afvis alle</button>
</div>
<script src="/static/app.js"></script></body></html>"""

PAGES = {
    "/": ("Forside", "forside", "<p>Velkommen. Log ind for at se dine sager.</p>"),
    "/ansoeg": ("Ansøg om ydelse", "ansoeg", "<form><label>Navn <input name=navn></label></form>"),
    "/om": ("Om portalen", "om",
            '<iframe src="http://video.videotjeneste-demo.com/embed/intro" width="320" height="180"></iframe>'),
}

APP_JS = b"""
function loadAds() {
  var s = document.createElement('script'); s.src = 'http://ads.annonce-demo.com/ads.js';
  document.body.appendChild(s);
}
function decide(choice) {
  document.cookie = 'demo_consent=' + choice + '; path=/; max-age=31536000';
  document.getElementById('CybotCookiebotDialog').style.display = 'none';
  if (choice === 'all') loadAds();
}
if (document.cookie.indexOf('demo_consent=all') >= 0) { loadAds(); }
if (document.cookie.indexOf('demo_consent=') >= 0) {
  document.getElementById('CybotCookiebotDialog').style.display = 'none';
}
document.getElementById('CybotCookiebotDialogBodyLevelButtonLevelOptinAllowAll').onclick = function(){ decide('all'); };
document.getElementById('CybotCookiebotDialogBodyButtonDecline').onclick = function(){ decide('necessary'); };
"""

ANALYTICS_JS = b"""navigator.sendBeacon('http://analyse-demo.dk/collect?v=1&p=' + encodeURIComponent(location.pathname),
  'event=pageview');"""


def routes() -> dict[tuple[str, str], tuple[int, list[tuple[str, str]], bytes]]:
    html = [("content-type", "text/html; charset=utf-8")]
    js = [("content-type", "application/javascript")]
    r = {(PORTAL, path): (200, html + [("set-cookie", "portal_sid=d3m0s3ss10n; Path=/; HttpOnly")],
                          _PAGE.format(title=t, slug=slug, body=body).encode())
         for path, (t, slug, body) in PAGES.items()}
    r[(PORTAL, "/static/app.js")] = (200, js, APP_JS)
    r[(PORTAL, "/static/style.css")] = (200, [("content-type", "text/css")], b"body{font-family:sans-serif}")
    r[("cdn.samtykke-demo.dk", "/uc.js")] = (200, js, b"window.DemoConsent = {version: 1};")
    r[("analyse-demo.dk", "/a.js")] = (200, js, ANALYTICS_JS)
    r[("analyse-demo.dk", "/collect")] = (204, [], b"")
    r[("video.videotjeneste-demo.com", "/embed/intro")] = (200, html, b"<html><body>video</body></html>")
    r[("pixel.sporing-demo.com", "/p.gif")] = (
        200, [("content-type", "image/gif"), ("set-cookie", "trk=71b3c0de9a8f4e21b6d5; Max-Age=63072000; Path=/")], GIF)
    r[("ads.annonce-demo.com", "/ads.js")] = (
        200, js + [("set-cookie", "adid=5f2e8a91c4b37d60e1a9; Max-Age=34560000; Path=/")], b"var ad = 1;")
    return r


def host_handler(lookup, on_request=None, close: bool = True) -> type[BaseHTTPRequestHandler]:
    """A request handler that answers for many host names: ``lookup(host, path)`` gives (status, headers, body).

    ``close``: end each connection after its response (see proxy.inproc.Resolve for why mapped servers should).
    ``on_request(host, path, headers)`` sees every request (tests record them).
    """

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self):
            host = (self.headers.get("host") or "").split(":")[0].lower()
            length = int(self.headers.get("content-length") or 0)
            if length:
                self.rfile.read(min(length, 1 << 20))
            if on_request:
                on_request(host, self.path, dict(self.headers))
            status, headers, body = lookup(host, self.path.split("?")[0])
            self.send_response(status)
            for k, v in headers:
                self.send_header(k, v)
            self.send_header("content-length", str(len(body)))
            if close:
                self.send_header("connection", "close")
                self.close_connection = True
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        do_GET = do_POST = do_HEAD = _serve

        def log_message(self, *args):
            pass

    return Handler


class DemoServer:
    """The demo portal on free loopback ports, one per demo host (``hosts`` maps each host to its address).

    One port per host, like real servers: mitmproxy allows a client connection only a few concurrent server
    connections per address, so many hosts behind one address would queue behind each other's keep-alives.
    """

    def __init__(self) -> None:
        table = routes()
        handler = host_handler(lambda host, path: table.get((host, path), (404, [], b"not found")))
        self.servers = {host: ThreadingHTTPServer(("127.0.0.1", 0), handler) for host in HOSTS}

    @property
    def hosts(self) -> dict[str, tuple[str, int]]:
        return {h: ("127.0.0.1", server.server_address[1]) for h, server in self.servers.items()}

    def __enter__(self) -> "DemoServer":
        for server in self.servers.values():
            threading.Thread(target=server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        for server in self.servers.values():
            server.shutdown()
            server.server_close()
