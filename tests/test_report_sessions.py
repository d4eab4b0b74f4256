"""Sessions that mean something: background-only sessions stay in the database, out of reports and drafts.

The database is recorded by the real addon as a tester meets it: the browser's own traffic before "start", a
walk, the browser again, a second walk, the browser after "end" (tests/report_walks.py).
"""

from __future__ import annotations

import json
import re

import pytest
import yaml
from click.testing import CliRunner
from sqlite_utils import Database

from report_walks import record_two_walks
from tredjepart.cli import main
from tredjepart.report import choose_sessions
from tredjepart.store.schema import migrate


@pytest.fixture(scope="module")
def walks(tmp_path_factory):
    return record_two_walks(tmp_path_factory.mktemp("walks"))


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_report_covers_the_two_walks_and_names_the_solution(walks):
    assert Database(walks).table("sessions").count == 5  # everything stays recorded
    r = run("report", str(walks))
    assert r.exit_code == 0, r.output
    md = r.stdout
    assert md.startswith("# Rapport om tredjeparter: Eksempelportalen\n")
    titles = re.findall(r"^## Session \d+: (.+)$", md, re.M)
    assert titles == ["Ansøgning, walk 1", "Hjælp, walk 2"]
    assert "3 sessioner med kun enhedens baggrundstrafik er udeladt (--all-sessions tager dem med)." in md
    assert "left out 3 sessions with only background traffic (--all-sessions includes them)" in r.stderr


def test_html_and_json_leave_them_out_too_and_the_option_brings_them_back(walks):
    html = run("report", str(walks), "-f", "html").stdout
    assert "<h1>Rapport om tredjeparter: Eksempelportalen</h1>" in html
    assert "<title>Rapport om tredjeparter: Eksempelportalen</title>" in html
    assert html.count('<section class="session"') == 2
    data = json.loads(run("report", str(walks), "-f", "json").stdout)
    assert [s["name"] for s in data["sessions"]] == ["Ansøgning, walk 1", "Hjælp, walk 2"]
    assert data["summary"]["sessions"] == 2 and data["summary"]["sessions_left_out"] == 3
    everything = json.loads(run("report", str(walks), "-f", "json", "--all-sessions").stdout)
    assert [s["name"] for s in everything["sessions"]] == [None, "Ansøgning, walk 1", None, "Hjælp, walk 2", None]
    assert everything["summary"]["sessions_left_out"] == 0
    assert everything["sessions"][0]["flows"]["background"] == 1


def test_a_named_background_session_is_always_read(walks):
    first = choose_sessions(Database(walks), all_sessions=True).ids[0]
    data = json.loads(run("report", str(walks), "-f", "json", "-s", first).stdout)
    assert [s["id"] for s in data["sessions"]] == [first] and data["summary"]["sessions_left_out"] == 0


def test_draft_without_session_drafts_the_last_walk_and_says_so(walks):
    r = run("policy", "draft", str(walks))
    assert r.exit_code == 0, r.output
    policy = yaml.safe_load(r.stdout)
    assert policy["first_party"] == ["example-portal.dk"]  # today: [] from the empty session after "end"
    assert sorted(s for p in policy["third_parties"] for s in p["sites"]) == ["sporing-demo.com", "video-demo.dk"]
    assert re.search(r'^drafting from the latest session with solution traffic: [0-9a-f]{8} \("Hjælp, walk 2", '
                     r"started \d{4}-\d\d-\d\d \d\d:\d\d UTC\)$", r.stderr, re.M), r.stderr
    assert "left out 3 sessions with only background traffic" in r.stderr
    r = run("policy", "draft", str(walks), "--all-sessions")
    assert r.exit_code == 0 and yaml.safe_load(r.stdout)["third_parties"] == []  # the last one: background only
    assert "drafting from the latest session: " in r.stderr and "(unnamed, started" in r.stderr


