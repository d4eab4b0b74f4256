"""The in-page instrument end to end through the real proxy: real headless Chromium through a real mitmdump with
addons/audit.py (worker mode) and ``tredjepart_instrument=true``, on a local portal with realistic host names and a
strict nonce-based CSP (the pages of tests/test_instrument_e2e.py). A first-party and a third-party script write
localStorage, sessionStorage, IndexedDB and a cookie, the third-party script sends a fetch; the page checks itself
(its scripts ran, no CSP violation). Every write is recorded with the right script, the page still works, no value
is in the database files, the findings follow the policy; with the option off nothing is injected."""

from __future__ import annotations

import json
import shutil
import sqlite3
import time
from pathlib import Path

import pytest
from sqlite_utils import Database

from e2e_helpers import Mitmdump, Sites
from test_instrument_e2e import (APP_JS, COLLECT, CSP, FRAME, JS_ID, LANG, PAGE, PORTAL, SESS, TRACKER,
                                 TRACKER_JS, UID, WIDGET)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium on PATH (.ci/run installs it)"),
]

HTML, JS = [("content-type", "text/html; charset=utf-8")], [("content-type", "text/javascript")]
ROUTES = {
    PORTAL: {"/": (200, HTML + [("content-security-policy", CSP)], PAGE), "/app.js": (200, JS, APP_JS),
             "/next": (200, HTML, b"<!doctype html><title>next</title><p>next")},
    TRACKER: {"/t.js": (200, JS, TRACKER_JS)},
    COLLECT: {"/c": (204, [("access-control-allow-origin", f"https://{PORTAL}")], b"")},
    WIDGET: {"/frame": (200, HTML, FRAME)},
}
POLICY = f"""solution: Borgerportalen
first_party: [borger-portal.dk]
third_parties:
  - name: Tracker One
    sites: [tracker-one.com]
    basis: written_agreement
    purpose: statistics
    agreement: {{reference: "J.nr. 2024-17"}}
    allow: [script, xhr, js_cookie, cookie_set, cookie_sent]
"""


def _walk(tmp: Path, instrument: bool) -> dict:
    from playwright.sync_api import sync_playwright

    from tredjepart.crawl import CHROMIUM_ARGS

    policy = tmp / "policy.yaml"
    policy.write_text(POLICY)
    sites = Sites(ROUTES, tmp)
    db = tmp / "audit.sqlite"
    extra = ("--set", "tredjepart_instrument=true") if instrument else ()
    proxy = Mitmdump(tmp, sites, db=db, policy=policy, extra=extra)
    errors: list[str] = []
    try:
        served = proxy.opener().open(f"https://{PORTAL}/", timeout=20).read()  # the page as the proxy serves it
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=shutil.which("chromium"), headless=True, args=CHROMIUM_ARGS,
                                        proxy={"server": f"http://127.0.0.1:{proxy.port}"})
            page = browser.new_context(ignore_https_errors=True).new_page()
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(f"https://{PORTAL}/")
            page.locator("#check", has_text="checks ").wait_for(timeout=15_000)
            check = page.text_content("#check")
            frame = page.frame_locator("iframe").locator("#w").text_content()
            page.wait_for_timeout(1500)  # the timed batches
            page.click("#late")
            page.goto(f"https://{PORTAL}/next")  # the last batch goes out as the page is hidden
            deadline = time.monotonic() + 10
            while instrument and time.monotonic() < deadline and not _has_row(db, "t1_late"):
                page.wait_for_timeout(200)
            browser.close()
    finally:
        assert proxy.stop() == 0, proxy.output()[-3000:]
        sites.close()
    return {"check": check, "frame": frame, "errors": errors, "served": served, "db": db, "log": proxy.output()}


def _has_row(db: Path, key: str) -> bool:
    try:
        with sqlite3.connect(db) as conn:
            return bool(conn.execute("select 1 from storage where key_name = ?", [key]).fetchone())
    except sqlite3.Error:
        return False


@pytest.fixture(scope="module")
def walks(tmp_path_factory):
    return {"on": _walk(tmp_path_factory.mktemp("on"), True), "off": _walk(tmp_path_factory.mktemp("off"), False)}


def test_the_page_still_works_through_the_proxy(walks):
    on = walks["on"]
    assert on["check"] == "checks passed", on["log"][-2000:]
    assert on["frame"] == "widget ready"
    assert on["errors"] == []
    assert on["served"] != PAGE and b"tredjepart" in on["served"]


def test_every_write_is_recorded_with_its_script(walks):
    db = Database(walks["on"]["db"])
    app, tracker = f"https://{PORTAL}/app.js", f"https://{TRACKER}/t.js"
    rows = list(db.table("storage").rows)
    got = {(r["kind"], r["operation"], r["key_name"], r["script_url"]) for r in rows}
    expected = {
        ("localStorage", "write", "portal_lang", app), ("sessionStorage", "write", "portal_step", app),
        ("cookie", "write", "portal_pref", app), ("indexedDB", "open", "portal", app),
        ("indexedDB", "write", "portal/prefs", app),
        ("localStorage", "write", "t1_uid", tracker), ("sessionStorage", "write", "t1_sess", tracker),
        ("cookie", "write", "t1_js", tracker), ("indexedDB", "open", "t1db", tracker),
        ("indexedDB", "write", "t1db/ids", tracker),
        ("fetch", "POST", f"https://{COLLECT}/c?uid=&ev=", tracker),  # query values never stored
        ("localStorage", "write", "t1_late", tracker),
    }
    assert expected <= got, expected - got
    by_key = {r["key_name"]: r for r in rows}
    assert (by_key["t1_uid"]["party"], by_key["t1_uid"]["script_site"]) == ("third", "tracker-one.com")
    assert (by_key["portal_lang"]["party"], by_key["portal_lang"]["frame_site"]) == ("first", "borger-portal.dk")
    assert by_key["t1_uid"]["value_length"] == len(UID) and by_key["t1_uid"]["value_hash"]
    helper = by_key["t1_helper"]  # a first-party helper called by the tracker: the tracker stands behind it
    assert (helper["script_url"], json.loads(helper["stack"])) == (app, [tracker])
    widget = by_key["w_id"]
    assert (widget["frame_origin"], widget["top_level"], widget["script_kind"]) == (f"https://{WIDGET}", 0, "inline")
    (session,) = db.table("sessions").rows
    assert session["instrumented"] == 1
    assert all(r["session_id"] == session["id"] for r in rows)


