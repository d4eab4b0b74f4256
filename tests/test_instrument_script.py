"""The instrument script in real headless Chromium: it reads Chrome, Firefox and Safari stack traces, a page
behaves exactly as it does without it (the same results and the same exceptions for the same calls), and a page
that breaks builtins or freezes prototypes after it ran neither breaks nor silences it.

Pages are served by Playwright's request interception (no network, no server): the instrumented one through
instrument_response, as the proxy will serve it.
"""

from __future__ import annotations

import json
import shutil
import time

import pytest

from tredjepart.instrument import instrument_response, parse_batch
from tredjepart.instrument.script import script_text, template

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium on PATH (.ci/run installs it)"),
]

PORTAL = "https://www.portal.example.dk/"


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    from tredjepart.crawl import CHROMIUM_ARGS

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=shutil.which("chromium"), headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


def visit(browser, page_html: str, *, instrument: bool, scripts: dict[str, str] | None = None,
          pages: dict[str, str] | None = None, wait_ms: int = 300):
    """Open ``page_html`` at PORTAL in a fresh context; (page errors, reports, the text of #result)."""
    context = browser.new_context()
    page = context.new_page()
    reports: list[bytes] = []
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    def route(r):
        url = r.request.url
        if url.startswith("https://tredjepart.proxy/"):
            reports.append(r.request.post_data_buffer or b"")
            return r.fulfill(status=204)
        documents = {PORTAL: page_html, **(pages or {})}
        if url in documents:
            body = documents[url].encode()
            if instrument:
                body = instrument_response(status=200, headers=[("content-type", "text/html; charset=utf-8")],
                                           body=body, page_url=url, control_host="tredjepart.proxy",
                                           fetch_dest="document").injection.body
            return r.fulfill(status=200, headers={"content-type": "text/html; charset=utf-8"}, body=body)
        if scripts and url in scripts:
            return r.fulfill(status=200, headers={"content-type": "text/javascript"}, body=scripts[url])
        return r.fulfill(status=204)

    page.route("**/*", route)
    page.goto(PORTAL)
    page.wait_for_timeout(wait_ms)
    # The script sends a batch a second after its first event (at once when 50 are queued): wait until reports
    # have come and none came for longer than that, within bounds.
    deadline, last, count = time.monotonic() + 8, time.monotonic(), 0
    while instrument and time.monotonic() < deadline and (not reports or time.monotonic() - last < 1.3):
        page.wait_for_timeout(100)
        if len(reports) != count:
            count, last = len(reports), time.monotonic()
    result = page.text_content("#result")  # read in Playwright's own world: the page may have broken its builtins
    context.close()
    return errors, [parse_batch(r) for r in reports], result


def events(batches):
    return [e for b in batches for e in b.events]


# --- stack formats ----------------------------------------------------------------------------------------------

CHROME = """Error
    at https://cdn.tracker.example/t.js?v=1:1:20
    at eval (eval at load (https://cdn.tracker.example/loader.js:5:10), <anonymous>:1:1)
    at async Promise.all (index 0)
    at new Foo (https://cdn.jsdelivr.net/npm/pkg@1.2.3/dist/x.min.js:2:300)
    at Array.forEach (<anonymous>)
    at HTMLButtonElement.onclick (https://www.portal.example.dk/:40:5)
    at chrome-extension://abcdefgh/content.js:1:1"""
FIREFOX = """@https://cdn.tracker.example/t.js?v=1:1:20
@https://cdn.tracker.example/loader.js line 5 > eval:1:1
load/<@https://cdn.jsdelivr.net/npm/pkg@1.2.3/dist/x.min.js:2:300
onclick@https://www.portal.example.dk/:40:5
@moz-extension://0b5e-uuid/content.js:1:1"""
SAFARI = """global code@https://cdn.tracker.example/t.js?v=1:1:20
eval code@
eval@[native code]
load@https://cdn.tracker.example/loader.js:5:10
forEach@[native code]
onclick@https://www.portal.example.dk/:40:5
@webkit-masked-url://hidden/:1:1"""

