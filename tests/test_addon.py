"""The addon in mitmproxy's test context: options, commands, hooks, the control page, failure handling."""

from __future__ import annotations

import asyncio
import json
import math
import re
import time

import pytest
from mitmproxy import exceptions

from conftest import make_flow

POLICY = """\
solution: Test portal
owner: Test Agency
first_party: [example-portal.dk]
third_parties:
  - name: Consent Co
    sites: [consent-demo.dk]
    basis: technically_necessary
    purpose: consent banner
"""

UA = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0", "Sec-Fetch-Dest": "document",
      "Sec-Fetch-Mode": "navigate"}


def test_records_flows_into_the_database(harness):
    h = harness()
    h.flow("https://www.example-portal.dk/", req_headers=UA)
    h.flow("https://cdn.tracker-demo.com/t.js", req_headers={"Sec-Fetch-Dest": "script"},
           resp_headers={"Set-Cookie": "uid=abcdef0123456789; Max-Age=31536000"})
    db = h.db()
    rows = {r["host"]: r for r in db.table("flows").rows}
    assert rows["www.example-portal.dk"]["party"] == "first"
    assert rows["cdn.tracker-demo.com"]["party"] == "third"
    assert db.table("cookies").count == 1
    assert db.table("sessions").count == 1


def test_uncovered_flow_is_marked_with_a_reason(harness, tmp_path):
    policy = tmp_path / "p.yaml"
    policy.write_text(POLICY)
    h = harness(tredjepart_policy=str(policy))
    first = h.flow("https://www.example-portal.dk/", req_headers=UA)
    bad = h.flow("https://pixel.tracker-demo.com/p.gif", req_headers={"Sec-Fetch-Dest": "image"})
    ok = h.flow("https://cdn.consent-demo.dk/c.js", req_headers={"Sec-Fetch-Dest": "script"})
    assert not first.marked and not ok.marked
    assert bad.marked and "tracker-demo.com" in bad.comment
    assert [f["rule"] for f in h.db().table("findings").rows] == ["undeclared-third-party"]