def test_pages_and_csp_adjustment_are_recorded(walks):
    db = Database(walks["on"]["db"])
    pages = {r["url"]: r for r in db.table("instrument_pages").rows}
    portal = pages[f"https://{PORTAL}/"]
    assert portal["injected"] == 1 and portal["placement"] == "head" and portal["csp_adjusted"] == 1
    assert json.loads(portal["csp_changes"]) == ["policy 1: script-src: nonce added",
                                                 "policy 1: connect-src: https://tredjepart.proxy added"]
    assert portal["flow_id"] in {f["id"] for f in db.table("flows").rows}
    assert sum(p["reports"] for p in pages.values()) >= 2 and sum(p["events"] for p in pages.values()) >= 15
    assert pages[f"https://{WIDGET}/frame"]["csp_adjusted"] == 0
    # The wire evidence is the response as the server sent it: not the instrumented copy.
    sizes = {f["response_size"] for f in db.table("flows").rows if f["url"] == f"https://{PORTAL}/"}
    assert sizes == {len(PAGE)}
    # The reports went to the control host, answered by the proxy itself: never a flow, never the network.
    assert not [f for f in db.table("flows").rows if f["host"] == "tredjepart.proxy"]


def test_findings_follow_the_policy(walks):
    db = Database(walks["on"]["db"])
    found = {(f["rule"], f["site"], json.loads(f["details"]).get("subject")) for f in db.table("findings").rows}
    assert ("identifier-storage", "tracker-one.com", "localStorage:t1_uid") in found, found
    assert ("kind-not-allowed", "tracker-one.com", "storage") in found, found
    assert not [f for f in found if f[0] == "identifier-storage" and f[1] != "tracker-one.com"]


def test_nothing_of_the_values_is_stored(walks):
    db = walks["on"]["db"]
    raw = b"".join(p.read_bytes() for p in db.parent.glob(db.name + "*"))
    for value in (UID, SESS, JS_ID, LANG, "frame-Zt4Yw", "after-click", "large-text", "ansoeg"):
        assert value.encode() not in raw, value


def test_with_the_option_off_nothing_is_injected(walks):
    off = walks["off"]
    assert off["served"] == PAGE
    assert off["check"] == "checks passed" and off["errors"] == []
    db = Database(off["db"])
    assert db.table("storage").count == 0 and db.table("instrument_pages").count == 0
    assert [s["instrumented"] for s in db.table("sessions").rows] == [0]


def test_reports_say_what_was_stored_and_that_pages_were_changed(walks, tmp_path):
    from jsonschema import Draft202012Validator

    from tredjepart.report import write_report
    from tredjepart.report.json_report import load_schema

    db = walks["on"]["db"]
    md = write_report(db, tmp_path / "r.md", fmt="md", lang="en").read_text()
    section = md[md.index("### Stored on the device"):]
    assert "its pages were changed" in section
    tracker = section[section.index("#### Scripts of tracker-one.com (third party"):]
    assert "`t1_uid`" in tracker and "`localStorage`" in tracker and "`t1db/ids`" in tracker
    assert "#### Scripts of borger-portal.dk (first party" in section
    html = write_report(db, tmp_path / "r.html", fmt="html", lang="da").read_text()
    assert "Gemt på enheden (instrument i siden)" in html and "siderne blev ændret" in html
    data = json.loads(write_report(db, tmp_path / "r.json", fmt="json").read_text())
    Draft202012Validator(load_schema()).validate(data)
    (session,) = data["sessions"]
    assert session["instrument"]["on"] is True and session["instrument"]["csp_adjusted"] >= 1
    third = next(g for g in session["instrument"]["stored"] if g["site"] == "tracker-one.com")
    assert third["party"] == "third"
    items = {(i["kind"], i["key"]) for i in third["items"]}
    assert {("localStorage", "t1_uid"), ("sessionStorage", "t1_sess"), ("cookie", "t1_js"),
            ("indexedDB", "t1db/ids")} <= items
    off = json.loads(write_report(walks["off"]["db"], tmp_path / "off.json", fmt="json").read_text())
    started = [r for r in session["instrument"]["started"] if r["to_site"] == "tracker-one.com"]
    assert any(r["script_site"] == "tracker-one.com" and "fetch" in r["kinds"] for r in started), started
    assert "Requests to other sites, started by the page's scripts" in section
    written = {c["name"]: c for c in session["cookies"] if c["written_by_script"]}
    assert written["t1_js"]["writer_known"] is True, written
    assert [c["site"] for c in written["t1_js"]["candidate_scripts"]] == ["tracker-one.com"]
    assert "written by (seen by the in-page instrument)" in md
    off = json.loads(write_report(walks["off"]["db"], tmp_path / "off.json", fmt="json").read_text())
    assert off["sessions"][0]["instrument"] == {"on": False, "pages": 0, "csp_adjusted": 0, "skipped": {},
                                                "started": [], "stored": []}
    assert "Stored on the device" not in write_report(walks["off"]["db"], tmp_path / "off.md", fmt="md",
                                                        lang="en").read_text()