EXPECTED = {
    "chrome": [["https://cdn.tracker.example/t.js?v=1", "file"], ["https://cdn.tracker.example/loader.js", "eval"],
               ["https://cdn.jsdelivr.net/npm/pkg@1.2.3/dist/x.min.js", "file"],
               ["https://www.portal.example.dk/", "inline"], ["chrome-extension://abcdefgh/content.js", "extension"]],
    "firefox": [["https://cdn.tracker.example/t.js?v=1", "file"], ["https://cdn.tracker.example/loader.js", "eval"],
                ["https://cdn.jsdelivr.net/npm/pkg@1.2.3/dist/x.min.js", "file"],
                ["https://www.portal.example.dk/", "inline"], ["moz-extension://0b5e-uuid/content.js", "extension"]],
    "safari": [["https://cdn.tracker.example/t.js?v=1", "file"], ["https://cdn.tracker.example/loader.js", "file"],
               ["https://www.portal.example.dk/", "inline"], ["webkit-masked-url://hidden/", "extension"]],
}


def test_stack_formats_of_three_engines(browser):
    """The parser inside the script (run by the script itself with its self-test switch, which the proxy never
    sets), on stack traces as V8, SpiderMonkey and JavaScriptCore write them."""
    context = browser.new_context()
    page = context.new_page()
    page.route("**/*", lambda r: r.fulfill(status=200, headers={"content-type": "text/html"}, body=b"<p>x"))
    page.goto(PORTAL)
    api = script_text("https://tredjepart.proxy/instrument/report", "t" * 22, selftest=True).rstrip(";")
    got = page.evaluate(f"""(samples) => {{ const api = {api};
        const out = {{}};
        for (const [name, text] of Object.entries(samples)) out[name] = api.scriptsOnStack(text).map(s => [s.url, s.kind]);
        out.frame = api.parseFrame('    at async https://x.example/a.js:1:2');
        out.none = [api.parseFrame('Error'), api.parseFrame('    at <anonymous>:1:1'), api.parseFrame('eval code@')];
        return out; }}""", {"chrome": CHROME, "firefox": FIREFOX, "safari": SAFARI})
    context.close()
    for engine, expected in EXPECTED.items():
        assert got[engine] == expected, engine
    assert got["frame"] == {"file": "https://x.example/a.js", "line": 1, "evaled": False}
    assert got["none"] == [None, None, None]


def test_template_is_counted():
    t = template()
    lines = t.text.split("\n")
    assert lines[t.probe_line].startswith("var PROBE = new Error().stack") and len(lines) == t.lines
    assert t.text.isascii() and len(t.text) < 20_000


# --- the page behaves as without the instrument -----------------------------------------------------------------

