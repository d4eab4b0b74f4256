"""Offline analysis of real captures (../shared/data) through the live proxy's code path, and the CI gate."""

from __future__ import annotations

import json
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlite_utils import Database

from conftest import need_shared
from tredjepart.record.analyze import analyze_file
from tredjepart.record.capture import CaptureError, read_capture
from tredjepart.cli import main
from tredjepart.record.api import open_recorder
from tredjepart.record.wire import Settings


def test_timestamps_come_from_the_capture(tmp_path):
    har = need_shared("har", "pagexray__www.nytimes.com.har")
    rec = open_recorder(Settings(str(tmp_path / "a.sqlite")))
    analyze_file(rec, har)
    rec.close()
    db = Database(tmp_path / "a.sqlite")
    (s,) = db.table("sessions").rows
    assert 1440859000 < s["started"] < 1440860000  # captured 2015-08-29, not today
    assert s["ended"] >= s["started"] and s["source"] == "capture:pagexray__www.nytimes.com.har"
    first, last = db.execute("select min(started), max(started) from flows").fetchone()
    assert 1440859000 < first <= last < 1440860000
    assert json.loads(s["first_party"]) == ["nytimes.com"]
    sites = {r[0] for r in db.execute("select distinct site from flows where party = 'third'")}
    assert {"doubleclick.net", "scorecardresearch.com"} <= sites


def test_har_multi_cookie_set_cookie_values_are_split(tmp_path):
    har = need_shared("har", "haralyzer__cnn-chrome.har")
    rec = open_recorder(Settings(str(tmp_path / "a.sqlite")))
    analyze_file(rec, har)
    rec.close()
    db = Database(tmp_path / "a.sqlite")
    per_flow = db.execute("select max(n) from (select count(*) n from cookies where direction='set' group by flow_id)")
    assert per_flow.fetchone()[0] > 1
    assert db.execute("select count(*) from cookies where name like '%' || char(10) || '%'").fetchone()[0] == 0


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "empty file"),
        (b'{"log": {"entries": [', "the JSON ends early (a truncated HAR?)"),
        (b'{"log": {"entries": [}', "not valid JSON"),
        (b'{"log": {"entries": []}}', "no entries in this capture"),
        (b'[1, 2]', "not a HAR file"),
        (b'\xef\xbb\xbf  \n', "empty file"),
        (b'{"hello": "world"}', "not a HAR file"),
        (b"this is not a capture at all", "not a mitmproxy flow file or HAR"),
    ],
)
def test_unreadable_captures_name_the_file_and_the_problem(tmp_path, content, message):
    path = tmp_path / "broken.har"
    path.write_bytes(content)
    with pytest.raises(CaptureError) as e:
        list(read_capture(path))
    assert str(e.value).startswith(str(path)) and message in str(e.value)


def test_truncated_flow_file_keeps_what_was_read(tmp_path):
    src = need_shared("mitmproxy-flows", "flows__successful_log.mitm").read_bytes()
    cut = tmp_path / "cut.mitm"
    first_len = int(src.split(b":", 1)[0])
    cut.write_bytes(src[: len(str(first_len)) + 1 + first_len + 1 + 40])  # one whole flow, then a fragment
    rec = open_recorder(Settings(str(tmp_path / "a.sqlite")))
    result = analyze_file(rec, cut)
    rec.close()
    assert result.flows == 1 and result.error and "cut.mitm" in result.error
    assert Database(tmp_path / "a.sqlite").table("flows").count == 1


def test_zhar_is_read(tmp_path):
    path = need_shared("mitmproxy-flows", "flows__compressed.zhar")
    assert len(list(read_capture(path))) == 2
    # and a .zhar we compress ourselves from a HAR
    har = need_shared("har", "mitmproxy_testdata", "mitmproxy__chrome.har").read_bytes()
    mine = tmp_path / "mine.zhar"
    mine.write_bytes(zlib.compress(har))
    assert len(list(read_capture(mine))) == 3


def test_analyze_cli_goes_on_after_a_bad_file(tmp_path):
    good = need_shared("har", "mitmproxy_testdata", "mitmproxy__firefox.har")
    bad = tmp_path / "bad.mitm"
    bad.write_bytes(b"garbage")
    db = tmp_path / "out.sqlite"
    r = CliRunner().invoke(main, ["analyze", str(bad), str(good), "--db", str(db)])
    assert r.exit_code == 2
    assert "bad.mitm: not a mitmproxy flow file" in r.output
    assert "mitmproxy__firefox.har: 14 flows" in r.output
    assert Database(db).table("flows").count == 14