def test_draft_of_a_database_with_only_background_sessions_exits_2(tmp_path):
    db = Database(tmp_path / "bg.sqlite")
    migrate(db)
    db.table("sessions").insert({"id": "a" * 32, "source": "live", "started": 1.0})
    db.table("flows").insert({"id": "f1", "session_id": "a" * 32, "started": 1.0, "host": "detectportal.firefox.com",
                              "site": "firefox.com", "party": "background", "kind": "other"})
    db.close()
    r = run("policy", "draft", str(tmp_path / "bg.sqlite"))
    assert r.exit_code == 2 and r.stdout == ""
    assert "no session with solution traffic (1 saw only the device's background traffic)" in r.stderr
    assert "--session" in r.stderr and "--all-sessions" in r.stderr
    assert run("policy", "draft", str(tmp_path / "bg.sqlite"), "--all-sessions").exit_code == 0


def test_choose_sessions():
    db = Database(memory=True)
    migrate(db)
    for n, party in enumerate(["background", None, "third", "background", "first"]):
        sid = f"s{n}" * 16
        db.table("sessions").insert({"id": sid, "source": "live", "started": float(n)})
        if party:
            db.table("flows").insert({"id": f"f{n}", "session_id": sid, "started": float(n), "party": party,
                                      "host": "h.dk", "site": "h.dk", "kind": "other"})
    chosen = choose_sessions(db)
    assert chosen.ids == ["s2" * 16, "s4" * 16] and chosen.last == "s4" * 16
    assert chosen.left_out == ["s0" * 16, "s1" * 16, "s3" * 16]  # a session without any flow saw nothing either
    assert choose_sessions(db, all_sessions=True).ids == [f"s{n}" * 16 for n in range(5)]
    assert choose_sessions(db, ["s3" * 16]).ids == ["s3" * 16]
    empty = Database(memory=True)
    migrate(empty)
    assert choose_sessions(empty).last is None


def test_diff_compares_the_walks(walks, tmp_path):
    r = run("diff", str(walks), str(walks))
    assert r.exit_code == 0 and r.stdout.endswith("No changes.\n")
    first = choose_sessions(Database(walks), all_sessions=True).ids[0]  # the browser before "start"
    r = run("diff", f"{walks}:{first}", str(walks), "--format", "json")
    assert r.exit_code == 1  # from nothing to the walks: new third parties
    assert {c["subject"] for c in json.loads(r.stdout)["changes"] if c["kind"] == "third_party_new"} >= {
        "googletagmanager.com", "sporing-demo.com"}


def test_the_ca_page_opened_first_is_the_tools_own_and_left_out(tmp_path):
    """The README sends the tester to http://mitm.it first: that session saw no solution, and is left out."""
    from conftest import AddonHarness
    from report_walks import POLICY, Walker

    h = AddonHarness(tmp_path, tredjepart_policy=str(POLICY))
    w = Walker(h)
    try:
        w.get("http://mitm.it/", "document")
        w.get("http://mitm.it/cert/pem", "document", ctype="application/x-x509-ca-cert")
        h.addon.session_start("walk")
        w.walk_one()
        h.addon.session_end()
    finally:
        h.close()
    data = json.loads(run("report", str(h.db_path), "-f", "json").stdout)
    assert [s["name"] for s in data["sessions"]] == ["walk"] and data["summary"]["sessions_left_out"] == 1
    everything = json.loads(run("report", str(h.db_path), "-f", "json", "--all-sessions").stdout)
    ca = everything["sessions"][0]["flows"]
    assert (ca["total"], ca["tool"], ca["first_party"], ca["third_party"]) == (2, 2, 0, 0)
    md = run("report", str(h.db_path), "--all-sessions").stdout
    assert "2 i alt: 0 egne, 0 til tredjeparter, 0 baggrund, 2 til revisionsværktøjet selv" in md
    assert "mitm.it" not in md.split("## Session 2: walk")[0].split("### Tredjeparter")[1]
    draft = run("policy", "draft", str(h.db_path))
    assert yaml.safe_load(draft.stdout)["first_party"] == ["example-portal.dk"] and '("walk"' in draft.stderr
