"""`tredjepart export`: flat CSV and JSON files of one table or view."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner
from sqlite_utils import Database

from tredjepart.cli import main
from tredjepart.report.example import SESSION_ID, T0, build_example
from tredjepart.report.export import export_table, exportable
from tredjepart.store.views import create_views


@pytest.fixture
def path(tmp_path):
    p = tmp_path / "audit.sqlite"
    db = Database(p)
    build_example(db)
    build_example(db, session_id="b" * 32, t0=T0 + 3600, name="second")
    db.execute("update cookies set name = ? where name = 'sid_stats'", ['=HYPERLINK("http://evil.example","x")'])
    db.conn.commit()
    create_views(db)
    db.close()
    return p


def test_csv(path):
    db = Database(path)
    out = io.StringIO()
    n = export_table(db, "cookies", "csv", out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert n == len(rows) == db.table("cookies").count
    assert list(rows[0]) == [c.name for c in db.table("cookies").columns]
    names = {r["name"] for r in rows}
    assert "'=HYPERLINK(\"http://evil.example\",\"x\")" in names  # no formula in a spreadsheet
    assert "_sp_id" in names


def test_json_and_views(path):
    db = Database(path)
    out = io.StringIO()
    n = export_table(db, "third_parties_per_session", "json", out, session=SESSION_ID)
    data = json.loads(out.getvalue())
    assert n == len(data) == 6 and {r["session_id"] for r in data} == {SESSION_ID}
    empty = io.StringIO()
    db.execute("delete from scripts")
    assert export_table(db, "scripts", "json", empty) == 0 and json.loads(empty.getvalue()) == []


def test_refusals(path):
    db = Database(path)
    assert "meta" not in exportable(db) and "flows" in exportable(db) and "uncovered_flows" in exportable(db)
    with pytest.raises(ValueError, match="valid tables: .*flows"):
        export_table(db, "nope", "csv", io.StringIO())
    with pytest.raises(ValueError, match="hashing key"):
        export_table(db, "meta", "csv", io.StringIO())
    with pytest.raises(ValueError, match="no session_id"):
        export_table(db, "sessions", "csv", io.StringIO(), session=SESSION_ID)


def test_cli(path, tmp_path):
    runner = CliRunner()
    out = tmp_path / "flows.csv"
    r = runner.invoke(main, ["export", str(path), "--table", "flows", "-o", str(out), "--session", "second"])
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert rows and {r["session_id"] for r in rows} == {"b" * 32}
    r = runner.invoke(main, ["export", str(path), "-t", "findings", "-f", "json"])
    assert r.exit_code == 0 and json.loads(r.output)[0]["rule"]
    r = runner.invoke(main, ["export", str(path), "-t", "passwords"])
    assert r.exit_code == 2 and "valid tables:" in r.output and "cookies_by_lifetime" in r.output
    r = runner.invoke(main, ["export", str(path), "-t", "flows", "-s", "nobody"])
    assert r.exit_code == 2 and "no session" in r.output
    r = runner.invoke(main, ["export", str(tmp_path / "missing.sqlite"), "-t", "flows"])
    assert r.exit_code == 2