def test_check_exit_codes(tmp_path):
    har = need_shared("har", "pagexray__contentTypes_linkedin.har")
    strict = tmp_path / "linkedin.yaml"
    strict.write_text("solution: LinkedIn\nfirst_party: [linkedin.com, licdn.com]\n")
    r = CliRunner().invoke(main, ["check", str(har), "--policy", str(strict)])
    assert r.exit_code == 1, r.output
    assert "ERROR   undeclared-third-party" in r.output and "google-analytics.com" in r.output
    sites = sorted({line.split()[2] for line in r.output.splitlines() if line.startswith("ERROR")})
    allow_all = tmp_path / "all.yaml"
    allow_all.write_text("solution: LinkedIn\nfirst_party: [linkedin.com, licdn.com]\nthird_parties:\n" + "".join(
        f"  - name: {s}\n    sites: [{s}]\n    basis: written_agreement\n    agreement: {{reference: X-{i}}}\n"
        for i, s in enumerate(sites)))
    r = CliRunner().invoke(main, ["check", str(har), "--policy", str(allow_all)])
    assert r.exit_code == 0, r.output
    bad_policy = tmp_path / "bad.yaml"
    bad_policy.write_text("solution: [not, a, name]\n")
    assert CliRunner().invoke(main, ["check", str(har), "--policy", str(bad_policy)]).exit_code == 2
    empty = tmp_path / "empty.har"
    empty.write_text("")
    assert CliRunner().invoke(main, ["check", str(empty), "--policy", str(allow_all)]).exit_code == 2


def _har(entries: list[tuple[str, list, list]]) -> str:
    """A small HAR 1.2 document: (url, request headers, response headers) per entry."""
    def entry(url, headers, resp_headers):
        return {"startedDateTime": "2026-11-01T10:00:00.000Z", "time": 10,
                "request": {"method": "GET", "url": url, "httpVersion": "HTTP/1.1",
                            "headers": [{"name": k, "value": v} for k, v in headers], "queryString": [],
                            "cookies": [], "headersSize": -1, "bodySize": 0},
                "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1",
                             "headers": [{"name": k, "value": v} for k, v in resp_headers], "cookies": [],
                             "content": {"size": 0, "mimeType": "text/html", "text": ""}, "redirectURL": "",
                             "headersSize": -1, "bodySize": 0},
                "cache": {}, "timings": {"send": 0, "wait": 10, "receive": 0}}
    return json.dumps({"log": {"version": "1.2", "creator": {"name": "test", "version": "1"},
                               "entries": [entry(*e) for e in entries]}})


FOUR_TRACKERS_AND_A_HOSTILE_COOKIE = [
    ("https://www.example-portal.dk/", [("Sec-Fetch-Dest", "document"), ("Sec-Fetch-Mode", "navigate")], []),
    *[(f"https://t.tracker{i}-demo.com/t.js", [("Sec-Fetch-Dest", "script"), ("Sec-Fetch-Mode", "no-cors")], [])
      for i in range(4)],
    ("https://www.example-portal.dk/x", [], [("Set-Cookie", "uid=1; Max-Age=99999999999999999999")]),
]


def test_check_counts_every_tracker_beside_a_hostile_cookie(tmp_path):
    """The first version exited 0 with "0 errors" here: the oversized Max-Age made SQLite refuse the batch."""
    har = tmp_path / "walk.har"
    har.write_text(_har(FOUR_TRACKERS_AND_A_HOSTILE_COOKIE))
    policy = tmp_path / "p.yaml"
    policy.write_text("solution: Demo\nfirst_party: [example-portal.dk]\n")
    r = CliRunner().invoke(main, ["check", str(har), "--policy", str(policy)])
    assert r.exit_code == 1, r.output
    assert "4 errors" in r.output


