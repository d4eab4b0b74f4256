"""`tredjepart diff`: what changed between two audits, and the exit code that says whether it got worse."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlite_utils import Database

from tredjepart.cli import main
from tredjepart.report.diff import diff, format_text, parse_spec
from tredjepart.report.example import SESSION_ID, T0, build_example

NEW_ID = "c" * 32


def _file(tmp_path, name: str, session_id: str = SESSION_ID) -> tuple[str, Database]:
    path = tmp_path / name
    db = Database(path)
    build_example(db, session_id=session_id)
    return str(path), db


def _worsen(db: Database, sid: str) -> None:
    """A later audit: a new tracker with a cookie, a longer-lived analytics cookie, a changed analytics script,
    and the video embed fixed (no cookie any more, its finding gone)."""
    db.table("flows").insert({"id": "new-flow", "session_id": sid, "started": T0 + 50, "method": "GET",
                              "url": "https://px.ny-sporing.dk/p", "host": "px.ny-sporing.dk", "site": "ny-sporing.dk",
                              "party": "third", "kind": "image", "covered": 0})
    db.table("cookies").insert({"id": "new-cookie", "flow_id": "new-flow", "session_id": sid, "direction": "set",
                                "name": "ny_id", "host": "px.ny-sporing.dk", "site": "ny-sporing.dk",
                                "party": "third", "lifetime": 86400 * 90})
    db.table("findings").insert({"id": "new-finding", "session_id": sid, "rule": "undeclared-third-party",
                                 "severity": "error", "site": "ny-sporing.dk", "message": "Third party ny-sporing.dk "
                                 "is not declared", "evidence": '["new-flow"]', "count": 1, "details": "{}"})
    db.execute("update cookies set lifetime = ? where session_id = ? and name = 'sid_stats'", [2 * 365 * 86400, sid])
    db.execute("update scripts set sha256 = ? where session_id = ? and url like '%analytics.js%'", ["f" * 64, sid])
    db.execute("delete from cookies where session_id = ? and name = 'VISITOR_INFO1'", [sid])
    db.execute("delete from findings where session_id = ? and rule = 'kind-not-allowed'", [sid])
    db.execute("update flows set covered = 1 where session_id = ? and site = 'video-demo.dk'", [sid])
    db.conn.commit()


def _kinds(result) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for c in result.changes:
        out.setdefault(c.kind, []).append(c.subject)
    return out


def test_changes_between_two_files(tmp_path):
    old, _ = _file(tmp_path, "old.sqlite")
    new, db = _file(tmp_path, "new.sqlite")
    _worsen(db, SESSION_ID)
    result = diff(old, new)
    kinds = _kinds(result)
    assert kinds["third_party_new"] == ["ny-sporing.dk"]
    assert kinds["cookie_new"] == ["ny-sporing.dk ny_id"]
    assert kinds["cookie_gone"] == ["video-demo.dk VISITOR_INFO1"]
    assert kinds["lifetime_longer"] == ["stats-demo.dk sid_stats"]
    assert kinds["script_changed"] == ["https://cdn.stats-demo.dk/analytics.js?site="]
    assert kinds["finding_new"] == ["undeclared-third-party ny-sporing.dk"]
    assert kinds["finding_fixed"] == ["kind-not-allowed video-demo.dk cookie_set"]
    assert kinds["coverage_gained"] == ["video-demo.dk"]
    assert result.worse
    worse = {c.kind for c in result.changes if c.worse}
    assert worse == {"third_party_new", "cookie_new", "lifetime_longer", "script_changed", "finding_new"}
    text = format_text(result)
    assert text.splitlines()[1].startswith("WORSE")
    assert "1 year -> 2 years" in text


def test_same_audit_twice_has_no_changes(tmp_path):
    old, _ = _file(tmp_path, "a.sqlite")
    new, _ = _file(tmp_path, "b.sqlite")
    result = diff(old, new)
    assert result.changes == [] and not result.worse
    assert format_text(result).endswith("No changes.\n")


def test_sessions_of_one_file_and_cli_exit_codes(tmp_path):
    path, db = _file(tmp_path, "both.sqlite")
    build_example(db, session_id=NEW_ID, t0=T0 + 86400, name="second round")
    _worsen(db, NEW_ID)
    runner = CliRunner()
    r = runner.invoke(main, ["diff", f"{path}:{SESSION_ID[:8]}", f"{path}:second round"])
    assert r.exit_code == 1, r.output
    assert "new third party" in r.output and "ny-sporing.dk" in r.output
    better = "d" * 32
    build_example(db, session_id=better, t0=T0 + 2 * 86400, name="tracker removed")
    for table in ("flows", "cookies", "scripts", "findings"):
        db.execute(f"delete from {table} where session_id = ? and site = 'sporing-demo.com'", [better])
    db.conn.commit()
    r = runner.invoke(main, ["diff", f"{path}:{SESSION_ID}", f"{path}:tracker removed", "--format", "json"])
    assert r.exit_code == 0, r.output  # only got better
    data = json.loads(r.output)
    assert data["worse"] is False
    assert {c["kind"] for c in data["changes"]} == {"third_party_gone", "cookie_gone", "finding_fixed"}


def test_bad_input_exits_2(tmp_path):
    path, _ = _file(tmp_path, "a.sqlite")
    runner = CliRunner()
    for args in (["diff", path, str(tmp_path / "missing.sqlite")], ["diff", path, f"{path}:no-such-session"]):
        r = runner.invoke(main, args)
        assert r.exit_code == 2, r.output
    (tmp_path / "text.sqlite").write_text("not a database")
    r = runner.invoke(main, ["diff", path, str(tmp_path / "text.sqlite")])
    assert r.exit_code == 2 and "not an SQLite database" in r.output


def test_parse_spec(tmp_path):
    path = tmp_path / "x:y.sqlite"  # a colon in the file name itself
    path.write_bytes(b"")
    assert parse_spec(str(path)) == (path, None)
    assert parse_spec(f"{path}:MitID login") == (path, "MitID login")
    with pytest.raises(ValueError, match="DB:SESSION"):
        parse_spec(str(tmp_path / "nope.sqlite:abc"))


def test_control_characters_do_not_reach_the_terminal(tmp_path):
    old, _ = _file(tmp_path, "old.sqlite")
    new, db = _file(tmp_path, "new.sqlite")
    db.execute("update cookies set name = ? where name = 'sid_stats'", ["evil\x1b[2J"])
    db.conn.commit()
    text = format_text(diff(old, new))
    assert "\x1b" not in text and "evil\\x1b[2J" in text
