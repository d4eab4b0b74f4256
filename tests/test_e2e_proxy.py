"""End to end: a real mitmdump with addons/audit.py between a real HTTP client and local servers playing a
first party and several third parties (HTTP and HTTPS, real host names routed to loopback)."""

from __future__ import annotations

import hashlib
import json
import re
import urllib.parse
import urllib.request

import pytest
from sqlite_utils import Database

from e2e_helpers import GIF_1X1, Mitmdump, Sites

pytestmark = pytest.mark.e2e

SECRET_SESSION = "PORTALSESSION-7f3a9c1e5b"
SECRET_UID = "TRACKERUID-0123456789abcdef"
SECRET_QUERY = "CPR-0101701234"
SCRIPT = b"document.cookie='x=1';" * 10

ROUTES = {
    "www.example-portal.dk": {
        "/": (200, [("content-type", "text/html"), ("set-cookie", f"portal_session={SECRET_SESSION}; Path=/; "
                                                                   "HttpOnly; Secure; SameSite=Lax")],
              b"<html><script src=/app.js></script></html>"),
        "/app.js": (200, [("content-type", "application/javascript")], b"var portal = 1;"),
    },
    "cdn.tracker-demo.com": {
        "/t.js": (200, [("content-type", "application/javascript"),
                        ("set-cookie", f"uid={SECRET_UID}; Max-Age=63072000; Domain=tracker-demo.com; Secure; "
                                       "SameSite=None")], SCRIPT),
    },
    "pixel.tracker-demo.com": {"/p.gif": (200, [("content-type", "image/gif")], GIF_1X1)},
    "cdn.consent-demo.dk": {"/banner.js": (200, [("content-type", "text/javascript")], b"banner();")},
}

POLICY = """\
solution: Demo portal
owner: Demo Agency
first_party: [example-portal.dk]
third_parties:
  - name: Consent Demo
    sites: [consent-demo.dk]
    basis: technically_necessary
    purpose: cookie consent banner
"""

BROWSER = {
    "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
}


def _get(opener, url, dest, *, cookie=None, referer="https://www.example-portal.dk/", method="GET", data=None,
         extra=None):
    headers = {**BROWSER, "Sec-Fetch-Dest": dest, "Sec-Fetch-Mode": "navigate" if dest == "document" else "no-cors",
               "Sec-Fetch-Site": "none" if dest == "document" else "cross-site"}
    if dest != "document":
        headers["Referer"] = referer
    if cookie:
        headers["Cookie"] = cookie
    headers.update(extra or {})
    req = urllib.request.Request(url, data=data, headers=headers, method=method)
    with opener.open(req, timeout=20) as resp:
        return resp.status, resp.read()


def control(opener, action: str, value: str, page: str | None = None) -> str:
    """Press a button of the control page, as the device's browser does: the page first, then its form."""
    page = page or opener.open("http://tredjepart.proxy/", timeout=20).read().decode()
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    form = urllib.request.Request(f"http://tredjepart.proxy{action}", method="POST",
                                  data=urllib.parse.urlencode({"value": value, "token": token}).encode(),
                                  headers={"Origin": "http://tredjepart.proxy"})
    return opener.open(form, timeout=20).read().decode()


@pytest.fixture
def world(tmp_path):
    sites = Sites(ROUTES, tmp_path)
    yield sites
    sites.close()


def _walkthrough(proxy: Mitmdump) -> None:
    o = proxy.opener()
    assert _get(o, "https://www.example-portal.dk/", "document")[0] == 200
    _get(o, "https://www.example-portal.dk/app.js", "script", cookie=f"portal_session={SECRET_SESSION}")
    assert _get(o, "https://cdn.tracker-demo.com/t.js", "script")[1] == SCRIPT
    _get(o, f"http://pixel.tracker-demo.com/p.gif?uid={SECRET_UID}&cpr={SECRET_QUERY}", "image",
         cookie=f"uid={SECRET_UID}")
    _get(o, "https://cdn.consent-demo.dk/banner.js", "script")


