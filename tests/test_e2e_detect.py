"""The detectors end to end: a local page that uses each similar technology, loaded by real headless Chromium
through the proxy (in-process mitmproxy with the audit addon), and the detections and findings it must yield."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pytest
from sqlite_utils import Database

from e2e_helpers import GIF_1X1, Sites

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium on PATH (.ci/run installs it)"),
]

UID = "a8f3c91e5b7d4e02b6f1c3d9e7a5b802"  # the tracker's identifier, also synced to a second tracker
JS_ID = "Zq81mXv2Lp0sWt7Yh4Nc"

PAGE = """<!doctype html><html><head><title>portal</title>
<script src="https://cdn.tracker-one.com/t.js"></script>
<script src="https://cdn.tracker-one.com/fp.js"></script></head>
<body><h1>Portal</h1>
<img src="https://px.tracker-one.com/p.gif?ev=view&amp;page=home" width="1" height="1" alt="">
<a id="next" href="/next" ping="https://ping.tracker-two.com/p">next</a>
<script>navigator.sendBeacon('https://collect.tracker-two.com/b?ev=load', 'event=load');</script>
</body></html>"""

TRACKER_JS = f"""
document.cookie = 't1_js={JS_ID}; path=/; max-age=31536000';
new Image().src = 'https://sync.tracker-two.com/s?partner=t1&partner_uid={UID}';
""".encode()

FINGERPRINT_JS = b"""
(function(){ var c = document.createElement('canvas'); var x = c.getContext('2d');
  x.textBaseline = 'top'; x.font = '14px Arial'; x.fillText('Cwm fjordbank glyphs vext quiz', 2, 2);
  var d = c.toDataURL();
  var gl = document.createElement('canvas').getContext('webgl');
  if (gl) { var i = gl.getExtension('WEBGL_debug_renderer_info');
            if (i) { gl.getParameter(i.UNMASKED_RENDERER_WEBGL); } }
  window.fp = d.length; })();
"""

HTML = [("content-type", "text/html")]
JS = [("content-type", "application/javascript")]
ROUTES = {
    "www.detect-portal.dk": {"/": (200, HTML, PAGE.encode()), "/next": (200, HTML, b"<html>next</html>")},
    "cdn.tracker-one.com": {
        "/t.js": (200, JS + [("set-cookie", f"t1uid={UID}; Max-Age=31536000; Path=/")], TRACKER_JS),
        "/fp.js": (200, JS, FINGERPRINT_JS),
    },
    "px.tracker-one.com": {"/p.gif": (200, [("content-type", "image/gif")], GIF_1X1)},
    "collect.tracker-two.com": {"/b": (204, [], b"")},
    "ping.tracker-two.com": {"/p": (204, [], b"")},
    "sync.tracker-two.com": {"/s": (200, [("content-type", "image/gif")], GIF_1X1)},
}


@pytest.fixture(scope="module")
def recorded():
    from playwright.sync_api import sync_playwright

    from tredjepart.crawl import CHROMIUM_ARGS
    from tredjepart.proxy.inproc import InProcessProxy

    tmp = Path(tempfile.mkdtemp(prefix="tredjepart-e2e-detect-"))
    sites = Sites(ROUTES, tmp)
    https_port = sites.ports[1]  # everything over HTTPS, as on a real portal (and so with fetch metadata)
    db = tmp / "detect.sqlite"
    try:
        with InProcessProxy(db=str(db), resolve={h: ("127.0.0.1", https_port) for h in ROUTES},
                            confdir=str(tmp)) as proxy:
            proxy.call(proxy.auditor.recorder.start_session, "detectors")
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=shutil.which("chromium"), headless=True,
                                            args=CHROMIUM_ARGS, proxy={"server": f"http://127.0.0.1:{proxy.port}"})
                page = browser.new_page()
                page.goto("https://www.detect-portal.dk/", wait_until="networkidle")
                page.click("#next")  # <a ping>: the ping goes out with the navigation
                page.wait_for_load_state("networkidle")
                page.goto("https://www.detect-portal.dk/", wait_until="networkidle")  # now with the script's cookie
                browser.close()
            proxy.call(proxy.auditor.recorder.end_session)
        yield Database(db)
    finally:
        sites.close()


def _detections(db: Database) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for d in db.table("detections").rows:
        d["evidence"] = json.loads(d["evidence"])
        out.setdefault(d["kind"], []).append(d)
    return out


def test_pixel(recorded):
    pixels = _detections(recorded)["pixel"]
    assert {d["host"] for d in pixels} >= {"px.tracker-one.com"}


def test_beacon_and_ping(recorded):
    beacons = _detections(recorded)["beacon"]
    by_host = {d["host"]: d["signal"] for d in beacons}
    assert "collect.tracker-two.com" in by_host and "ping.tracker-two.com" in by_host
    assert "ping" in by_host["ping.tracker-two.com"]


def test_script_set_cookie(recorded):
    js = _detections(recorded)["js_cookie"]
    assert any(d["evidence"].get("cookie") == "t1_js" or "t1_js" in json.dumps(d["evidence"]) for d in js)


def test_identifier_cookie_and_id_sync(recorded):
    rules = {(f["rule"], f["site"]) for f in recorded.table("findings").rows}
    assert ("identifier-cookie", "tracker-one.com") in rules
    assert any(rule == "id-sync" for rule, _ in rules)
    sync = _detections(recorded)["id_sync"]
    assert any(d["host"] == "sync.tracker-two.com" for d in sync)


def test_fingerprinting_script(recorded):
    findings = [f for f in recorded.table("findings").rows if f["rule"] == "fingerprinting-script"]
    assert findings and findings[0]["site"] == "tracker-one.com"
    assert "canvas" in json.dumps(_detections(recorded)["fingerprinting"][0]["evidence"]).lower()


def test_first_party_page_is_not_flagged(recorded):
    assert not [d for d in recorded.table("detections").rows if d["host"] == "www.detect-portal.dk"
                and d["kind"] in ("pixel", "beacon", "identifier_cookie", "fingerprinting")]


def test_no_identifier_in_clear(recorded):
    path = Path(recorded.conn.execute("pragma database_list").fetchone()[2])
    raw = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    assert UID.encode() not in raw and JS_ID.encode() not in raw