def test_invalid_policy_is_an_options_error(harness, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("solution: x\nfirst_party: []\nthird_partys: []\n")
    h = harness()
    with pytest.raises(exceptions.OptionsError, match="bad.yaml:3"):
        h.ctx.configure(h.addon, tredjepart_policy=str(bad))


def test_policy_reload_applies_to_active_sessions(harness, tmp_path):
    policy = tmp_path / "p.yaml"
    policy.write_text(POLICY)
    h = harness(tredjepart_policy=str(policy))
    h.flow("https://www.example-portal.dk/", req_headers=UA)
    assert h.flow("https://cdn.tracker-demo.com/t.js").marked
    policy.write_text(POLICY + "  - name: Tracker\n    sites: [tracker-demo.com]\n    basis: written_agreement\n"
                               "    agreement: {reference: DPA-1}\n")
    h.addon.policy_reload()  # the file changed, the option did not: the tredjepart.policy.reload command
    assert not h.flow("https://cdn.tracker-demo.com/t.js").marked
    other = tmp_path / "other.yaml"
    other.write_text(POLICY.replace("Test portal", "Other portal"))
    h.ctx.options.update(tredjepart_policy=str(other))  # a changed option re-runs configure
    assert h.flow("https://cdn.tracker-demo.com/t.js").marked
    assert h.db().table("sessions").get(h.addon.recorder.sessions.active()[0].id)["solution"] == "Other portal"


def test_commands_name_sessions_and_mark_steps(harness):
    h = harness()
    h.addon.session_start("walkthrough 1")
    h.addon.step("login")
    h.flow("https://www.example-portal.dk/", req_headers=UA)
    h.addon.session_end()
    h.flow("https://www.example-portal.dk/again", req_headers=UA)
    db = h.db()
    sessions = list(db.query("select * from sessions order by started"))
    assert sessions[0]["name"] == "walkthrough 1" and sessions[0]["ended"] is not None
    assert len(sessions) == 2 and sessions[1]["name"] is None
    (step,) = db.table("steps").rows
    flow = next(db.query("select * from flows where path = '/'"))
    assert step["label"] == "login" and flow["step_id"] == step["id"]


def test_session_option_starts_a_named_session(harness):
    h = harness(tredjepart_session="from option")
    h.flow("https://www.example-portal.dk/", req_headers=UA)
    assert [s["name"] for s in h.db().table("sessions").rows] == ["from option"]


def _token(page) -> str:
    return re.search(rb'name="token" value="([^"]+)"', page.response.content).group(1).decode()


def test_control_page_is_served_and_not_recorded(harness):
    h = harness()
    page = h.flow("http://tredjepart.proxy/")
    assert page.response.status_code == 200 and b"Start new session" in page.response.content
    form = {"Origin": "http://tredjepart.proxy", "Content-Type": "application/x-www-form-urlencoded"}
    post = h.flow("http://tredjepart.proxy/step", method="POST", req_headers=form,
                  req_body=b"value=consent%3A+reject&token=" + _token(page).encode())
    assert post.response.status_code == 303
    refused = h.flow("http://tredjepart.proxy/session/end", method="POST", req_headers={"Origin": "https://evil.dk"})
    assert refused.response.status_code == 403
    db = h.db()
    assert db.table("flows").count == 0
    assert [s["label"] for s in db.table("steps").rows] == ["consent: reject"]


def test_control_page_cannot_be_framed_or_driven_without_its_token(harness):
    """A hostile page could frame the control page (one click ended the tester's session) or post to it from a
    page on the same control host name: every answer forbids framing, and changes need the page's token."""
    h = harness()
    page = h.flow("http://tredjepart.proxy/")
    assert page.response.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in page.response.headers["content-security-policy"]
    form = {"Origin": "http://tredjepart.proxy", "Content-Type": "application/x-www-form-urlencoded"}
    for body in (b"", b"token=guess", b"token=" + _token(page).encode()[:-1]):
        end = h.flow("http://tredjepart.proxy/session/end", method="POST", req_headers=form, req_body=body)
        assert end.response.status_code == 403 and b"token" in end.response.content
        assert end.response.headers["x-frame-options"] == "DENY"
    assert h.db().table("sessions").count == 0


def test_a_failing_record_never_breaks_the_flow(harness, monkeypatch, caplog):
    h = harness()

    def boom(*a, **k):
        raise RuntimeError("bug in a detector")

    monkeypatch.setattr(h.addon.recorder, "record", boom)
    f = h.flow("https://www.example-portal.dk/")
    assert f.response.status_code == 200 and f.error is None
    assert "could not record flow" in caplog.text


def test_database_failure_stops_recording_visibly(harness, caplog):
    h = harness()
    h.flow("https://www.example-portal.dk/", req_headers=UA)
    h.addon.recorder.flush()
    h.addon.recorder.writer.failed = "OperationalError: disk I/O error"  # what the writer sets when a commit fails
    f = h.flow("https://www.example-portal.dk/next", req_headers=UA)
    assert f.marked and "NOT RECORDED" in f.comment
    assert "NOT RECORDING" in caplog.text
    page = h.flow("http://tredjepart.proxy/")
    assert b"NOT RECORDING" in page.response.content


def test_bad_database_path_is_an_options_error(harness, tmp_path):
    h = harness()
    with pytest.raises(exceptions.OptionsError, match="does not exist"):
        h.ctx.configure(h.addon, tredjepart_db=str(tmp_path / "nope" / "x.sqlite"))


def test_done_flushes_everything(tmp_path):
    from conftest import AddonHarness
    from sqlite_utils import Database

    h = AddonHarness(tmp_path)
    for i in range(300):
        h.flow(f"https://www.example-portal.dk/p{i}", req_headers=UA)
    h.close()
    assert Database(tmp_path / "audit.sqlite").table("flows").count == 300


def test_a_flow_finishing_after_shutdown_is_said_to_be_lost(tmp_path, caplog):
    """In-process, a flow whose response arrives after Ctrl-C closed the recorder cannot be written any more: the
    log and the flow's mark say so (with no query values), instead of nothing."""
    from conftest import AddonHarness
    from sqlite_utils import Database

    h = AddonHarness(tmp_path)
    h.flow("https://www.example-portal.dk/", req_headers=UA)
    h.addon.done()
    late = h.flow("https://pixel.tracker-demo.com/p.gif?uid=SECRET123", req_headers=UA)
    h._ctx.__exit__(None, None, None)
    assert Database(tmp_path / "audit.sqlite").table("flows").count == 1
    lines = [r.getMessage() for r in caplog.records if "NOT RECORDED" in r.getMessage()]
    assert len(lines) == 1 and "pixel.tracker-demo.com/p.gif" in lines[0] and "SECRET123" not in lines[0]
    assert late.marked and "had closed" in late.comment


def test_session_started_with_a_named_policy(harness, tmp_path):
    folder = tmp_path / "policies"
    folder.mkdir()
    (folder / "a.yaml").write_text(POLICY)
    (folder / "b.yaml").write_text("solution: Other portal\nfirst_party: [other-portal.dk]\n")
    h = harness(tredjepart_policy=str(folder))
    h.addon.session_start("judged by b", "Other portal")
    h.flow("https://www.example-portal.dk/", req_headers=UA)
    (session,) = h.db().table("sessions").rows
    assert session["solution"] == "Other portal"
    # without a name, the first page picks the policy
    h.addon.session_start("judged by first page")
    h.flow("https://www.example-portal.dk/", req_headers=UA)
    rows = {r["name"]: r["solution"] for r in h.db().table("sessions").rows}
    assert rows["judged by first page"] == "Test portal"


def test_app_traffic_is_attributed_to_its_sdk_and_owner(harness):
    h = harness()
    app = {"User-Agent": "okhttp/4.12.0"}
    h.flow("https://api.example-portal.dk/v1/cases", req_headers=app)
    h.flow("https://app-measurement.com/a", method="POST", req_headers=app, req_body=b"\x00events", status=204)
    h.flow("https://app-measurement.com/a", method="POST", req_headers=app, req_body=b"\x00events", status=204)
    rows = list(h.db().query("select host, client, party, entity, sdk from flows order by started"))
    assert rows[0]["client"] == "app" and rows[0]["party"] == "first"
    assert {(r["party"], r["entity"], r["sdk"]) for r in rows[1:]} == {("third", "Google LLC", "Firebase Analytics")}


def test_cloaked_tracker_behind_a_first_party_name(harness, tmp_path):
    from tredjepart.record.dns import CnameResolver

    policy = tmp_path / "p.yaml"
    policy.write_text(POLICY)
    h = harness(tredjepart_policy=str(policy))
    aliases = {"metrics.example-portal.dk": "example-portal.dk.sc.omtrdc.net"}
    h.addon.recorder.cnames = CnameResolver(resolve=aliases.get)
    h.flow("https://www.example-portal.dk/", req_headers=UA)
    h.addon.recorder.cnames.wait("metrics.example-portal.dk")  # live, the first flow goes before the answer
    f = h.flow("https://metrics.example-portal.dk/b/ss/x", req_headers={"Sec-Fetch-Dest": "image"})
    assert f.marked
    row = next(h.db().query("select party, site, entity from flows where host = 'metrics.example-portal.dk'"))
    assert (row["party"], row["site"], row["entity"]) == ("third", "omtrdc.net", "Adobe Inc.")
    rules = {(r["rule"], r["severity"]) for r in h.db().table("findings").rows}
    assert {("cname-cloaking", "warning"), ("undeclared-third-party", "error"),
            ("third-country-transfer", "info")} <= rules


def test_repeated_findings_keep_every_occurrence(harness):
    h = harness()
    h.flow("https://www.example-portal.dk/", req_headers=UA)
    for i in range(3):
        h.flow(f"https://pixel.tracker-demo.com/p{i}.gif", req_headers={"Sec-Fetch-Dest": "image"})
    h.addon.session_end()  # repeats are written at most once a second, and always when the session ends
    (finding,) = h.db().table("findings").rows_where("rule = 'undeclared-third-party'")
    assert finding["count"] == 3 and len(json.loads(finding["evidence"])) == 3


def test_app_session_starting_with_an_sdk_call(harness):
    """Apps often call Firebase before their own backend: that call must not make Google the first party."""
    h = harness()
    app = {"User-Agent": "okhttp/4.12.0"}
    h.flow("https://app-measurement.com/a", method="POST", req_headers=app, status=204)
    h.flow("https://api.example-portal.dk/v1/cases", req_headers=app)
    h.flow("https://app-measurement.com/a", method="POST", req_headers=app, status=204)
    db = h.db()
    assert [r["party"] for r in db.query("select party from flows order by started")] == ["third", "first", "third"]
    (session,) = db.table("sessions").rows
    assert json.loads(session["first_party"]) == ["example-portal.dk"]


def test_bad_user_owner_list_is_an_options_error(harness, tmp_path):
    bad = tmp_path / "list.json"
    bad.write_text("{not json")
    h = harness()
    with pytest.raises(exceptions.OptionsError, match="list.json"):
        h.ctx.configure(h.addon, tredjepart_entities=[str(bad)])


def test_a_flow_whose_time_is_no_number_is_recorded_at_the_time_it_was_seen(harness, tmp_path):
    """A broken or hostile capture can carry NaN or infinity as a flow's time: the flow and its cookie are still
    recorded (timed when seen), not refused by the database and set aside."""
    h = harness()
    before = time.time()
    for i, when in enumerate((math.nan, math.inf, -math.inf)):
        f = make_flow(f"https://cdn.tracker-demo.com/p{i}.gif", req_headers={"Sec-Fetch-Dest": "image"},
                      resp_headers={"Set-Cookie": f"uid{i}=abcdef0123456789; Max-Age=600"})
        f.request.timestamp_start = when
        f.response.timestamp_start = when
        asyncio.run(h.addon.request(f))
        h.addon.response(f)
    db = h.db()
    rows = list(db.table("flows").rows)
    assert len(rows) == 3 and all(before - 1 <= r["started"] <= time.time() + 1 for r in rows)
    assert db.table("cookies").count == 3
    assert h.addon.recorder.status().refused == 0
    assert not (tmp_path / "audit.sqlite.unsaved.jsonl").exists()