def test_records_sessions_flows_cookies_scripts_and_findings(tmp_path, world):
    policy = tmp_path / "demo.yaml"
    policy.write_text(POLICY)
    db_path = tmp_path / "audit.sqlite"
    proxy = Mitmdump(tmp_path, world, db=db_path, policy=policy,
                     extra=("--set", f"route_marks_file={tmp_path / 'marks.json'}"))
    try:
        o = proxy.opener()
        # The tester names the session and marks a step from the device's own browser.
        page = o.open("http://tredjepart.proxy/", timeout=20).read().decode()
        assert "tredjepart" in page
        control(o, "/session/start", "e2e walkthrough", page)
        control(o, "/step", "start page", page)
        _walkthrough(proxy)
    finally:
        assert proxy.stop() == 0, proxy.output()

    db = Database(db_path)
    sessions = list(db.table("sessions").rows)
    assert [s["name"] for s in sessions] == ["e2e walkthrough"], sessions
    session = sessions[0]
    assert session["solution"] == "Demo portal" and session["ended"] is not None
    assert json.loads(session["first_party"]) == ["example-portal.dk"]
    assert [s["label"] for s in db.table("steps").rows] == ["start page"]

    flows = {f["host"] + f["path"]: f for f in db.table("flows").rows}
    assert set(flows) == {"www.example-portal.dk/", "www.example-portal.dk/app.js", "cdn.tracker-demo.com/t.js",
                          "pixel.tracker-demo.com/p.gif", "cdn.consent-demo.dk/banner.js"}
    assert all(f["session_id"] == session["id"] for f in flows.values())
    assert all(f["step_id"] is not None for f in flows.values())
    doc = flows["www.example-portal.dk/"]
    assert (doc["party"], doc["kind"], doc["client"], doc["top_level"], doc["status"]) == (
        "first", "document", "browser", 1, 200)
    pixel = flows["pixel.tracker-demo.com/p.gif"]
    assert (pixel["party"], pixel["kind"], pixel["site"], pixel["scheme"]) == ("third", "image", "tracker-demo.com",
                                                                              "http")
    assert pixel["url"] == "http://pixel.tracker-demo.com/p.gif?uid=&cpr="
    assert (pixel["covered"], flows["cdn.tracker-demo.com/t.js"]["covered"]) == (0, 0)
    consent = flows["cdn.consent-demo.dk/banner.js"]
    assert (consent["covered"], consent["party_name"], consent["basis"]) == (1, "Consent Demo", "technically_necessary")

    cookies = {(c["direction"], c["name"], c["host"]): c for c in db.table("cookies").rows}
    uid_set = cookies[("set", "uid", "cdn.tracker-demo.com")]
    assert (uid_set["lifetime"], uid_set["domain"], uid_set["samesite"], uid_set["party"]) == (
        63072000, "tracker-demo.com", "None", "third")
    uid_sent = cookies[("sent", "uid", "pixel.tracker-demo.com")]
    assert uid_sent["value_hash"] == uid_set["value_hash"] and uid_sent["value_length"] == len(SECRET_UID)
    assert cookies[("set", "portal_session", "www.example-portal.dk")]["httponly"] == 1

    scripts = {s["url"]: s for s in db.table("scripts").rows}
    assert scripts["https://cdn.tracker-demo.com/t.js"]["sha256"] == hashlib.sha256(SCRIPT).hexdigest()
    assert len(scripts) == 3

    findings = list(db.table("findings").rows)
    undeclared = [f for f in findings if f["rule"] == "undeclared-third-party"]
    assert [f["site"] for f in undeclared] == ["tracker-demo.com"]
    assert undeclared[0]["severity"] == "error" and len(json.loads(undeclared[0]["evidence"])) == 2
    assert "tracker-demo.com" in proxy.output()  # one clear log line the first time

    # No secret reaches the database file, in any form.
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("audit.sqlite*"))
    for secret in (SECRET_SESSION, SECRET_UID, SECRET_QUERY):
        assert secret.encode() not in raw, secret

    # The uncovered flows are marked in mitmproxy, with a comment saying why (the test addon read the marks the
    # flows had at shutdown: with the recording in a worker process, they arrive just after each response).
    marks = json.loads((tmp_path / "marks.json").read_text())
    assert marks["pixel.tracker-demo.com/p.gif"][0] and marks["cdn.tracker-demo.com/t.js"][0]
    assert "tracker-demo.com" in marks["pixel.tracker-demo.com/p.gif"][1]
    assert not marks["cdn.consent-demo.dk/banner.js"][0]
    assert not marks["www.example-portal.dk/"][0]


def test_without_policy_first_page_is_first_party_and_clients_get_sessions(tmp_path, world):
    db_path = tmp_path / "audit.sqlite"
    proxy = Mitmdump(tmp_path, world, db=db_path)
    try:
        _walkthrough(proxy)
    finally:
        assert proxy.stop() == 0, proxy.output()
    db = Database(db_path)
    (session,) = db.table("sessions").rows
    assert session["name"] is None and session["client"] == "127.0.0.1"
    assert json.loads(session["first_party"]) == ["example-portal.dk"]
    parties = {f["site"]: f["party"] for f in db.table("flows").rows}
    assert parties == {"example-portal.dk": "first", "tracker-demo.com": "third", "consent-demo.dk": "third"}
    assert {f["site"] for f in db.table("findings").rows_where("rule = 'undeclared-third-party'")} == {
        "tracker-demo.com", "consent-demo.dk"}


def test_invalid_policy_refuses_to_start(tmp_path, world):
    bad = tmp_path / "bad.yaml"
    bad.write_text("solution: x\nfirst_party: [a.dk]\nthird_parties:\n  - name: X\n    sites: [x.com]\n    basis: maybe\n")
    try:
        proxy = Mitmdump(tmp_path, world, db=tmp_path / "a.sqlite", policy=bad)
    except RuntimeError:
        pass  # exited before it even listened
    else:
        assert proxy.proc.wait(30) != 0
    log = (tmp_path / "mitmdump.log").read_text()
    assert "bad.yaml:6: unknown basis 'maybe'" in log


