"""The store: schema, migrations, the batched writer, and what happens when the disk says no."""

from __future__ import annotations

import json
import os
import sqlite3

import pytest
from sqlite_utils import Database

from tredjepart.store.schema import MIGRATIONS, hashing_key, migrate, table_columns
from tredjepart.store.writer import Op, Writer, open_database


def test_schema_tables_are_strict_with_foreign_keys():
    db = Database(memory=True)
    migrate(db)
    assert {"sessions", "steps", "flows", "cookies", "scripts", "findings", "meta"} <= set(table_columns(db))
    for name in ("sessions", "steps", "flows", "cookies", "scripts", "findings"):
        assert db.table(name).strict, name
    fks = {(fk.column, fk.other_table) for fk in db.table("flows").foreign_keys}
    assert ("session_id", "sessions") in fks and ("step_id", "steps") in fks
    assert any(i.columns == ["session_id", "started"] for i in db.table("flows").indexes)


def test_migrate_is_idempotent_and_key_is_stable():
    db = Database(memory=True)
    migrate(db)
    key = hashing_key(db)
    migrate(db)
    assert hashing_key(db) == key and len(key) == 32
    assert [m.name for m in MIGRATIONS.applied(db)] == [m.name for m in MIGRATIONS._migrations]


def test_strict_rejects_wrong_types():
    db = Database(memory=True)
    migrate(db)
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("insert into flows (id, session_id, started, host, site, kind, port) "
                   "values ('f', 's', 1.0, 'h', 'h', 'other', 'not a number')")


def test_writer_batches_and_flushes(tmp_path):
    path = tmp_path / "a.sqlite"
    w = Writer(path, interval=0.05)
    w.put(Op("sessions", [{"id": "s1", "started": 1.0, "source": "live"}], replace=True))
    for i in range(250):
        w.put(Op("steps", [{"id": f"st{i}", "session_id": "s1", "label": f"step {i}", "started": float(i)}]))
    assert w.flush()
    w.close()
    db = Database(path)
    assert db.table("steps").count == 250
    assert db.execute("pragma journal_mode").fetchone()[0] == "wal"
    assert w.written == 251 and w.failed is None


def test_writer_upsert_replaces_rows(tmp_path):
    w = Writer(tmp_path / "a.sqlite")
    w.put(Op("sessions", [{"id": "s1", "started": 1.0, "source": "live", "name": None}], replace=True))
    w.put(Op("sessions", [{"id": "s1", "started": 1.0, "source": "live", "name": "login test"}], replace=True))
    w.close()
    assert Database(tmp_path / "a.sqlite").table("sessions").get("s1")["name"] == "login test"


def test_failed_write_is_loud_and_nothing_is_lost(tmp_path, caplog):
    path = tmp_path / "a.sqlite"
    w = Writer(path, interval=0.01)
    w.put(Op("steps", [{"id": "x", "session_id": "s", "label": "ok", "started": 1.0}]))
    w.flush()
    # A row the database refuses (STRICT type error) stands in for a full disk or a vanished file.
    w.put(Op("steps", [{"id": "bad", "session_id": "s", "label": "l", "started": "yesterday"}]))
    w.put(Op("steps", [{"id": "y", "session_id": "s", "label": "after", "started": 2.0}]))
    w.flush()
    w.close()
    assert w.failed and "IntegrityError" in w.failed
    assert "CANNOT WRITE" in caplog.text
    saved = [json.loads(line) for line in w.fallback_path.read_text().splitlines()]
    assert {r["row"]["id"] for r in saved} >= {"bad", "y"}
    assert Database(path).table("steps").get("x")["label"] == "ok"  # what was written stays written


def test_open_database_bad_path_names_the_file(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        open_database(tmp_path / "missing" / "a.sqlite")
    not_db = tmp_path / "notes.sqlite"
    not_db.write_text("this is not a database " * 100)
    with pytest.raises(ValueError, match="notes.sqlite"):
        open_database(not_db)


def test_writer_close_without_items(tmp_path):
    w = Writer(tmp_path / "a.sqlite")
    w.close()
    assert os.path.exists(tmp_path / "a.sqlite")