PROBE = """<!doctype html><html><head><title>probe</title></head><body><pre id=result></pre><script>
var out = [];
function t(name, f) {
  try { var v = f(); out.push([name, 'ok', typeof v === 'object' && v !== null ? Object.prototype.toString.call(v) : String(v)]); }
  catch (e) { out.push([name, 'throw', e && e.name, e instanceof TypeError]); }
}
t('setItem', () => localStorage.setItem('a', 'b'));
t('getItem', () => localStorage.getItem('a'));
t('getItem missing', () => localStorage.getItem('zz'));
t('property write', () => { localStorage.p = 1; return localStorage.getItem('p') + typeof localStorage.p; });
t('length is an item name', () => { localStorage.length = 7; return localStorage.getItem('length') + ':' + localStorage.length; });
t('method name is an item name', () => { localStorage.setItem = 3; return typeof localStorage.setItem + localStorage.getItem('setItem'); });
t('delete', () => { var r = delete localStorage.p; return r + ':' + localStorage.getItem('p'); });
t('in', () => 'a' in localStorage);
t('keys', () => Object.keys(localStorage).sort().join());
t('hasOwnProperty', () => localStorage.hasOwnProperty('a'));
t('instanceof', () => localStorage instanceof Storage);
t('toStringTag', () => Object.prototype.toString.call(localStorage));
t('identity', () => window.localStorage === localStorage && window.sessionStorage === sessionStorage);
t('key', () => localStorage.key(0) !== undefined);
t('prototype call', () => Storage.prototype.getItem.call(localStorage, 'a'));
t('illegal invocation', () => Storage.prototype.getItem.call({}, 'a'));
t('missing argument', () => localStorage.setItem('x'));
t('symbol cookie', () => { document.cookie = Symbol('x'); });
t('cookie toString once', () => { var n = 0; document.cookie = { toString() { n++; return 'c=1'; } }; return n; });
t('setItem toString once', () => { var n = 0; localStorage.setItem('k', { toString() { n++; return 'v'; } }); return n; });
t('cookie', () => document.cookie);
t('cookie descriptor', () => { var d = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie'); return [typeof d.get, typeof d.set, d.configurable, d.enumerable].join(); });
t('names and lengths', () => [localStorage.getItem.name, localStorage.getItem.length, fetch.name, fetch.length, XMLHttpRequest.prototype.open.length, navigator.sendBeacon.length].join());
t('native looking', () => Function.prototype.toString.call(Storage.prototype.setItem).includes('[native code]'));
t('xhr send before open', () => new XMLHttpRequest().send());
t('fetch', () => fetch('/x') instanceof Promise);
t('fetch bad url', () => fetch('http://[').catch(e => 0) instanceof Promise);
t('beacon', () => navigator.sendBeacon('/b', 'x'));
t('indexedDB', () => indexedDB.open('d') instanceof IDBOpenDBRequest);
t('sessionStorage', () => { sessionStorage.q = 'w'; return sessionStorage.getItem('q'); });
t('quota', () => localStorage.setItem('big', 'x'.repeat(6 * 1024 * 1024)));
t('for in', () => { var k = []; for (var x in sessionStorage) k.push(x); return k.join(); });
t('JSON', () => JSON.stringify(localStorage));
t('clear', () => { localStorage.clear(); return localStorage.length; });
t('prototype names', () => Object.getOwnPropertyNames(Storage.prototype).join());
t('head', () => document.head.firstElementChild.tagName + document.scripts.length);
document.getElementById('result').textContent = JSON.stringify(out);
</script></body></html>"""


def test_the_page_sees_no_difference(browser):
    plain_errors, plain_reports, plain = visit(browser, PROBE, instrument=False)
    errors, reports, instrumented = visit(browser, PROBE, instrument=True)
    assert not plain_reports and plain_errors == errors == []
    plain, instrumented = json.loads(plain), json.loads(instrumented)
    assert len(plain) == 36
    for a, b in zip(plain, instrumented):
        assert a == b
    seen = {(e.kind, e.operation, e.key) for e in events(reports)}
    assert {("localStorage", "write", "a"), ("localStorage", "write", "p"), ("localStorage", "delete", "p"),
            ("localStorage", "clear", None), ("cookie", "write", "c"),
            ("sessionStorage", "write", "q"), ("indexedDB", "open", "d"), ("beacon", "send", PORTAL + "b"),
            ("fetch", "GET", PORTAL + "x")} <= seen
    assert all(e.script_kind == "inline" and e.script_url == PORTAL for e in events(reports))


