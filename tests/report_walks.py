"""Recorded databases for the report tests: a tester's walks through Eksempelportalen (policies/example-portal.yaml)
recorded by the real addon in-process (conftest.AddonHarness), with the device's background traffic before,
between and after the walks, as a live run records it."""

from __future__ import annotations

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
