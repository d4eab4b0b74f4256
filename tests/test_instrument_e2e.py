"""The instrument end to end in real headless Chromium, on realistic host names (Chromium's host resolver maps
every name to one local HTTPS server that answers by Host), on a page with a strict nonce-based CSP.

The local server plays the proxy's part for HTML: with the instrument on it applies instrument_response to every
HTML document (the page and a third-party frame) and collects the reports at the control host. A first-party and
a third-party script write localStorage, sessionStorage, IndexedDB, the Cache API and a cookie, the third-party
script sends a fetch, and the page checks itself (its scripts ran, no CSP violation) and says so in the DOM.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlite_utils import Database

from e2e_helpers import self_signed
from tredjepart.instrument import instrument_response, page_record, parse_batch, storage_records
from tredjepart.store.rows import to_row
from tredjepart.store.db import read_key
from tredjepart.store.schema import migrate

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium on PATH (.ci/run installs it)"),
]

PORTAL, TRACKER, COLLECT, WIDGET = ("www.borger-portal.dk", "cdn.tracker-one.com", "collect.tracker-one.com",
                                    "hjaelp.borger-portal.dk")  # the widget: same site, another origin
CONTROL = "tredjepart.proxy"
PAGE_NONCE = "pAgEn0nc3pAgEn0nc3"
UID, SESS, JS_ID, LANG = "Qm7x2Lr9Vz4Kp1Ws8Nd3", "sess-Hy5Tq8", "Jc3Rv6Ws1Zx9", "da-DK"
CSP = (f"default-src 'none'; script-src 'nonce-{PAGE_NONCE}' 'strict-dynamic'; connect-src 'self' https://{COLLECT}; "
       f"img-src 'self'; frame-src https://{WIDGET}; base-uri 'none'; object-src 'none'")

PAGE = f"""<!DOCTYPE html>
<html lang="da"><head><meta charset="utf-8"><title>Borgerportalen</title>
<script nonce="{PAGE_NONCE}">
window.violations = [];
document.addEventListener('securitypolicyviolation', e => window.violations.push(e.violatedDirective + ' ' + e.blockedURI));
</script>
<script nonce="{PAGE_NONCE}" src="/app.js"></script>
<script nonce="{PAGE_NONCE}" src="https://{TRACKER}/t.js"></script>
</head><body><h1>Borgerportalen</h1>
<iframe src="https://{WIDGET}/frame" title="widget"></iframe>
<button id="late">later</button>
<p id="check">checking</p>
</body></html>""".encode()

APP_JS = f"""
function idbPut(name, store, key, value) {{
  return new Promise((resolve, reject) => {{
    const open = indexedDB.open(name, 1);
    open.onupgradeneeded = () => open.result.createObjectStore(store);
    open.onsuccess = () => {{
      const tx = open.result.transaction(store, 'readwrite');
      tx.objectStore(store).put(value, key);
      tx.oncomplete = () => resolve(true); tx.onerror = () => reject(tx.error);
    }};
    open.onerror = () => reject(open.error);
  }});
}}
window.portalHelper = {{ remember: (key, value) => localStorage.setItem(key, value) }};
localStorage.setItem('portal_lang', '{LANG}');
sessionStorage.setItem('portal_step', 'ansoeg');
document.cookie = 'portal_pref=large-text; path=/; max-age=3600';
window.appDone = idbPut('portal', 'prefs', 'theme', 'dark');
document.addEventListener('DOMContentLoaded', () => {{
  document.getElementById('late').addEventListener('click', () => window.lateWrite());
}});
window.addEventListener('load', async () => {{
  const problems = [];
  try {{ await Promise.all([window.appDone, window.trackerDone]); }} catch (e) {{ problems.push('scripts: ' + e); }}
  if (localStorage.getItem('portal_lang') !== '{LANG}') problems.push('localStorage');
  if (!document.cookie.includes('t1_js=')) problems.push('cookie');
  if (window.violations.length) problems.push('csp: ' + window.violations.join(', '));
  document.getElementById('check').textContent = problems.length ? 'checks failed: ' + problems.join('; ') : 'checks passed';
}});
""".encode()

TRACKER_JS = f"""
localStorage.setItem('t1_uid', '{UID}');
sessionStorage.t1_sess = '{SESS}';
document.cookie = 't1_js={JS_ID}; path=/; max-age=31536000; SameSite=Lax';
function t1Put(value) {{
  return new Promise((resolve, reject) => {{
    const open = indexedDB.open('t1db', 1);
    open.onupgradeneeded = () => open.result.createObjectStore('ids');
    open.onsuccess = () => {{
      const tx = open.result.transaction('ids', 'readwrite');
      tx.objectStore('ids').put(value, 'uid');
      tx.oncomplete = () => resolve(true); tx.onerror = () => reject(tx.error);
    }};
  }});
}}
window.portalHelper.remember('t1_helper', '{UID}');
window.trackerDone = Promise.all([
  t1Put('{UID}'),
  caches.open('t1-cache').then(c => c.put('https://{TRACKER}/cfg.json?v=2', new Response('{{}}'))),
  fetch('https://{COLLECT}/c?uid={UID}&ev=view', {{method: 'POST', body: 'ev=view'}}).then(r => r.ok),
]);
window.lateWrite = function () {{ localStorage.setItem('t1_late', 'after-click'); }};
""".encode()

FRAME = b"""<!doctype html><html><head><title>widget</title></head><body><p id="w">loading</p>
<script>localStorage.setItem('w_id', 'frame-Zt4Yw'); document.getElementById('w').textContent = 'widget ready';</script>
</body></html>"""

HTML = "text/html; charset=utf-8"
JS = "text/javascript"
ROUTES = {
    (PORTAL, "/"): (200, [("content-type", HTML), ("content-security-policy", CSP)], PAGE),
    (PORTAL, "/app.js"): (200, [("content-type", JS)], APP_JS),
    (PORTAL, "/next"): (200, [("content-type", HTML)], b"<!doctype html><title>next</title><p>next"),
    (TRACKER, "/t.js"): (200, [("content-type", JS)], TRACKER_JS),
    (WIDGET, "/frame"): (200, [("content-type", HTML)], FRAME),
}


class Server:
    """One HTTPS server for every host; with ``instrument`` on it instruments HTML as the proxy will."""

    def __init__(self, tmp: Path) -> None:
        self.instrument = False
        self.reports: list[bytes] = []
        self.pages: list[tuple[str, object]] = []
        self.bodies: dict[str, bytes] = {}
        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        import ssl
        cert, key = self_signed(tmp)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.port = self.httpd.server_address[1]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status, headers, body):
                self.send_response(status)
                for k, v in headers:
                    self.send_header(k, v)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                host = (self.headers.get("host") or "").split(":")[0]
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                if host == CONTROL and self.path == "/instrument/report":
                    with server.lock:
                        server.reports.append(body)
                    return self._send(204, [], b"")
                if host == COLLECT:
                    return self._send(204, [("access-control-allow-origin", f"https://{PORTAL}")], b"")
                return self._send(404, [], b"")

            def do_GET(self):
                host = (self.headers.get("host") or "").split(":")[0]
                status, headers, body = ROUTES.get((host, self.path.split("?")[0]), (404, [], b"not found"))
                url = f"https://{host}{self.path}"
                if server.instrument and dict(headers).get("content-type") == HTML:
                    out = instrument_response(status=status, headers=headers, body=body, page_url=url,
                                              control_host=CONTROL, fetch_dest=self.headers.get("sec-fetch-dest"))
                    with server.lock:
                        server.pages.append((url, out))
                    body = out.injection.body
                    changed = {name for name, _ in out.set_headers} | set(out.remove_headers)
                    headers = [(k, v) for k, v in headers if k not in changed]
                    headers += [(name, v) for name, values in out.set_headers for v in values]
                with server.lock:
                    server.bodies[url] = body
                self._send(status, headers, body)

        return Handler


def run_browser(server: Server, tmp: Path, name: str) -> dict:
    """Open the portal, wait for its check, click for a late write and leave at once (the last batch must go out
    as the page is hidden); what the page said and what reached the control host."""
    from playwright.sync_api import sync_playwright

    args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--ignore-certificate-errors",
            f"--host-resolver-rules=MAP * 127.0.0.1:{server.port}"]
    errors: list[str] = []
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(str(tmp / f"profile-{name}"), executable_path=shutil.which("chromium"),
                                                       headless=True, args=args, ignore_https_errors=True)
        page = context.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"https://{PORTAL}/")
        # Waited for from Playwright's own world: the page's CSP forbids the eval a string predicate needs.
        page.locator("#check", has_text="checks ").wait_for(timeout=15_000)
        check = page.text_content("#check")
        frame = page.frame_locator("iframe").locator("#w").text_content()
        page.wait_for_timeout(1500)  # the timed batches
        page.click("#late")
        page.goto(f"https://{PORTAL}/next")
        deadline = time.monotonic() + 5
        while server.instrument and time.monotonic() < deadline and b"t1_late" not in b"".join(server.reports):
            page.wait_for_timeout(100)
        context.close()
    return {"check": check, "frame": frame, "errors": errors}


@pytest.fixture(scope="module")
def audit():
    tmp = Path(tempfile.mkdtemp(prefix="tredjepart-instrument-e2e-"))
    server = Server(tmp)
    try:
        off = run_browser(server, tmp, "off")
        off_bodies, off_reports = dict(server.bodies), list(server.reports)
        server.instrument = True
        on = run_browser(server, tmp, "on")
        yield {"off": off, "off_bodies": off_bodies, "off_reports": off_reports, "on": on, "server": server,
               "tmp": tmp}
    finally:
        server.close()


def _events(server):
    return [e for body in server.reports for e in parse_batch(body).events]


def test_the_page_still_works(audit):
    assert audit["on"]["check"] == "checks passed"
    assert audit["on"]["frame"] == "widget ready"
    assert audit["on"]["errors"] == []


def test_every_write_is_reported_with_its_script(audit):
    app, tracker = f"https://{PORTAL}/app.js", f"https://{TRACKER}/t.js"
    got = {(e.kind, e.operation, e.key, e.script_url) for e in _events(audit["server"])}
    expected = {
        ("localStorage", "write", "portal_lang", app), ("sessionStorage", "write", "portal_step", app),
        ("cookie", "write", "portal_pref", app), ("indexedDB", "open", "portal", app),
        ("indexedDB", "write", "portal/prefs", app),
        ("localStorage", "write", "t1_uid", tracker), ("sessionStorage", "write", "t1_sess", tracker),
        ("cookie", "write", "t1_js", tracker), ("indexedDB", "open", "t1db", tracker),
        ("indexedDB", "write", "t1db/ids", tracker),
        ("cache", "open", "t1-cache", tracker), ("cache", "put", f"https://{TRACKER}/cfg.json?v=2", tracker),
        ("fetch", "POST", f"https://{COLLECT}/c?uid={UID}&ev=view", tracker),
        ("localStorage", "write", "t1_late", tracker),  # sent as the page was left (pagehide)
    }
    assert expected <= got, expected - got
    # A first-party helper called by the tracker: the helper writes (innermost), the tracker is behind it.
    helper = [e for e in _events(audit["server"]) if e.key == "t1_helper"]
    assert [(e.script_url, e.stack) for e in helper] == [(app, (tracker,))]


def test_the_frame_reports_its_own_origin(audit):
    frame = [e for e in _events(audit["server"]) if e.key == "w_id"]
    assert len(frame) == 1
    e = frame[0]
    assert (e.frame_origin, e.top_level, e.script_kind, e.script_url) == (
        f"https://{WIDGET}", False, "inline", f"https://{WIDGET}/frame")


def test_csp_adjusted_and_recorded(audit):
    pages = dict(audit["server"].pages)
    portal = pages[f"https://{PORTAL}/"]
    assert portal.injection.injected and portal.injection.reason == "head"
    assert portal.csp.changes == ("policy 1: script-src: nonce added",
                                  f"policy 1: connect-src: https://{CONTROL} added")
    record = page_record(injection=portal.injection, csp=portal.csp, flow_id="f1", session_id="s", step_id=None,
                         time=0.0, url=f"https://{PORTAL}/")
    assert record.csp_adjusted and record.placement == "head"
    assert pages[f"https://{WIDGET}/frame"].csp is None  # no policy: nothing to adjust
    assert {url for url, out in pages.items() if out.injection.injected} == {
        f"https://{PORTAL}/", f"https://{WIDGET}/frame", f"https://{PORTAL}/next"}


def test_nothing_of_the_values_is_stored(audit):
    db_path = audit["tmp"] / "storage.sqlite"
    db = Database(db_path)
    migrate(db)
    db.execute("insert into sessions (id, source, started) values ('s', 'live', 0)")
    key, _ = read_key(db)
    for body in audit["server"].reports:
        db.table("storage").insert_all(to_row(r) for r in storage_records(parse_batch(body), hmac_key=key,
                                                                           session_id="s", step_id=None,
                                                                           received=time.time()))
    db.conn.commit()
    assert db.table("storage").count >= 15
    uid = db.execute("select value_hash, value_length from storage where key_name = 't1_uid'").fetchone()
    assert uid[0] and uid[1] == len(UID)
    db.close()
    raw = b"".join(p.read_bytes() for p in db_path.parent.glob(db_path.name + "*"))
    for value in (UID, SESS, JS_ID, "frame-Zt4Yw", "after-click", "large-text"):
        assert value.encode() not in raw, value


def test_with_the_instrument_off_nothing_is_injected(audit):
    assert audit["off"]["check"] == "checks passed" and audit["off"]["errors"] == []
    assert audit["off_reports"] == []
    assert audit["off_bodies"][f"https://{PORTAL}/"] == PAGE
    assert audit["off_bodies"][f"https://{WIDGET}/frame"] == FRAME