def test_check_never_passes_when_records_could_not_be_stored(tmp_path, monkeypatch):
    """Whatever the database refuses, the gate fails (exit 3) and says so, instead of passing on what is left."""
    import tredjepart.store.writer as writer

    har = tmp_path / "walk.har"
    har.write_text(_har(FOUR_TRACKERS_AND_A_HOSTILE_COOKIE))
    policy = tmp_path / "p.yaml"
    policy.write_text("solution: Demo\nfirst_party: [example-portal.dk]\nthird_parties:\n" + "".join(
        f"  - {{name: T{i}, sites: [tracker{i}-demo.com], basis: written_agreement, agreement: {{reference: A{i}}}}}\n"
        for i in range(4)))
    monkeypatch.setattr(writer, "storable_row", tuple)  # as before the boundary: the huge number reaches SQLite
    r = CliRunner().invoke(main, ["check", str(har), "--policy", str(policy)])
    assert r.exit_code == 3, r.output
    assert "1 record(s) could not be stored" in r.output and "no verdict" in r.stdout and "0 errors" not in r.stdout
    r = CliRunner().invoke(main, ["analyze", str(har), "--db", str(tmp_path / "a.sqlite")])
    assert r.exit_code == 3 and "could not be stored" in r.output


def test_exit_codes_of_analyze(tmp_path, caplog):
    """0 all read; 3 read, but an entry skipped (logged with file, index, URL without query values, reason) or a
    file cut short; 2 a file that cannot be read at all. The readable files are analysed in every case."""
    db = str(tmp_path / "a.sqlite")
    good = tmp_path / "good.har"
    good.write_text(_har(FOUR_TRACKERS_AND_A_HOSTILE_COOKIE[:3]))
    assert CliRunner().invoke(main, ["analyze", str(good), "--db", db]).exit_code == 0

    odd = tmp_path / "odd.har"
    odd.write_text(_har([("reset/x?token=s3cr3t", [], []), ("https://www.example-portal.dk/", [], []),
                         ("https://t.tracker1-demo.com/p", [], [])]))  # relative, before any page to place it
    r = CliRunner().invoke(main, ["analyze", str(odd), "--db", db])
    assert r.exit_code == 3, r.output
    assert "odd.har: 2 flows -> session" in r.output and "1 entry skipped" in r.output
    assert "incomplete: " in r.output and "s3cr3t" not in r.output + caplog.text
    assert f"{odd}: entry 0 (reset/x?token=) skipped: relative URL" in caplog.text

    cut = tmp_path / "cut.har"
    cut.write_text(_har(FOUR_TRACKERS_AND_A_HOSTILE_COOKIE)[:-400])
    r = CliRunner().invoke(main, ["analyze", str(cut), "--db", db])
    assert r.exit_code == 3, r.output
    assert "cut.har: the JSON ends early after 5 entries" in r.output and "cut.har: 5 flows" in r.output

    junk = tmp_path / "junk.har"
    junk.write_bytes(b"\x00\x01 not a capture")
    r = CliRunner().invoke(main, ["analyze", str(junk), str(odd), "--db", db])
    assert r.exit_code == 2 and "junk.har: not a mitmproxy flow file or HAR" in r.output
    assert "odd.har: 2 flows" in r.output  # the readable file is analysed all the same


def test_non_http_flows_are_recorded_as_the_live_proxy_records_them(tmp_path):
    """TCP flows in a mitmproxy capture become flow rows with their sizes and a blind spot of their host (their
    content is not read), as in the live proxy; the evidence is complete (exit 0)."""
    db = tmp_path / "a.sqlite"
    r = CliRunner().invoke(main, ["analyze", str(need_shared("mitmproxy-flows", "flows__diff_data.mitm")),
                                  "--db", str(db)])
    assert r.exit_code == 0, r.output
    assert "5 flows" in r.output and "2 TCP flow(s)" in r.output and "incomplete" not in r.output
    rows = list(Database(db).query("select scheme, host, request_size, response_size from flows where scheme = 'tcp'"))
    assert len(rows) == 2 and all(row["host"] for row in rows)
    spots = {s["host"]: s["error"] for s in Database(db).query("select host, error from blind_spots")}
    assert {row["host"] for row in rows} <= set(spots) and all("raw TCP" in e for e in spots.values())