HOSTILE = """<!doctype html><html><head><title>hostile</title>
<script src="https://cdn.tracker.example/t.js"></script></head><body><p id=result></p><script>
Object.freeze(Storage.prototype);
JSON.stringify = function () { throw new Error('no JSON for you'); };
Array.prototype.join = function () { return 'broken'; };
Array.prototype.push = function () { throw new Error('no push'); };
String.prototype.slice = String.prototype.split = String.prototype.indexOf = null;
Function.prototype.call = Function.prototype.apply = function () { throw new Error('no call'); };
Object.defineProperty = function () { throw new Error('no defineProperty'); };
Object.prototype.get = Object.prototype.apply = function () { throw new Error('a trap'); };
Error.prepareStackTrace = function () { return 42; };
Error.stackTraceLimit = 0;
WeakMap.prototype.get = function () { throw new Error('no WeakMap'); };
Reflect.apply = null; window.Proxy = null; window.setTimeout = null;
navigator.sendBeacon = function () { throw new Error('page beacon'); };
delete Object.prototype.get; delete Object.prototype.apply;
localStorage.setItem('after_hostile', 'v1');
window.trackerWrite();
document.getElementById('result').textContent = localStorage.getItem('after_hostile') + ' ' +
  localStorage.getItem('tracker_id') + ' ' + typeof Error.prepareStackTrace + ' ' + Error.stackTraceLimit;
</script></body></html>"""


def test_a_page_that_breaks_builtins_after_the_instrument(browser):
    tracker = "window.trackerWrite = function () { localStorage.setItem('tracker_id', 'Xy7Qw2Lp9Zk3'); };"
    errors, reports, result = visit(browser, HOSTILE, instrument=True,
                                    scripts={"https://cdn.tracker.example/t.js": tracker})
    assert errors == [] and result == "v1 Xy7Qw2Lp9Zk3 function 0"
    got = {(e.key, e.script_url, e.script_kind) for e in events(reports)}
    assert ("after_hostile", PORTAL, "inline") in got
    assert ("tracker_id", "https://cdn.tracker.example/t.js", "file") in got
    assert [e.value for e in events(reports) if e.key == "tracker_id" and e.operation == "write"] == ["Xy7Qw2Lp9Zk3"]


def test_a_page_that_replaces_the_wrappers(browser):
    page = """<!doctype html><html><head><script>
    var orig = Storage.prototype.setItem;
    Storage.prototype.setItem = function (k, v) { return orig.call(this, k, v + '!'); };
    Object.defineProperty(Document.prototype, 'cookie', { get() { return 'mine'; }, set(v) {}, configurable: true });
    localStorage.setItem('z', '1');
    addEventListener('DOMContentLoaded', () => { document.getElementById('result').textContent = localStorage.getItem('z') + ' ' + document.cookie; });
    </script></head><body><p id=result></p></body></html>"""
    errors, reports, result = visit(browser, page, instrument=True)
    assert errors == [] and result == "1! mine"
    assert [(e.operation, e.key, e.value) for e in events(reports) if e.kind == "localStorage"] == [
        ("write", "z", "1!"), ("read", "z", None)]


FRAMES = """<!doctype html><html><head><title>frames</title></head><body><p id=result></p><script>
var out = [];
var blank = document.createElement('iframe'); document.body.appendChild(blank);
var clean = blank.contentWindow.Storage.prototype;  // 'clean' natives from a fresh frame, on this window's storage
try { clean.setItem.call(localStorage, 'via_frame', '1'); out.push('frame natives ' + localStorage.getItem('via_frame')); }
catch (e) { out.push('frame natives ' + e.name); }
try { out.push('length ' + Object.getOwnPropertyDescriptor(Storage.prototype, 'length').get.call(localStorage)); }
catch (e) { out.push('length ' + e.name); }
var child = document.createElement('iframe'); child.src = '/child'; document.body.appendChild(child);
var early = child.contentWindow;  // its initial about:blank, which the loaded document then takes over
child.onload = function () {
  out.push('child ' + child.contentDocument.getElementById('c').textContent);
  document.getElementById('result').textContent = out.join(' | ');
};
</script></body></html>"""
CHILD = """<!doctype html><html><head><title>child</title></head><body><p id=c></p><script>
localStorage.setItem('child_key', 'c1');
document.getElementById('c').textContent = 'scripts ' + document.scripts.length;
</script></body></html>"""


