"""`tredjepart report`: formats, languages, session selection, output files and exit codes."""

from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner
from sqlite_utils import Database

from tredjepart.cli import main
from tredjepart.report import write_report
from tredjepart.store import open_readonly
from tredjepart.report.example import SESSION_ID, T0, build_example


@pytest.fixture
def path(tmp_path):
    p = tmp_path / "audit.sqlite"
    db = Database(p)
    build_example(db)
    build_example(db, session_id="b" * 32, t0=T0 + 3600, name="MitID login, Android")
    db.close()
    return p


def test_markdown_to_stdout_is_the_default(path):
    r = CliRunner().invoke(main, ["report", str(path)])
    assert r.exit_code == 0, r.output
    assert r.output.startswith("# Rapport om tredjeparter")
    assert "## Session 2: MitID login, Android" in r.output


@pytest.mark.parametrize("fmt, start", [("html", "<!DOCTYPE html>"), ("json", "{"), ("md", "# Third-party report")])
def test_formats_to_a_file(path, tmp_path, fmt, start):
    out = tmp_path / f"r.{fmt}"
    r = CliRunner().invoke(main, ["report", str(path), "-f", fmt, "--lang", "en", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert out.read_text(encoding="utf-8").startswith(start)


def test_session_selection(path):
    r = CliRunner().invoke(main, ["report", str(path), "-f", "json", "-s", "MitID login, Android"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert [s["name"] for s in data["sessions"]] == ["MitID login, Android"]
    r = CliRunner().invoke(main, ["report", str(path), "-f", "json", "-s", SESSION_ID[:8], "-s", "b" * 32])
    assert len(json.loads(r.output)["sessions"]) == 2


def test_bad_input_exits_2(path, tmp_path):
    runner = CliRunner()
    r = runner.invoke(main, ["report", str(path), "-s", "nobody"])
    assert r.exit_code == 2 and "no session 'nobody'" in r.output and "MitID login, Android" in r.output
    r = runner.invoke(main, ["report", str(tmp_path / "missing.sqlite")])
    assert r.exit_code == 2 and "no such database file" in r.output
    assert not (tmp_path / "missing.sqlite").exists()  # a report never creates a database
    (tmp_path / "x.sqlite").write_text("text")
    r = runner.invoke(main, ["report", str(tmp_path / "x.sqlite")])
    assert r.exit_code == 2 and "not an SQLite database" in r.output
    other = tmp_path / "other.sqlite"
    Database(other).table("things").insert({"x": 1})
    r = runner.invoke(main, ["report", str(other)])
    assert r.exit_code == 2 and "not a tredjepart database" in r.output
    r = runner.invoke(main, ["report", str(path), "-f", "pdf"])
    assert r.exit_code == 2


def test_report_opens_read_only(path):
    before = os.stat(path).st_mtime_ns
    db = open_readonly(path)
    with pytest.raises(Exception, match="readonly"):
        db.execute("delete from flows")
    db.close()
    assert os.stat(path).st_mtime_ns == before


def test_write_report_api(path, tmp_path):
    out = write_report(path, tmp_path / "r.html", fmt="html", lang="da")  # what `tredjepart demo` calls
    assert "Rapport om tredjeparter" in out.read_text(encoding="utf-8")
    with pytest.raises(ValueError, match="unknown report format"):
        write_report(path, tmp_path / "r.pdf", fmt="pdf")


def test_help_has_examples():
    for command in ("report", "diff", "merge", "export", "datasette-metadata"):
        r = CliRunner().invoke(main, [command, "-h"])
        assert r.exit_code == 0 and "Example:\n    tredjepart " + command in r.output, command
