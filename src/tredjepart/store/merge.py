"""Merging testers' databases into one: sessions keep their ids, nothing is duplicated, hashes stay comparable.

Every id in a tredjepart database is stable text, so merging is ``INSERT OR IGNORE`` table by table (sessions and
findings, which change while a session runs, are upserted: the more complete copy wins). Merging the same file
twice adds nothing. Each input's hashing key moves along into OUT's ``meta`` as ``hmac_key:<key_id>``, and every
session names its key in ``sessions.key_id``, so the cookie hashes of one session can still be compared with each
other; OUT keeps its own ``hmac_key`` for what is recorded into it later.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlite_utils import Database

from tredjepart.store.db import NotATredjepartDatabase, open_database, open_readonly, read_key
from tredjepart.store.schema import table_columns
from tredjepart.store.views import create_views

logger = logging.getLogger(__name__)

FIRST = ("sessions", "steps", "flows")  # copied first so that rows referring to them come after


@dataclass(slots=True)
class MergeResult:
    out: Path
    inputs: list[Path]
    sessions_added: int = 0
    rows_added: dict[str, int] = field(default_factory=dict)
    keys: list[str] = field(default_factory=list)  # key ids now in OUT's meta


def check_input(path: Path) -> tuple[str, str]:
    """(key_id, key hex) of the tredjepart database at ``path``; NotATredjepartDatabase otherwise."""
    db = open_readonly(path)
    try:
        key, key_id = read_key(db)
    finally:
        db.close()
    return key_id, key.hex()


def merge(out: str | Path, inputs: Sequence[str | Path]) -> MergeResult:
    """Merge ``inputs`` into ``out`` (created and migrated when missing). Every input is checked before anything
    is written; NotATredjepartDatabase names the first bad one."""
    out = Path(out)
    paths = [Path(p) for p in inputs]
    keys = []
    for p in paths:
        if out.exists() and p.exists() and p.resolve() == out.resolve():
            raise NotATredjepartDatabase(f"{p}: is the output file itself; name another output")
        keys.append(check_input(p))
    db = open_database(out)
    result = MergeResult(out, paths)
    try:
        create_views(db)
        for path, (kid, key) in zip(paths, keys):
            _merge_one(db, path, kid, key, result)
        result.keys = [r["key"].split(":", 1)[1] for r in db.query("select key from meta where key like 'hmac_key:%'")]
    finally:
        db.close()
    return result


def _columns(db: Database, schema: str, table: str) -> list[str]:
    return [r[1] for r in db.execute(f'PRAGMA "{schema}".table_info("{table}")').fetchall()]


def _merge_one(db: Database, path: Path, kid: str, key: str, result: MergeResult) -> None:
    out_tables = table_columns(db)
    db.execute("ATTACH DATABASE ? AS src", [str(path.resolve())])  # a plain path: URI support depends on the build
    try:
        src_tables = {r[0] for r in db.execute("select name from src.sqlite_master where type = 'table'")}
        order = [t for t in FIRST if t in out_tables] + [t for t in out_tables if t not in FIRST and t != "meta"]
        with db.conn:
            db.execute("INSERT OR IGNORE INTO main.meta (key, value) VALUES (?, ?)", [f"hmac_key:{kid}", key])
            db.execute("INSERT OR IGNORE INTO main.meta (key, value) "
                       "SELECT key, value FROM src.meta WHERE key LIKE 'hmac_key:%'")
            for table in order:
                if table not in src_tables:
                    continue
                src_cols = set(_columns(db, "src", table))
                cols = [c for c in out_tables[table] if c in src_cols]
                extra = sorted(src_cols - set(out_tables[table]))
                if extra:
                    logger.warning("tredjepart: %s: %s columns %s are newer than this version; not merged",
                                   path, table, ", ".join(extra))
                before = db.execute(f'select count(*) from main."{table}"').fetchone()[0]
                db.execute(_insert_sql(table, cols), [kid] if table == "sessions" else [])
                added = db.execute(f'select count(*) from main."{table}"').fetchone()[0] - before
                result.rows_added[table] = result.rows_added.get(table, 0) + added
                if table == "sessions":
                    result.sessions_added += added
            for table in sorted(src_tables - set(out_tables) - {"_sqlite_migrations"}):
                logger.warning("tredjepart: %s: table %s is unknown to this version; not merged", path, table)
    finally:
        db.execute("DETACH DATABASE src")


def _insert_sql(table: str, cols: list[str]) -> str:
    names = ", ".join(f'"{c}"' for c in cols)
    select = ", ".join(f'coalesce("{c}", ?)' if (table, c) == ("sessions", "key_id") else f'"{c}"' for c in cols)
    sql = f'INSERT INTO main."{table}" ({names}) SELECT {select} FROM src."{table}" WHERE true'
    if table == "sessions":  # a copy taken later knows more (its end, device, policy): fill in what is missing
        updates = ", ".join(f'"{c}" = coalesce(excluded."{c}", "{c}")' for c in cols if c != "id")
        return f"{sql} ON CONFLICT(id) DO UPDATE SET {updates}"
    if table == "findings":  # the copy that saw more occurrences wins
        updates = ", ".join(f'"{c}" = excluded."{c}"' for c in cols if c != "id")
        return f'{sql} ON CONFLICT(id) DO UPDATE SET {updates} WHERE excluded."count" > "count"'
    return sql.replace("INSERT INTO", "INSERT OR IGNORE INTO", 1)
