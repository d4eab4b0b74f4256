"""Flat files for spreadsheets: one table (or view) of the database as CSV or JSON.

``meta`` is never exported: it holds the hashing key, which is as confidential as the audit. CSV cells that a
spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return; a cookie
name from traffic can be ``=HYPERLINK(...)``) get a leading apostrophe, the usual CSV-injection guard.

Times are stored as seconds since the epoch, which no spreadsheet reads as a time: every time column (``started``,
``ended``, ``first_seen``, ``last_seen``, ``time``) is followed by its UTC text twin ``<column>_utc``
(``2025-11-03 09:00:02``, SQLite's ``datetime(..., 'unixepoch')``), unless the view already has one.
"""

from __future__ import annotations

import csv
import json
from typing import TextIO

from sqlite_utils import Database

FORMATS = ("csv", "json")
NOT_EXPORTED = ("meta",)
TIME_COLUMNS = ("started", "ended", "first_seen", "last_seen", "time")  # REAL seconds since the epoch (schema.md)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def exportable(db: Database) -> list[str]:
    """Tables and views that can be exported, in name order."""
    names = [t for t in db.table_names() if not t.startswith(("_", "sqlite_")) and t not in NOT_EXPORTED]
    return sorted(names + db.view_names())


def _cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def with_utc_twins(columns: list[str]) -> tuple[list[str], str]:
    """The exported column names and the SELECT list: each time column followed by its ``_utc`` text twin."""
    names, select = [], []
    for c in columns:
        names.append(c)
        select.append(_quote(c))
        if c in TIME_COLUMNS and f"{c}_utc" not in columns:
            names.append(f"{c}_utc")
            select.append(f"datetime({_quote(c)}, 'unixepoch') AS {_quote(c + '_utc')}")
    return names, ", ".join(select)


def _quote(name: str) -> str:
    """An SQL identifier (names come from the database, which may come from anywhere)."""
    return '"' + name.replace('"', '""') + '"'


def export_table(db: Database, table: str, fmt: str, out: TextIO, session: str | None = None) -> int:
    """Write ``table`` (all rows, or one session's) to ``out``; returns the number of rows.

    ValueError for an unknown table (the message lists the valid ones), an unknown format, or a session filter
    on a table without ``session_id``.
    """
    valid = exportable(db)
    if table not in valid:
        hint = " (it holds the hashing key)" if table in NOT_EXPORTED else ""
        raise ValueError(f"cannot export table {table!r}{hint}; valid tables: {', '.join(valid)}")
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r} (choose one of: {', '.join(FORMATS)})")
    stored = [c.name for c in (db.table(table) if table in db.table_names() else db.view(table)).columns]
    columns, select = with_utc_twins(stored)
    sql, args = f"select {select} from {_quote(table)}", []
    if session is not None:
        if "session_id" not in stored:
            raise ValueError(f"table {table!r} has no session_id column; export it without --session")
        sql, args = sql + " where session_id = ?", [session]
    if table in db.table_names():
        sql += " order by rowid"
    rows = db.execute(sql, args)
    n = 0
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_cell(v) for v in row])
            n += 1
        return n
    out.write("[")
    for row in rows:
        out.write(",\n  " if n else "\n  ")
        out.write(json.dumps(dict(zip(columns, row)), ensure_ascii=False))
        n += 1
    out.write("\n]\n" if n else "]\n")
    return n
