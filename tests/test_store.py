"""The store: schema, migrations, the batched writer, and what happens when the disk says no."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import pytest
from sqlite_utils import Database

from tredjepart.store.db import read_key
from tredjepart.store.schema import MIGRATIONS, migrate, table_columns
from tredjepart.store import Op, Writer, open_database


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
    key = read_key(db)[0]
    migrate(db)
    assert read_key(db)[0] == key and len(key) == 32
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


def test_refused_row_is_isolated_and_the_rest_written(tmp_path, caplog):
    path = tmp_path / "a.sqlite"
    w = Writer(path, interval=0.01)
    w.put(Op("steps", [{"id": "x", "session_id": "s", "label": "ok", "started": 1.0}]))
    # A row the database refuses (STRICT type error) between good ones, in the same batch.
    w.put(Op("steps", [{"id": "bad", "session_id": "s", "label": "l", "started": "yesterday"}]))
    w.put(Op("steps", [{"id": "y", "session_id": "s", "label": "after", "started": 2.0}]))
    w.flush()
    w.put(Op("steps", [{"id": "z", "session_id": "s", "label": "later", "started": 3.0}]))
    w.close()
    assert w.failed is None and w.refused == 1 and w.written == 3
    assert {r["id"] for r in Database(path).table("steps").rows} == {"x", "y", "z"}
    saved = [json.loads(line) for line in Path(w.fallback_path).read_text().splitlines()]
    assert [(r["row"]["id"], "IntegrityError" in r["refused"]) for r in saved] == [("bad", True)]
    assert "steps row (id bad) was refused" in caplog.text and "yesterday" not in caplog.text


def test_failed_database_is_loud_and_nothing_is_lost(tmp_path, caplog):
    path = tmp_path / "a.sqlite"
    w = Writer(path, interval=0.01)
    w.put(Op("steps", [{"id": "x", "session_id": "s", "label": "ok", "started": 1.0}]))
    w.flush()
    # The database goes away under the writer (a table dropped stands in for a vanished or broken file).
    with sqlite3.connect(path) as other:
        for (view,) in other.execute("select name from sqlite_master where type = 'view'").fetchall():
            other.execute(f'drop view "{view}"')
        other.execute("drop table steps")
    w.put(Op("steps", [{"id": "y", "session_id": "s", "label": "after", "started": 2.0}]))
    w.flush()
    w.close()
    assert w.failed and "OperationalError" in w.failed
    assert "CANNOT WRITE" in caplog.text and str(w.fallback_path) in caplog.text
    saved = [json.loads(line) for line in Path(w.fallback_path).read_text().splitlines()]
    assert {r["row"]["id"] for r in saved} == {"y"}


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


# --- values from traffic that SQLite would refuse ---------------------------------------------------------------

from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

from tredjepart.store.storable import INT_MAX, INT_MIN, storable, storable_text  # noqa: E402

# Text as header values reach the store: any bytes decoded with surrogateescape, plus lone surrogates from JSON.
hostile_text = st.one_of(
    st.binary(max_size=60).map(lambda b: b.decode("utf-8", "surrogateescape")),
    st.text(alphabet=st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), max_size=5),
    st.text(max_size=40),
)
hostile_int = st.one_of(st.integers(), st.integers(min_value=2 ** 63 - 3, max_value=2 ** 200),
                        st.integers(min_value=-(2 ** 200), max_value=-(2 ** 63) + 3))


def test_storable_keeps_what_it_can():
    assert storable_text("caf\udce9") == "caf\\xe9"  # the byte 0xE9 that was not UTF-8
    assert storable_text("ok ø\u2603") == "ok ø\u2603"
    assert storable_text("\ud800x") == "\\ud800x"
    assert storable(10 ** 20) == INT_MAX and storable(-(10 ** 20)) == INT_MIN and storable(42) == 42
    assert storable(float("nan")) is None and storable(True) is True and storable(None) is None


@settings(max_examples=300, deadline=None)
@given(text=hostile_text, number=hostile_int)
def test_storable_values_always_bind(text, number):
    db = sqlite3.connect(":memory:")
    db.execute("create table t (s text, n integer) strict")
    db.execute("insert into t values (?, ?)", (storable(text), storable(number)))
    stored, n = db.execute("select s, n from t").fetchone()
    assert INT_MIN <= n <= INT_MAX and (n == number or abs(number) > INT_MAX)
    if not any(0xD800 <= ord(c) <= 0xDFFF for c in text):
        assert stored == text  # valid text is stored as it is


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(hostile_text, hostile_int, st.booleans()), min_size=1, max_size=12))
def test_writer_never_loses_a_batch_to_hostile_values(tmp_path_factory, rows):
    """Rows with hostile text and numbers, some of them refused outright (a type error): every other row of the
    batch is written, the refused ones are counted and set aside, and recording goes on."""
    path = tmp_path_factory.mktemp("w") / "a.sqlite"
    w = Writer(path, threaded=False)
    good = set()
    for i, (text, number, refuse) in enumerate(rows):
        w.put(Op("cookies", [{"id": f"c{i}", "flow_id": "f", "session_id": "s", "direction": "set",
                              "name": text or "n", "lifetime": "never" if refuse else number}]))
        if not refuse:
            good.add(f"c{i}")
    w.flush()
    w.close()
    assert w.failed is None and w.refused == len(rows) - len(good)
    assert {r["id"] for r in Database(path).table("cookies").rows} == good



# --- the database in trouble: locked, failing, full, read-only ------------------------------------------------

def _steps(n: int, start: int = 0) -> list[Op]:
    return [Op("steps", [{"id": f"s{i}", "session_id": "s", "label": f"step {i}", "started": float(i)}])
            for i in range(start, start + n)]


@pytest.mark.parametrize("threaded", [True, False], ids=["thread", "flush"])
def test_a_lock_is_waited_out_not_the_end_of_recording(tmp_path, threaded):
    """Another process holding the database locked past the wait used to end recording for good."""
    path = tmp_path / "a.sqlite"
    w = Writer(path, interval=0.05, threaded=threaded)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    for op in _steps(50):
        w.put(op)
    deadline = time.monotonic() + 15
    while w.waiting is None and time.monotonic() < deadline:
        w.flush(timeout=1)
    assert w.failed is None and w.waiting and "locked" in w.waiting and w.written == 0
    time.sleep(1.5)  # longer than one write's wait for the lock
    other.execute("COMMIT")
    other.close()
    for op in _steps(5, 50):
        w.put(op)
    assert w.flush(timeout=10)
    w.close()
    assert w.failed is None and w.waiting is None
    assert Database(path).table("steps").count == 55 and not Path(w.fallback_path).exists()


def test_a_failing_database_is_tried_again_and_recording_resumes(tmp_path, monkeypatch, caplog):
    import tredjepart.store.writer as writer

    monkeypatch.setattr(writer, "RETRY_SECONDS", 0.0)
    path = tmp_path / "a.sqlite"
    w = Writer(path, threaded=False)
    with sqlite3.connect(path) as other:
        for (view,) in other.execute("select name from sqlite_master where type = 'view'").fetchall():
            other.execute(f'drop view "{view}"')
        other.execute("alter table steps rename to steps_away")
    for op in _steps(3):
        w.put(op)
    w.flush()
    assert w.failed and "no such table" in w.failed
    with sqlite3.connect(path) as other:
        other.execute("alter table steps_away rename to steps")
    for op in _steps(2, 3):
        w.put(op)
    w.flush()
    w.close()
    assert w.failed is None and "recording into the database has resumed" in caplog.text
    assert Database(path).table("steps").count == 2
    assert len(Path(w.fallback_path).read_text().splitlines()) == 3  # the rest waits for `tredjepart recover`


def test_fallback_moves_on_when_its_folder_cannot_take_it(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    path = tmp_path / "a.sqlite"
    (tmp_path / "a.sqlite.unsaved.jsonl").mkdir()  # cannot be appended to
    w = Writer(path, threaded=False)
    w.put(Op("steps", [{"id": "bad", "session_id": "s", "label": "l", "started": "yesterday"}]))
    w.flush()
    w.close()
    moved = tmp_path / "state" / "tredjepart" / "a.sqlite.unsaved.jsonl"
    assert w.fallback_path == str(moved) and json.loads(moved.read_text())["row"]["id"] == "bad"
    assert f"unsaved records now go to {moved}" in caplog.text


@pytest.fixture
def tmpfs(tmp_path):
    """A small tmpfs (a disk that fills up, or is made read-only); skipped where this user cannot mount."""
    where = tmp_path / "disk"
    where.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(where)],
                      capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    yield where
    subprocess.run(["umount", "-l", str(where)], capture_output=True)


def test_full_disk_rows_go_elsewhere_and_nothing_is_lost(tmpfs, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    path = tmpfs / "a.sqlite"
    w = Writer(path, threaded=False)
    big = "x" * 2000
    n = 0
    while w.failed is None and n < 5000:
        w.put(Op("steps", [{"id": f"s{n}", "session_id": "s", "label": big, "started": 1.0}]))
        n += 1
        if n % 50 == 0:
            w.flush()
    w.flush()
    w.close()
    assert w.failed and "full" in w.failed, w.failed
    aside = [json.loads(line)["row"]["id"] for line in Path(w.fallback_path).read_text().splitlines()]
    assert str(tmp_path / "state") in w.fallback_path
    written = {r[0] for r in sqlite3.connect(path).execute("select id from steps")}
    assert written | set(aside) == {f"s{i}" for i in range(n)}


def test_read_only_database_is_refused_at_start_up(tmpfs):
    path = tmpfs / "a.sqlite"
    Writer(path).close()
    subprocess.run(["mount", "-o", "remount,ro", str(tmpfs)], check=True)
    with pytest.raises(ValueError, match="a.sqlite.*readonly|a.sqlite.*unable to open"):
        open_database(path)


def test_recover_puts_unsaved_rows_back_once(tmp_path):
    from click.testing import CliRunner

    from tredjepart.cli import main

    path = tmp_path / "a.sqlite"
    unsaved = tmp_path / "a.sqlite.unsaved.jsonl"
    lines = [json.dumps({"table": "steps", "replace": False,
                         "row": {"id": f"s{i}", "session_id": "s", "label": "l", "started": 1.0}}) for i in range(3)]
    log = ["[12:00:01] some terminal line", *lines[:2], "tredjepart-unsaved: " + lines[2], "{not json",
           json.dumps({"table": "nope", "row": {}}),
           json.dumps({"table": "steps", "row": {"id": "bad", "session_id": "s", "label": "l", "started": "x"}})]
    unsaved.write_text("\n".join(log) + "\n")
    first = CliRunner().invoke(main, ["recover", str(unsaved), "--db", str(path)])
    assert first.exit_code == 3, first.output
    assert "3 row(s) written" in first.output and "1 refused again" in first.output
    assert ":5: not JSON" in first.output and "unknown table 'nope'" in first.output
    again = CliRunner().invoke(main, ["recover", str(unsaved), "--db", str(path)])
    assert again.exit_code == 3 and Database(path).table("steps").count == 3
