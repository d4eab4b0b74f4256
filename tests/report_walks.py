"""Recorded databases for the report tests: a tester's walks through Eksempelportalen (policies/example-portal.yaml)
recorded by the real addon in-process (conftest.AddonHarness), with the device's background traffic before,
between and after the walks, as a live run records it."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

from conftest import ROOT, AddonHarness
from e2e_helpers import GIF_1X1

POLICY = ROOT / "policies" / "example-portal.yaml"
PORTAL = "https://www.example-portal.dk/"
CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"


def _headers(dest: str, *, cookie: str | None = None, site: str = "cross-site") -> dict:
    h = {"User-Agent": CHROME, "Sec-Fetch-Dest": dest,
         "Sec-Fetch-Mode": "navigate" if dest == "document" else "no-cors",
         "Sec-Fetch-Site": "none" if dest == "document" else site}
    if dest != "document":
        h["Referer"] = PORTAL
    if cookie:
        h["Cookie"] = cookie
    return h


class Walker:
    """Drives the addon like a browser and a tester would: pages, scripts, beacons, session commands."""

    def __init__(self, harness: AddonHarness) -> None:
        self.h = harness

    def get(self, url: str, dest: str, *, cookie: str | None = None, set_cookie: str | None = None,
            ctype: str = "text/html", body: bytes = b"", site: str = "cross-site", status: int = 200):
        resp = {"Content-Type": ctype}
        if set_cookie:
            resp["Set-Cookie"] = set_cookie
        return self.h.flow(url, req_headers=_headers(dest, cookie=cookie, site=site), resp_headers=resp,
                           resp_body=body, status=status, timestamp=time.time())

    def background(self) -> None:
        """Firefox's captive-portal check: the device's own traffic, no part of any solution."""
        self.h.flow("https://detectportal.firefox.com/canonical.html",
                    req_headers={"User-Agent": CHROME}, resp_headers={"Content-Type": "text/html"},
                    timestamp=time.time())

    def walk_one(self) -> None:
        """The portal, Google's tag script (undeclared) writing _ga on the portal's own domain, Stats Demo."""
        self.get(PORTAL, "document", set_cookie="portal_session=s3ss10n; Path=/; Secure; HttpOnly")
        self.get("https://www.googletagmanager.com/gtag/js?id=G-TEST", "script", ctype="text/javascript",
                 body=b"window.dataLayer=[];document.cookie='_ga=GA1.1.1234567890.1762160400';")
        self.get(PORTAL + "api/news", "empty", cookie="portal_session=s3ss10n; _ga=GA1.1.1234567890.1762160400",
                 ctype="application/json", site="same-origin")
        self.get("https://collect.stats-demo.dk/ping?id=42", "empty", ctype="text/plain")

    def walk_two(self) -> None:
        """The portal's help page with the video embed (a cookie its entry does not allow) and a tracker pixel."""
        self.get(PORTAL + "hjaelp", "document", cookie="portal_session=s3ss10n")
        self.get("https://www.video-demo.dk/embed/intro", "iframe",
                 set_cookie="VISITOR_INFO1=vX9qq8Lm1; Max-Age=15552000; Domain=video-demo.dk; Secure; SameSite=None")
        self.get("https://px.sporing-demo.com/p.gif?uid=abc123def456", "image", ctype="image/gif", body=GIF_1X1)


def record_two_walks(tmp_path: Path) -> Path:
    """Background, walk 1, background, walk 2, background: five sessions, two of them the tester's walks."""
    h = AddonHarness(tmp_path, tredjepart_policy=str(POLICY))
    w = Walker(h)
    try:
        w.background()  # the browser before the tester pressed start: an unnamed session
        h.addon.session_start("Ansøgning, walk 1")
        w.walk_one()
        h.addon.session_end()
        w.background()
        h.addon.session_start("Hjælp, walk 2")
        w.walk_two()
        h.addon.session_end()
        w.background()
    finally:
        h.close()
    return h.db_path


RULES_POLICY = """\
solution: Regelportalen
owner: Prøvestyrelsen
first_party: [example-portal.dk]
third_parties:
  - name: Old Stats
    sites: [stats-demo.dk]
    basis: written_agreement
    agreement: {reference: "DPA 2019-3", expires: 2020-01-01}
  - name: Video Demo
    sites: [video-demo.dk]
    basis: opt_out
    opt_out: {setting: "Privacy > own use: off", verified: 2020-01-01}
    allow: [document, script, image]
  - name: Consent Demo
    sites: [cookieconsent-demo.dk]
    basis: technically_necessary
    purpose: the consent banner
"""

UID = "a8f3c91e5b7d4e02b6f1c3d9e7a5b802"
EMAIL = "Jens.Testesen@example.dk"  # the declared test identity: never stored, found by its SHA-256
TAG = '"Zq81bX0pLk2vR7"'
PINNED = "Client TLS handshake failed. The client does not trust the proxy's certificate for api.pinned-app.com"
FINGERPRINT_JS = b"""
(function(){ var c = document.createElement('canvas'); var x = c.getContext('2d');
  x.textBaseline = 'top'; x.font = '14px Arial'; x.fillText('Cwm fjordbank glyphs vext quiz', 2, 2);
  var d = c.toDataURL();
  var gl = document.createElement('canvas').getContext('webgl');
  if (gl) { var i = gl.getExtension('WEBGL_debug_renderer_info');
            if (i) { gl.getParameter(i.UNMASKED_RENDERER_WEBGL); } }
  window.fp = d.length; })();
"""