def test_check_gives_no_verdict_on_what_it_could_not_read(tmp_path):
    policy = tmp_path / "p.yaml"
    policy.write_text("solution: Demo\nfirst_party: [example-portal.dk]\nthird_parties:\n" + "".join(
        f"  - {{name: T{i}, sites: [tracker{i}-demo.com], basis: written_agreement, agreement: {{reference: A{i}}}}}\n"
        for i in range(4)))
    nothing = tmp_path / "notes.har"
    nothing.write_text("these are my notes, not a capture\n")
    r = CliRunner().invoke(main, ["check", str(nothing), "--policy", str(policy)])
    assert r.exit_code == 2, r.output
    assert r.stdout == "" and "notes.har: not a mitmproxy flow file or HAR" in r.stderr

    odd = tmp_path / "odd.har"
    odd.write_text(_har([*FOUR_TRACKERS_AND_A_HOSTILE_COOKIE[:5], ("//", [], [])]))
    r = CliRunner().invoke(main, ["check", str(odd), "--policy", str(policy)])
    assert r.exit_code == 3, r.output
    assert "no verdict" in r.stdout and "0 errors" not in r.stdout and "1 entry skipped" in r.stderr
    for fmt in ("text", "json"):
        whole = tmp_path / "whole.har"
        whole.write_text(_har(FOUR_TRACKERS_AND_A_HOSTILE_COOKIE[:5]))
        r = CliRunner().invoke(main, ["check", str(whole), "--policy", str(policy), "--format", fmt])
        assert r.exit_code == 0, r.output


def test_a_capture_of_only_non_network_entries_is_read_and_says_so(tmp_path):
    har = tmp_path / "inline.har"
    har.write_text(_har([("data:image/gif;base64,R0lGODlhAQABAAAAACw=", [], []), ("about:blank", [], [])]))
    r = CliRunner().invoke(main, ["analyze", str(har), "--db", str(tmp_path / "a.sqlite")])
    assert r.exit_code == 0, r.output
    assert f"{har}: 0 flows, 2 ignored (not network traffic)" in r.stdout


def test_a_capture_of_only_unusable_entries_leaves_a_session_with_its_blind_spots(tmp_path):
    har = tmp_path / "holes.har"
    har.write_text(_har([("/a?sid=1", [], []), ("/b", [], []), ("https://t.tracker-demo.com:99999/p", [], [])]))
    db_path = tmp_path / "a.sqlite"
    r = CliRunner().invoke(main, ["analyze", str(har), "--db", str(db_path)])
    assert r.exit_code == 3 and "holes.har: 0 flows -> session" in r.stdout and "3 entries skipped" in r.stdout
    db = Database(db_path)
    (session,) = db.table("sessions").rows
    spots = {s["host"]: s for s in db.table("blind_spots").rows}
    assert set(spots) == {"unknown", "t.tracker-demo.com"} and spots["unknown"]["count"] == 2
    assert spots["unknown"]["session_id"] == session["id"] and spots["unknown"]["client"] == "capture"
    assert "2 capture entries skipped, e.g. entry 0: relative URL" in spots["unknown"]["error"]
    assert "sid=1" not in json.dumps(list(db.table("blind_spots").rows))


def test_an_unexpected_failure_in_one_file_costs_only_that_file(tmp_path, monkeypatch):
    import tredjepart.record.analyze as analyze

    real = analyze.read_capture

    def failing(path):
        if path.name == "bad.har":
            raise MemoryError
        return real(path)

    monkeypatch.setattr(analyze, "read_capture", failing)
    good = need_shared("har", "mitmproxy_testdata", "mitmproxy__firefox.har")
    bad = tmp_path / "bad.har"
    bad.write_text("{}")
    rec = open_recorder(Settings(str(tmp_path / "a.sqlite")))
    first, second = analyze_file(rec, bad), analyze_file(rec, good)
    rec.close()
    assert first.unreadable and "unexpected error (MemoryError)" in first.error
    assert second.flows == 14 and second.error is None


BACKGROUND_ONLY = [  # Chromium calling home while the tester had the browser open: no part of the solution
    ("https://clients4.google.com/chrome-sync/command", [("Sec-Fetch-Site", "none")],
     [("Set-Cookie", "NID=511; Max-Age=15552000; Domain=google.com; SameSite=None; Secure")]),
    ("https://safebrowsing.googleapis.com/v4/threatListUpdates:fetch", [], []),
    ("https://update.googleapis.com/service/update2/json", [], []),
]


