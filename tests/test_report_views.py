"""SQL views for the common questions, and the Datasette metadata that describes every column and view."""

from __future__ import annotations

import json

from click.testing import CliRunner
from sqlite_utils import Database

from conftest import ROOT
from tredjepart.cli import main
from tredjepart.report.example import SESSION_ID, build_example
from tredjepart.report.metadata import (PLACEHOLDER, SHIPPED, build_metadata, load_metadata, parse_schema_doc)
from tredjepart.store.schema import migrate, table_columns
from tredjepart.store.views import VIEWS, create_views, drop_views


def _db() -> Database:
    db = Database(memory=True)
    build_example(db)
    create_views(db)
    return db


def test_views_are_idempotent_and_replace_stale_definitions():
    db = Database(memory=True)
    migrate(db)
    first = create_views(db)
    assert set(first) <= set(VIEWS)  # (migrate may already have made them)
    assert set(db.view_names()) >= set(VIEWS)
    assert create_views(db) == []
    db.execute('DROP VIEW "uncovered_flows"')
    db.execute('CREATE VIEW "uncovered_flows" AS SELECT 1 AS stale')
    assert create_views(db) == ["uncovered_flows"]
    assert "flow_id" in [c.name for c in db.view("uncovered_flows").columns]
    assert set(drop_views(db)) == set(VIEWS) and not set(db.view_names()) & set(VIEWS)
    assert set(create_views(db)) == set(VIEWS)


def test_views_need_only_the_core_tables():
    db = Database(memory=True)
    build_example(db)
    for name in ("detections", "blind_spots"):
        if db.table(name).exists():
            db.table(name).drop()
    create_views(db)
    for name in VIEWS:
        list(db.query(f'select * from "{name}"'))


def test_third_parties_per_session():
    rows = {r["site"]: r for r in _db().query("select * from third_parties_per_session")}
    assert set(rows) == {"sporing-demo.com", "video-demo.dk", "cookieconsent-demo.dk", "stats-demo.dk",
                         "mitid.dk", "nemlog-in.dk"}
    assert rows["sporing-demo.com"]["covered"] == 0 and rows["sporing-demo.com"]["uncovered_flows"] == 3
    assert rows["stats-demo.dk"]["covered"] == 1 and rows["stats-demo.dk"]["basis"] == "written_agreement"
    assert rows["video-demo.dk"]["covered"] == 0 and rows["video-demo.dk"]["uncovered_flows"] == 1
    assert rows["stats-demo.dk"]["session_id"] == SESSION_ID


def test_uncovered_flows_and_cookies_by_lifetime():
    db = _db()
    flows = list(db.query("select * from uncovered_flows"))
    assert [f["site"] for f in flows] == ["sporing-demo.com"] * 3 + ["video-demo.dk"]
    assert flows[0]["step"] == "forside" and flows[0]["started_utc"] == "2025-11-03 09:00:02"
    cookies = list(db.query("select * from cookies_by_lifetime"))
    assert cookies[0]["name"] == "_sp_id" and cookies[0]["lifetime_days"] == 730.0
    assert [c["session_cookie"] for c in cookies][-1] == 1  # session cookies last
    assert not [c for c in cookies if c["site"] in ("firefox.com", "mozilla.com")]


def test_metadata_documents_every_column_and_view():
    db = Database(memory=True)
    migrate(db)
    meta = load_metadata("audit")["databases"]["audit"]["tables"]
    for table, columns in table_columns(db).items():
        assert meta[table]["description"], table
        assert set(meta[table]["columns"]) == set(columns), f"{table}: metadata out of step with the schema"
        assert all(meta[table]["columns"].values()), table
    for view in VIEWS:
        assert meta[view]["description"].startswith("View: ")
    assert meta["meta"]["hidden"] is True


def test_shipped_metadata_matches_docs_schema():
    generated = build_metadata(parse_schema_doc((ROOT / "docs" / "schema.md").read_text(encoding="utf-8")))
    shipped = json.loads(SHIPPED.read_text(encoding="utf-8"))
    assert shipped == generated, ("src/tredjepart/report/datasette-metadata.json is out of date: run "
                                  "`make report` (scripts/make-report.py) to regenerate it from docs/schema.md")


def test_parse_schema_doc():
    doc = "# x\n\n## things\nWhat `things` are,\nin two lines.\n\n| column | type | meaning |\n|---|---|---|\n" \
          "| id | TEXT | the [id](a.md) |\n| n | INTEGER | a \\| b |\n"
    assert parse_schema_doc(doc) == {"things": {"description": "What things are, in two lines.",
                                                "columns": {"id": "the id", "n": "a | b"}}}


def test_datasette_metadata_command(tmp_path):
    build_example(Database(tmp_path / "audit.sqlite"))
    r = CliRunner().invoke(main, ["datasette-metadata", str(tmp_path / "audit.sqlite")])
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert list(data["databases"]) == ["audit"]
    out = tmp_path / "m.json"
    r = CliRunner().invoke(main, ["datasette-metadata", "--from-doc", str(ROOT / "docs" / "schema.md"), "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert list(json.loads(out.read_text())["databases"]) == [PLACEHOLDER]
