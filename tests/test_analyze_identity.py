"""Offline analysis finds what third parties received of a declared test person, as the live proxy does
(tests/test_e2e_received.py): `tredjepart analyze --identity` and `tredjepart check --identity` on a HAR built
here with realistic hosts. The values themselves are never stored."""

from __future__ import annotations

import hashlib
import json
from urllib.parse import quote

from click.testing import CliRunner
from sqlite_utils import Database

from tredjepart.cli import main

CPR, EMAIL = "010170-1234", "Test.Person@Example.dk"
IDENTITY = f'name: Test Person\ncpr: "{CPR}"\nemail: {EMAIL}\nphone: "+45 20 30 40 50"\n'
POLICY = """solution: Ydelsesportalen
first_party: [ydelse-portal.dk]
third_parties:
  - {name: Google Analytics, sites: [google-analytics.com, googletagmanager.com], basis: written_agreement,
     agreement: {reference: DBA-2025-01}}
  - {name: Meta, sites: [facebook.com], basis: written_agreement, agreement: {reference: DBA-2025-02}}
"""
PORTAL = "https://www.ydelse-portal.dk"
RECEIPT = f"{PORTAL}/ansoeg/kontanthjaelp/kvittering?email={quote(EMAIL)}&cpr={CPR}"
DIGEST = hashlib.sha256(EMAIL.strip().lower().encode()).hexdigest()


def _entry(url: str, *, method: str = "GET", dest: str = "empty", status: int = 200, mime: str = "text/html",
           response: bool = True) -> dict:
    entry = {"startedDateTime": "2026-03-02T09:15:00.000Z", "time": 20,
             "request": {"method": method, "url": url, "httpVersion": "HTTP/2",
                         "headers": [{"name": "Sec-Fetch-Dest", "value": dest},
                                     {"name": "Referer", "value": RECEIPT},
                                     {"name": "User-Agent", "value": "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0"}],
                         "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 0},
             "cache": {}, "timings": {"send": 1, "wait": 18, "receive": 1}}
    if response:
        entry["response"] = {"status": status, "statusText": "", "httpVersion": "HTTP/2", "headers": [
            {"name": "Content-Type", "value": mime}], "cookies": [], "content": {"size": 0, "mimeType": mime},
            "redirectURL": "", "headersSize": -1, "bodySize": 0}
    return entry


def _walkthrough() -> str:
    entries = [
        _entry(RECEIPT, dest="document"),
        _entry("https://www.googletagmanager.com/gtag/js?id=G-TEST123", dest="script", mime="text/javascript"),
        # gtag reports the page address: the CPR number and the e-mail in dl=
        _entry("https://region1.google-analytics.com/g/collect?v=2&tid=G-TEST123&en=page_view&dl="
               + quote(RECEIPT, safe="") + "&dt=Kvittering", method="POST", status=204, mime="text/plain"),
        # the Meta pixel's advanced matching: the SHA-256 of the e-mail
        _entry(f"https://www.facebook.com/tr?id=1234567890&ev=PageView&ud[em]={DIGEST}", dest="image",
               mime="image/gif"),
        # request-only entries: the browser never saw an answer (no response; status 0 with an empty one)
        _entry(f"https://www.facebook.com/tr?id=1234567890&ev=Lead&ud[em]={DIGEST}", dest="image", response=False),
        _entry("https://region1.google-analytics.com/g/collect?v=2&tid=G-TEST123&en=scroll", method="POST",
               status=0, mime=""),
    ]
    entries[-1]["response"].update({"headers": [], "httpVersion": "", "content": {"size": 0, "mimeType": ""}})
    return json.dumps({"log": {"version": "1.2", "creator": {"name": "WebInspector", "version": "537.36"},
                               "pages": [], "entries": entries}})


def _files(tmp_path):
    (tmp_path / "walk.har").write_text(_walkthrough())
    (tmp_path / "person.yaml").write_text(IDENTITY)
    (tmp_path / "p.yaml").write_text(POLICY)
    return tmp_path / "walk.har", tmp_path / "person.yaml", tmp_path / "p.yaml"


def test_analyze_with_an_identity_records_what_each_third_party_received_never_the_values(tmp_path):
    har, person, policy = _files(tmp_path)
    db_path = tmp_path / "audit.sqlite"
    r = CliRunner().invoke(main, ["analyze", str(har), "--identity", str(person), "--policy", str(policy),
                                  "--db", str(db_path)])
    assert r.exit_code == 0, r.output
    assert f"{har}: 6 flows" in r.stdout and "skipped" not in r.output  # the request-only entries are read
    db = Database(db_path)
    rows = list(db.table("received").rows)
    places = {}
    for row in rows:
        places.setdefault((row["site"], row["field"], row["source"]), set()).add((row["form"], row["place"]))
    ga_cpr = places[("google-analytics.com", "cpr", "declared")]
    assert any(place.startswith("query dl") for _, place in ga_cpr), ga_cpr  # the page address in dl=
    assert ("google-analytics.com", "email", "declared") in places
    meta = places[("facebook.com", "email", "declared")]
    assert any("SHA-256" in form and "ud[em]" in place for form, place in meta), meta
    findings = {(f["rule"], f["site"]) for f in db.table("findings").rows}
    assert {("personal-data-to-third-party", "google-analytics.com"),
            ("personal-data-to-third-party", "facebook.com")} <= findings
    (session,) = db.table("sessions").rows
    assert session["identity_fields"] == '["name", "cpr", "email", "phone"]'
    unanswered = {(f["host"], f["status"]) for f in db.query("select host, status from flows where status is null")}
    assert unanswered == {("www.facebook.com", None), ("region1.google-analytics.com", None)}
    db.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("audit.sqlite*"))
    for secret in (CPR, CPR.replace("-", ""), EMAIL, EMAIL.lower(), quote(EMAIL), quote(EMAIL, safe=""), DIGEST):
        assert secret.encode() not in raw, secret


