"""`tredjepart merge`: one database from many testers' files, without duplicates, keys kept."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlite_utils import Database

from tredjepart.cli import main
from tredjepart.hashing import keyed_hash
from tredjepart.report.example import SESSION_ID, T0, build_example
from tredjepart.store.merge import NotATredjepartDatabase, merge
from tredjepart.store.db import read_key
from tredjepart.store.schema import table_columns

OTHER = "b" * 32


@pytest.fixture
def inputs(tmp_path):
    a, b = tmp_path / "anna.sqlite", tmp_path / "bo.sqlite"
    da, dbb = Database(a), Database(b)
    build_example(da)
    build_example(dbb, session_id=OTHER, t0=T0 + 3600, name="Bo, Android")
    keys = {p: (d.table("meta").get("key_id")["value"], read_key(d)[0]) for p, d in ((a, da), (b, dbb))}
    da.close()
    dbb.close()
    return a, b, keys


def _counts(db: Database) -> dict[str, int]:
    return {t: db.table(t).count for t in table_columns(db)}


def test_merge_keeps_ids_and_keys(tmp_path, inputs):
    a, b, keys = inputs
    out = tmp_path / "all.sqlite"
    result = merge(out, [a, b])
    assert result.sessions_added == 2
    db = Database(out)
    sessions = {r["id"]: r for r in db.table("sessions").rows}
    assert set(sessions) == {SESSION_ID, OTHER}
    assert sessions[SESSION_ID]["key_id"] == keys[a][0] and sessions[OTHER]["key_id"] == keys[b][0]
    meta = {r["key"]: r["value"] for r in db.table("meta").rows}
    assert meta[f"hmac_key:{keys[a][0]}"] == keys[a][1].hex()
    assert meta[f"hmac_key:{keys[b][0]}"] == keys[b][1].hex()
    assert meta["hmac_key"] not in (keys[a][1].hex(), keys[b][1].hex())  # OUT keeps its own key
    # a value hashed in Anna's session can still be compared, with Anna's key
    row = db.execute("select value_hash from cookies where session_id = ? and name = '_sp_id' and direction = 'set'",
                     [SESSION_ID]).fetchone()
    key = bytes.fromhex(meta[f"hmac_key:{sessions[SESSION_ID]['key_id']}"])
    assert row[0] == keyed_hash(key, "a8f3k2l9q0x7m1")
    counts = _counts(db)
    assert counts["flows"] == 2 * Database(a).table("flows").count
    assert set(db.view_names()) >= {"third_parties_per_session", "uncovered_flows", "cookies_by_lifetime"}


def test_merging_again_adds_nothing(tmp_path, inputs):
    a, b, _ = inputs
    out = tmp_path / "all.sqlite"
    merge(out, [a, b])
    before = _counts(Database(out))
    again = merge(out, [b, a, a])
    assert again.sessions_added == 0 and not any(again.rows_added.values())
    assert _counts(Database(out)) == before


def test_a_later_copy_fills_in_the_session(tmp_path, inputs):
    a, _, _ = inputs
    early = tmp_path / "early.sqlite"
    d = Database(early)
    build_example(d)
    d.execute("update sessions set ended = null")
    d.execute("update findings set count = 1")
    d.conn.commit()
    d.close()
    out = tmp_path / "all.sqlite"
    merge(out, [early, a])
    db = Database(out)
    assert db.table("sessions").get(SESSION_ID)["ended"] == T0 + 420
    assert db.execute("select max(count) from findings").fetchone()[0] > 1


def test_refuses_what_is_not_a_tredjepart_database(tmp_path, inputs):
    a, _, _ = inputs
    text = tmp_path / "notes.sqlite"
    text.write_text("hello")
    other = tmp_path / "other.sqlite"
    Database(other).table("things").insert({"x": 1})
    out = tmp_path / "all.sqlite"
    for bad, words in ((text, "not an SQLite database"), (other, "not a tredjepart database"),
                       (tmp_path / "missing.sqlite", "no such database file")):
        with pytest.raises(NotATredjepartDatabase, match=words):
            merge(out, [a, bad])
        assert not out.exists()  # checked before anything is written
        r = CliRunner().invoke(main, ["merge", str(out), str(a), str(bad)])
        assert r.exit_code == 2 and words in r.output, r.output
    with pytest.raises(NotATredjepartDatabase, match="output file itself"):
        merge(a, [a])


def test_cli(tmp_path, inputs):
    a, b, _ = inputs
    out = tmp_path / "all.sqlite"
    r = CliRunner().invoke(main, ["merge", str(out), str(a), str(b)])
    assert r.exit_code == 0, r.output
    assert "2 new session(s)" in r.output
    r = CliRunner().invoke(main, ["merge", str(out), str(a)])
    assert r.exit_code == 0 and "0 new session(s); added nothing new" in r.output
    r = CliRunner().invoke(main, ["report", str(out), "--format", "json"])
    assert r.exit_code == 0 and '"sessions": 2' in r.output
