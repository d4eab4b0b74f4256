"""Opening a tredjepart database: the one place that knows the file's header, its tables, the migration set and
where unsaved rows go.

``open_database`` opens read-write (created and migrated when needed, WAL); ``open_readonly`` opens an existing
database for reading only (reports, diff, merge inputs) after checking that it is one. Every other module gets its
connection from here.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlite_utils import Database

from tredjepart.store.schema import MIGRATIONS, migrate

SQLITE_HEADER = b"SQLite format 3\x00"
MIGRATION_SET = MIGRATIONS.name
# The tables every tredjepart database has (later migrations add more; see store.schema.table_columns).
TABLES = ("meta", "sessions", "steps", "flows", "cookies", "scripts", "findings")


class NotATredjepartDatabase(ValueError):
    """A file that is missing, not SQLite, or not made by tredjepart; the message starts with its path."""


def fallback_path(db_path: str | Path) -> Path:
    """Where rows go that could not be written into ``db_path``: ``<db>.unsaved.jsonl`` beside it."""
    path = Path(db_path)
    return path.with_name(path.name + ".unsaved.jsonl")


def open_database(path: str | Path) -> Database:
    """Open (creating and migrating) a tredjepart database in WAL mode; ValueError naming the file otherwise."""
    path = Path(path)
    if path.parent and not path.parent.exists():
        raise ValueError(f"{path}: folder {path.parent} does not exist")
    try:
        db = Database(path)
        db.enable_wal()
        db.execute("PRAGMA busy_timeout = 5000")
        db.execute("PRAGMA synchronous = NORMAL")
        migrate(db)
        _can_write(db)
    except Exception as e:
        raise ValueError(f"{path}: cannot open as a tredjepart database: {e}") from e
    return db


def _can_write(db: Database) -> None:
    """Fail now, not at the first flow, when the database cannot be written (a read-only file, folder or disk).
    A lock held by another process is no reason not to start: the writer waits for it."""
    try:
        with db.conn:
            db.execute("UPDATE meta SET value = value WHERE key = 'key_id'")
    except sqlite3.OperationalError as e:
        if "locked" not in str(e) and "busy" not in str(e):
            raise


def table_names(path: str | Path) -> set[str]:
    """The tables of the tredjepart database at ``path`` (created and migrated when missing)."""
    db = open_database(path)
    try:
        return {t for t in db.table_names() if not t.startswith(("_", "sqlite_"))}
    finally:
        db.close()


def read_key(db: Database) -> tuple[bytes, str]:
    """The database's hashing key and its public id."""
    meta = dict(db.execute("select key, value from meta where key in ('hmac_key', 'key_id')").fetchall())
    return bytes.fromhex(meta["hmac_key"]), meta["key_id"]


def open_readonly(path: str | Path) -> Database:
    """Open an existing tredjepart database for reading only; NotATredjepartDatabase naming the file otherwise."""
    path = Path(path)
    if not path.is_file():
        raise NotATredjepartDatabase(f"{path}: no such database file")
    with path.open("rb") as f:
        if f.read(16) != SQLITE_HEADER:
            raise NotATredjepartDatabase(f"{path}: not an SQLite database, so not a tredjepart database")
    conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
    try:
        check(conn)
    except sqlite3.DatabaseError as e:
        conn.close()
        raise NotATredjepartDatabase(f"{path}: cannot read as a tredjepart database: {e}") from e
    except NotATredjepartDatabase as e:
        conn.close()
        raise NotATredjepartDatabase(f"{path}: {e}") from None
    return Database(conn)


def check(conn: sqlite3.Connection) -> None:
    """Raise NotATredjepartDatabase unless ``conn`` has tredjepart's tables, migrations and hashing key."""
    tables = {r[0] for r in conn.execute("select name from sqlite_master where type = 'table'")}
    missing = [t for t in TABLES if t not in tables]
    if missing:
        raise NotATredjepartDatabase(f"not a tredjepart database (no table {', '.join(missing)})")
    if "_sqlite_migrations" not in tables or not conn.execute(
            "select 1 from _sqlite_migrations where migration_set = ?", [MIGRATION_SET]).fetchone():
        raise NotATredjepartDatabase("not a tredjepart database (no tredjepart migrations)")
    keys = {r[0] for r in conn.execute("select key from meta where key in ('hmac_key', 'key_id')")}
    if keys != {"hmac_key", "key_id"}:
        raise NotATredjepartDatabase("not a tredjepart database (no hashing key in meta)")