def test_without_an_identity_the_declared_values_are_not_looked_for(tmp_path):
    har, _, policy = _files(tmp_path)
    db_path = tmp_path / "audit.sqlite"
    assert CliRunner().invoke(main, ["analyze", str(har), "--policy", str(policy), "--db", str(db_path)]).exit_code == 0
    assert not list(Database(db_path).query("select * from received where source = 'declared'"))


def test_check_with_an_identity_fails_on_personal_data_and_never_prints_it(tmp_path):
    har, person, policy = _files(tmp_path)
    r = CliRunner().invoke(main, ["check", str(har), "--policy", str(policy), "--identity", str(person)])
    assert r.exit_code == 1, r.output
    assert "personal-data-to-third-party" in r.stdout and "google-analytics.com" in r.stdout
    for secret in (CPR, EMAIL, EMAIL.lower(), DIGEST):
        assert secret not in r.output
    r = CliRunner().invoke(main, ["check", str(har), "--policy", str(policy), "--identity", str(person),
                                  "--format", "json"])
    assert r.exit_code == 1 and CPR not in r.stdout and DIGEST not in r.stdout


def test_a_bad_identity_or_decoder_file_is_bad_input_before_anything_is_read(tmp_path):
    har, _, policy = _files(tmp_path)
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: Test Person\ncpr: [not, a, number]\n")
    for command in (["analyze", str(har), "--db", str(tmp_path / "a.sqlite")], ["check", str(har), "-p", str(policy)]):
        r = CliRunner().invoke(main, [*command, "--identity", str(bad)])
        assert r.exit_code == 2 and "bad.yaml" in r.output and "Traceback" not in r.output, r.output
        r = CliRunner().invoke(main, [*command, "--decoders", str(bad)])
        assert r.exit_code == 2 and "bad.yaml" in r.output and "decoders" in r.output, r.output