def test_frames_a_script_reaches_into(browser):
    """Storage methods taken from a fresh same-origin frame work on this window's localStorage as without the
    instrument, and a frame's document that takes over a window the instrument covered reports as that frame."""
    plain = visit(browser, FRAMES, instrument=False, pages={PORTAL + "child": CHILD})
    errors, reports, result = visit(browser, FRAMES, instrument=True, pages={PORTAL + "child": CHILD})
    assert plain[0] == errors == [] and result == plain[2] == "frame natives 1 | length 1 | child scripts 1"
    got = {(e.key, e.operation, e.page_url, e.top_level, e.script_url, e.script_kind) for e in events(reports)}
    assert ("via_frame", "write", PORTAL, True, PORTAL, "inline") in got
    assert ("child_key", "write", PORTAL + "child", False, PORTAL + "child", "inline") in got


def _shared_html_documents(sites: int) -> list[tuple[str, bytes]]:
    """The largest 2xx HTML document of each of the ``sites`` hosts with the largest ones in the shared HAR
    captures, as (URL, body): the most script-heavy real pages there are."""
    from urllib.parse import urlsplit

    import base64

    from conftest import SHARED_DATA, need_shared

    need_shared("har")
    found: dict[bytes, str] = {}
    for path in sorted(SHARED_DATA.rglob("*.har")):
        try:
            entries = json.loads(path.read_text(encoding="utf-8-sig"))["log"]["entries"]
        except (ValueError, KeyError, UnicodeDecodeError):
            continue
        for e in entries:
            resp, content = e.get("response", {}), e.get("response", {}).get("content", {})
            if "html" not in (content.get("mimeType") or "") or content.get("text") is None:
                continue
            if not 200 <= (resp.get("status") or 0) < 300 or not e["request"]["url"].startswith("http"):
                continue
            text = content["text"]
            body = base64.b64decode(text) if content.get("encoding") == "base64" else text.encode("utf-8", "surrogateescape")
            found.setdefault(body, e["request"]["url"])
    largest: dict[str, tuple[str, bytes]] = {}
    for body, url in sorted(found.items(), key=lambda item: -len(item[0])):
        largest.setdefault(urlsplit(url).hostname or "", (url, body))
    return list(largest.values())[:sites]


def _show(browser, url: str, body: bytes):
    """(errors, [title, elements, scripts, compatMode, characterSet]) of ``body`` shown at ``url`` in a fresh
    context, every other request answered 404 (offline), or the name of the error when it cannot be shown."""
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append("error"))
    page.route("**/*", lambda r, _request=None: r.fulfill(status=200, headers={"content-type": "text/html"}, body=body)
               if r.request.url == url.split("#")[0] else r.fulfill(status=404, body=b""))
    try:
        page.goto(url, wait_until="networkidle", timeout=15_000)  # settled: the page's own races are over
        dom = page.evaluate("() => [document.title, document.getElementsByTagName('*').length, "
                            "document.scripts.length, document.compatMode, document.characterSet]")
    except Exception as e:
        dom = type(e).__name__
    context.close()
    return len(errors), dom


def test_real_pages_from_the_shared_captures_are_unchanged(browser):
    """Real pages err the same and end with the same DOM (title, element and script counts, rendering mode,
    charset) with the instrument as without it, each looked at when its network has gone quiet."""
    documents = _shared_html_documents(4)  # all 36 distinct documents compare the same too (about a minute)
    assert len(documents) == 4
    for url, body in documents:
        instrumented = instrument_response(status=200, headers=[("content-type", "text/html")], body=body,
                                           page_url=url, control_host="tredjepart.proxy",
                                           fetch_dest="document").injection
        assert instrumented.injected, url
        plain = _show(browser, url, body)
        assert isinstance(plain[1], list), url
        assert _show(browser, url, instrumented.body) == plain, url
