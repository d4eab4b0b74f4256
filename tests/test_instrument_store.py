"""The instrument's tables: the migration applies after the existing schema, the records' fields are its
columns, and docs/instrument.md documents every column with its type (the sections move to docs/schema.md when the
migration is registered, where tests/test_docs.py keeps them in step)."""

from __future__ import annotations

import dataclasses
import re

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from conftest import ROOT
from tredjepart.instrument.evidence import PageRecord, StorageRecord
from tredjepart.store.m_storage import PAGE_COLUMNS, STORAGE_COLUMNS, storage_tables
from tredjepart.store.schema import migrate, table_columns

SQL_TYPES = {str: "TEXT", int: "INTEGER", float: "REAL"}


def _documented() -> dict[str, list[tuple[str, str]]]:
    tables: dict[str, list[tuple[str, str]]] = {}
    current = None
    for line in (ROOT / "docs" / "instrument.md").read_text(encoding="utf-8").splitlines():
        if m := re.match(r"^### (\w+)\s*$", line):
            current = m.group(1)
            tables[current] = []
        elif current and (m := re.match(r"^\| (\w+) \| (TEXT|INTEGER|REAL) \|", line)):
            tables[current].append((m.group(1), m.group(2)))
    return {k: v for k, v in tables.items() if v}


def _database() -> Database:
    db = Database(memory=True)
    migrate(db)
    registered = Migrations("tredjepart-instrument-test")
    registered(name="m004_storage")(storage_tables)
    registered.apply(db)
    return db


def test_migration_applies_after_the_schema():
    db = _database()
    columns = table_columns(db)
    assert columns["storage"] == list(STORAGE_COLUMNS)
    assert columns["instrument_pages"] == list(PAGE_COLUMNS)
    assert columns["sessions"][-1] == "instrumented"
    assert {tuple(i.columns) for i in db.table("storage").indexes} >= {("session_id", "kind"),
                                                                       ("session_id", "script_site")}
    db.table("instrument_pages").insert({"id": "p", "session_id": "s", "time": 0.0, "injected": 0, "placement": "status"})
    assert db.table("instrument_pages").get("p")["reports"] == 0


def test_records_are_the_columns():
    assert [f.name for f in dataclasses.fields(StorageRecord)] == list(STORAGE_COLUMNS)
    assert [f.name for f in dataclasses.fields(PageRecord)] == list(PAGE_COLUMNS)


def test_every_column_is_documented_with_its_type():
    documented = _documented()
    assert documented["storage"] == [(name, SQL_TYPES[t]) for name, t in STORAGE_COLUMNS.items()]
    assert documented["instrument_pages"] == [(name, SQL_TYPES[t]) for name, t in PAGE_COLUMNS.items()]
    assert documented["sessions"] == [("instrumented", "INTEGER")]
