"""The instrument's tables: migration m006 is registered and applies after the existing schema, and the
records' fields are its columns (docs/schema.md documents them; tests/test_docs.py keeps it in step)."""

from __future__ import annotations

import dataclasses

from sqlite_utils import Database

from tredjepart.instrument.evidence import PageRecord, StorageRecord
from tredjepart.store.m006_storage import PAGE_COLUMNS, STORAGE_COLUMNS
from tredjepart.store.schema import MIGRATIONS, migrate, table_columns


def _database() -> Database:
    db = Database(memory=True)
    migrate(db)
    return db


def test_migration_applies_after_the_schema():
    db = _database()
    assert [m.name for m in MIGRATIONS._migrations][-1] == "m006_storage"
    assert db.table("_sqlite_migrations").count_where("name = 'm006_storage'") == 1
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