def record_every_rule(tmp_path: Path) -> Path:
    """One session recorded by the in-thread recorder (the code path of `analyze` and of the proxy without its
    worker process) in which every rule of tredjepart.rules fires at least once, CNAME cloaking, a pinned host and
    a raw TCP connection, the declared e-mail's hash and a page address about social assistance included."""
    from mitmproxy.test import tflow

    from conftest import make_flow
    from tredjepart.instrument import parse_batch
    from tredjepart.policy import load_policies
    from tredjepart.record.api import open_recorder
    from tredjepart.record.dns import CnameResolver
    from tredjepart.record.wire import Settings

    tmp_path.mkdir(parents=True, exist_ok=True)
    policy = tmp_path / "rules.yaml"
    policy.write_text(RULES_POLICY, encoding="utf-8")
    resolver = CnameResolver(lambda host: "portal.sc.omtrdc.net." if host == "metrics.example-portal.dk" else None)
    resolver.wait("metrics.example-portal.dk", 5)
    db = tmp_path / "rules.sqlite"
    identity = tmp_path / "identity.yaml"
    identity.write_text(f"email: {EMAIL}\n", encoding="utf-8")
    rec = open_recorder(Settings(str(db), load_policies(str(policy)), cnames=True, identity=str(identity)),
                        cnames=resolver)
    t = [1_762_160_400.0]

    def get(url, dest=None, *, status=200, req=None, resp=None, body=b"", ctype="text/html"):
        t[0] += 1.0
        headers = {"User-Agent": CHROME, "Referer": PORTAL, **(req or {})}
        if dest:
            headers.update({"Sec-Fetch-Dest": dest, "Sec-Fetch-Mode": "navigate" if dest == "document" else "no-cors"})
        rec.record(make_flow(url, req_headers=headers, status=status, resp_body=body, timestamp=t[0],
                             resp_headers=[("Content-Type", ctype), *(resp or [])]))

    try:
        rec.start_session("Alle regler", when=t[0])
        get(PORTAL, "document")
        get("https://www.googletagmanager.com/gtag/js?id=G-1", "script", ctype="text/javascript", body=b"gtag();")
        get("https://cdn.tracker-one.com/t.js", "script", ctype="text/javascript", body=b"t();",
            resp=[("Set-Cookie", f"t1uid={UID}; Max-Age=31536000; Path=/; Secure; SameSite=None")])
        get(f"https://sync.tracker-two.com/s?partner=t1&partner_uid={UID}", "image", ctype="image/gif", body=GIF_1X1)
        get("https://cdn.tracker-one.com/fp.js", "script", ctype="text/javascript", body=FINGERPRINT_JS)
        get("https://api.video-demo.dk/stats", "empty", ctype="application/json", body=b"{}")
        get("https://collect.stats-demo.dk/ping?id=1", "empty", ctype="text/plain")
        get("https://consent.cookieconsent-demo.dk/api", "empty", ctype="application/json",
            resp=[("Set-Cookie", "CookieConsent=yes; Max-Age=34560000; Path=/")])
        get("https://px.cookieconsent-demo.dk/p.gif?ev=shown", "image", ctype="image/gif", body=GIF_1X1)
        get("https://t.tracker-three.com/p", ctype="application/json", resp=[("ETag", TAG)])
        get("https://t.tracker-three.com/p", ctype="application/json", status=304, req={"If-None-Match": TAG})
        nav = {"Sec-Fetch-Dest": "document", "Sec-Fetch-Mode": "navigate"}
        get(PORTAL + "go", status=302, req=nav, resp=[("Location", "https://bounce.tracker-four.com/r")])
        get("https://bounce.tracker-four.com/r", status=302, req=nav,
            resp=[("Location", PORTAL + "landing"), ("Set-Cookie", "b4=Xk29fLq0ZpA7mB3c; Max-Age=31536000")])
        get("https://metrics.example-portal.dk/b/ss/x", "image", ctype="image/gif", body=GIF_1X1)
        get(f"https://collect.tracker-six.com/c?em={hashlib.sha256(EMAIL.lower().encode()).hexdigest()}", "image",
            ctype="image/gif", body=GIF_1X1, req={"Referer": PORTAL + "ansoeg/kontanthjaelp/trin-2"})
        rec.record_tls_failure("api.pinned-app.com", "192.0.2.10", PINNED, t[0] + 1)
        # The in-page instrument's report: tracker-one's script keeps an identifier in the portal's localStorage.
        rec.record_storage(parse_batch(json.dumps({
            "v": 1, "token": "AbCdEfGhIjKlMnOpQrStUv", "page": PORTAL, "frame": PORTAL.rstrip("/"), "top": True,
            "seq": 0, "dropped": 0, "now": 1000, "events": [
                {"kind": "localStorage", "op": "write", "key": "t1_uid", "length": len(UID), "value": UID,
                 "script": "https://cdn.tracker-one.com/t.js", "script_kind": "file", "stack": [], "t": 900}]}
        ).encode()), "page-flow", None, when=t[0] + 1)
        tcp = tflow.ttcpflow()  # an app's raw TCP connection: recorded as sizes, a blind spot
        tcp.metadata["tredjepart_target"] = ("mqtt.tracker-five.com", 1883)
        rec.record_stream(tcp)
        rec.end_session(when=t[0] + 2)
    finally:
        rec.close()
        resolver.close()
    return db