@pytest.mark.parametrize("process", ["true", "false"], ids=["worker", "in-process"])
def test_control_page_shows_the_policy_the_session_is_judged_by(tmp_path, world, process):
    """In the worker mode the first version's control page said "policy: none yet" for the whole session (and the
    log "chosen by the first page") while the database showed the policy applied: the proxy kept a mirror of the
    sessions that never learnt the policy. The page and the log must say what the recorder applies."""
    policy = tmp_path / "demo.yaml"
    policy.write_text(POLICY)
    proxy = Mitmdump(tmp_path, world, db=tmp_path / "audit.sqlite", policy=policy,
                     extra=("--set", f"tredjepart_process={process}"))
    try:
        o = proxy.opener()
        page = control(o, "/session/start", "policy check")  # follows the redirect back to the page
        assert "policy check" in page and "policy: Demo portal" in page, page
        _walkthrough(proxy)
        page = o.open("http://tredjepart.proxy/", timeout=20).read().decode()
        assert "policy: Demo portal" in page, page
    finally:
        assert proxy.stop() == 0, proxy.output()
    assert "session 'policy check' started" in proxy.output() and "policy: Demo portal" in proxy.output()
    (session,) = Database(tmp_path / "audit.sqlite").table("sessions").rows
    assert session["solution"] == "Demo portal"


@pytest.mark.parametrize("with_policy", [False, True], ids=["no-policy", "policy"])
def test_the_tools_own_pages_are_never_a_party(tmp_path, world, with_policy):
    """The README sends the tester to http://mitm.it first. Without a policy that page became the session's first
    party (and the solution a third party); with one, it was an undeclared third party. The audit's own hosts
    (mitmproxy's CA page, the control page) are now party 'tool': never first, never third, no finding."""
    policy = None
    if with_policy:
        policy = tmp_path / "demo.yaml"
        policy.write_text(POLICY)
    proxy = Mitmdump(tmp_path, world, db=tmp_path / "audit.sqlite", policy=policy)
    try:
        o = proxy.opener()
        ca_page = o.open(urllib.request.Request("http://mitm.it/", headers={**BROWSER, "Sec-Fetch-Dest": "document",
                                                                         "Sec-Fetch-Mode": "navigate"}), timeout=20)
        assert b"mitmproxy" in ca_page.read()
        o.open("http://tredjepart.proxy/", timeout=20).read()
        _walkthrough(proxy)
    finally:
        assert proxy.stop() == 0, proxy.output()
    db = Database(tmp_path / "audit.sqlite")
    (session,) = db.table("sessions").rows
    assert json.loads(session["first_party"]) == ["example-portal.dk"]
    parties = {f["host"]: f["party"] for f in db.table("flows").rows}
    assert parties["mitm.it"] == "tool" and parties["www.example-portal.dk"] == "first"
    assert "tredjepart.proxy" not in parties  # the control page is answered by the proxy and never recorded
    assert not [f for f in db.table("findings").rows if "mitm.it" in (f["site"] or "") + f["message"]]


def test_a_har_saved_from_the_proxy_does_not_fail_the_gate_on_the_tools_pages(tmp_path):
    """A HAR saved from a browser during a walkthrough holds the control page and mitm.it: `check` flagged
    tredjepart.proxy as an undeclared third party, so the CI gate failed because of the session controls."""
    from click.testing import CliRunner

    from tredjepart.cli import main

    def entry(url, dest):
        return {"startedDateTime": "2026-11-01T10:00:00.000Z", "time": 1,
                "request": {"method": "GET", "url": url, "httpVersion": "HTTP/1.1", "cookies": [],
                            "headers": [{"name": "Sec-Fetch-Dest", "value": dest},
                                        {"name": "Sec-Fetch-Mode", "value": "navigate"}],
                            "queryString": [], "headersSize": -1, "bodySize": 0},
                "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1", "cookies": [],
                             "headers": [{"name": "Content-Type", "value": "text/html"}],
                             "content": {"size": 0, "mimeType": "text/html"}, "redirectURL": "",
                             "headersSize": -1, "bodySize": 0},
                "cache": {}, "timings": {"send": 0, "wait": 1, "receive": 0}}
    har = tmp_path / "walk.har"
    har.write_text(json.dumps({"log": {"version": "1.2", "creator": {"name": "t", "version": "1"}, "entries": [
        entry("http://mitm.it/", "document"), entry("http://tredjepart.proxy/", "document"),
        entry("https://www.example-portal.dk/", "document")]}}))
    policy = tmp_path / "demo.yaml"
    policy.write_text(POLICY)
    r = CliRunner().invoke(main, ["check", str(har), "--policy", str(policy)])
    assert r.exit_code == 0, r.output
    assert "tredjepart.proxy" not in r.output and "mitm.it" not in r.output