def test_check_leaves_out_captures_of_only_background_traffic_unless_asked(tmp_path):
    """The gate judges the walkthrough; a capture of the browser's own calls home is left out and said so on
    stderr, --all-sessions takes it in; a gate given nothing but background traffic gives no verdict (exit 3)."""
    policy = tmp_path / "p.yaml"
    policy.write_text("solution: Demo\nfirst_party: [example-portal.dk]\nthird_parties:\n" + "".join(
        f"  - {{name: T{i}, sites: [tracker{i}-demo.com], basis: written_agreement, agreement: {{reference: A{i}}}}}\n"
        for i in range(4)))
    walk, background = tmp_path / "walk.har", tmp_path / "idle.har"
    walk.write_text(_har(FOUR_TRACKERS_AND_A_HOSTILE_COOKIE[:5]))
    background.write_text(_har(BACKGROUND_ONLY))
    r = CliRunner().invoke(main, ["check", str(walk), str(background), "--policy", str(policy)])
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith("2 capture(s), 1 judged, 5 flows") and "0 errors" in r.stdout
    assert "left out 1 session with only background traffic" in r.stderr
    r = CliRunner().invoke(main, ["check", str(walk), str(background), "--policy", str(policy), "--all-sessions"])
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith("2 capture(s), 2 judged, 8 flows") and "left out" not in r.stderr
    r = CliRunner().invoke(main, ["check", str(walk), str(background), "--policy", str(policy), "--format", "json"])
    assert r.exit_code == 0 and len(json.loads(r.stdout)["sessions"]) == 1

    r = CliRunner().invoke(main, ["check", str(background), "--policy", str(policy)])
    assert r.exit_code == 3, r.output
    assert "no verdict" in r.stdout and "only the device's background traffic" in r.stderr
    r = CliRunner().invoke(main, ["check", str(background), "--policy", str(policy), "--all-sessions"])
    assert r.exit_code == 0 and "0 errors" in r.stdout, r.output


def test_websocket_messages_in_a_har_are_recorded_as_in_a_flow_file(tmp_path):
    """A HAR's ``_webSocketMessages`` (Chrome, mitmproxy) make the entry's WebSocket: its messages are recorded
    as the live proxy records them (a ``websocket`` row with sizes), the same as the mitmproxy file of the same
    traffic; what the client sent a third party is scanned for the declared identity."""
    counts = {}
    for name in ("flows__websocket.har", "flows__websocket.mitm"):
        path = need_shared("mitmproxy-flows", name)
        rec = open_recorder(Settings(str(tmp_path / f"{name}.sqlite")))
        result = analyze_file(rec, path)
        rec.close()
        rows = [tuple(r.values()) for r in Database(tmp_path / f"{name}.sqlite").query(
            "select request_size, response_size from flows where kind = 'websocket' order by started")]
        counts[name] = (result.websocket, rows)
    assert counts["flows__websocket.har"][0] == 3 and counts["flows__websocket.har"] == counts["flows__websocket.mitm"]

    ident = tmp_path / "me.yaml"
    ident.write_text("email: jens.hansen@example.dk\n")
    har = {"log": {"version": "1.2", "creator": {"name": "t", "version": "1"}, "entries": [
        {"startedDateTime": "2026-12-01T10:00:00.000Z", "time": 5, "_resourceType": "websocket",
         "request": {"method": "GET", "url": "wss://live.chat-tracker-demo.com/socket", "httpVersion": "HTTP/1.1",
                     "headers": [{"name": "Upgrade", "value": "websocket"}], "queryString": [], "cookies": [],
                     "headersSize": -1, "bodySize": 0},
         "response": {"status": 101, "statusText": "Switching Protocols", "httpVersion": "HTTP/1.1", "headers": [],
                      "cookies": [], "content": {"size": 0, "mimeType": ""}, "redirectURL": "", "headersSize": -1,
                      "bodySize": 0},
         "cache": {}, "timings": {"send": 0, "wait": 5, "receive": 0},
         "_webSocketMessages": [{"type": "send", "time": 1764583200.1, "opcode": 1,
                                 "data": '{"identify":{"email":"jens.hansen@example.dk"}}'},
                                {"type": "receive", "time": 1764583200.2, "opcode": 1, "data": "ok"},
                                "not a message", {"type": "send", "opcode": 2, "data": "%%%"}]}]}}
    path = tmp_path / "chat.har"
    path.write_text(json.dumps(har))
    from tredjepart.policy import parse_policy

    policy, _ = parse_policy("solution: Demo\nfirst_party: [example-portal.dk]\n", "p.yaml")
    rec = open_recorder(Settings(str(tmp_path / "chat.sqlite"), [policy], identity=str(ident)))
    analyze_file(rec, path)
    rec.close()
    db = Database(tmp_path / "chat.sqlite")
    rows = list(db.table("received").rows)
    assert {(r["field"], r["place"].split()[0]) for r in rows} == {("email", "websocket")}, rows
    assert b"jens.hansen" not in b"".join(p.read_bytes() for p in tmp_path.glob("chat.sqlite*"))
