"""The only code that writes the database: one background thread, batched transactions, WAL.

The proxy's event loop only puts operations on a queue (``put``) and never waits on SQLite. The thread drains the
queue and writes everything it got in one transaction, at most ``interval`` seconds apart, so a hard kill loses at
most about that much; WAL keeps the file consistent. ``close`` flushes everything queued.

Every value is made storable first (store.storable: undecodable bytes escaped, oversized integers clamped). A row
the database still refuses (a constraint, a type) is isolated: the batch is written again row by row, the refused
row is logged (table and id, never its values), counted in ``refused`` and appended to ``<db>.unsaved.jsonl`` with
the reason, and every other row is written. One hostile record never takes its batch down.

When the database itself fails (disk full, file deleted, locked too long), the batch is appended to
``<db>.unsaved.jsonl`` beside the database so nothing recorded is lost, the failure is logged as an error, and
``failed`` tells the addon to stop recording visibly. Later operations go to the same fallback file.
"""

from __future__ import annotations

import functools
import json
import logging
import queue
import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path

from sqlite_utils import Database

from tredjepart.store.db import fallback_path, open_database
from tredjepart.store.storable import storable_row

logger = logging.getLogger(__name__)

_STOP = object()

# Errors that belong to a row (its values), not to the database: the row is refused, the others are written.
ROW_ERRORS = (sqlite3.IntegrityError, sqlite3.InterfaceError, sqlite3.ProgrammingError, OverflowError, ValueError,
              TypeError)


@dataclass(slots=True)
class Op:
    """Insert or upsert ``rows`` into ``table``; ``replace`` for rows that change (sessions, findings)."""

    table: str
    rows: list[dict]
    replace: bool = False
    reason: str | None = None  # why the database refused these rows (set aside in the fallback file)


@dataclass(slots=True)
class _Flush:
    done: threading.Event = field(default_factory=threading.Event)


class Writer:
    """Batched writes from a background thread; or, with ``threaded=False`` (a process that has no event loop to
    spare, like the recording worker), batched writes on ``flush`` in the caller's thread: no second thread to
    trade the GIL with."""

    def __init__(self, path: str | Path, *, interval: float = 0.5, max_batch: int = 5000,
                 threaded: bool = True) -> None:
        self.path = Path(path)
        self.interval = interval
        self.max_batch = max_batch
        self.failed: str | None = None  # why writing stopped, once it has
        self.written = 0  # rows committed
        self.refused = 0  # rows the database refused (isolated into the fallback file, with the reason)
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._wake = threading.Event()
        self._held: list[Op] | None = None
        db = open_database(self.path)  # opened here so that a bad path fails at start-up, not in the thread
        if not threaded:
            self._db, self._held, self._thread = db, [], None
            return
        db.close()
        self._thread = threading.Thread(target=self._run, name="tredjepart-writer", daemon=True)
        self._thread.start()

    @property
    def fallback_path(self) -> Path:
        return fallback_path(self.path)

    def put(self, op: Op | list[Op]) -> None:
        """Queue one operation or a list of them (one flow's records); never blocks."""
        if self._held is not None:
            if isinstance(op, list):
                self._held.extend(op)
            else:
                self._held.append(op)
        else:
            self._queue.put(op)

    def flush(self, timeout: float = 30.0) -> bool:
        """Wait until everything queued so far is committed (tests, commands, shutdown)."""
        if self._held is not None:
            batch, self._held = self._held, []
            if batch:
                self._write(self._db, batch)
            return True
        marker = _Flush()
        self._queue.put(marker)
        self._wake.set()
        return marker.done.wait(timeout)

    def close(self, timeout: float = 60.0) -> None:
        if self._held is not None:
            self.flush()
            self._db.close()
            return
        if self._thread.is_alive():
            self._queue.put(_STOP)
            self._wake.set()
            self._thread.join(timeout)

    def _run(self) -> None:
        # The thread wakes once per interval (or when flushed), not once per record: every wake-up would take
        # the GIL from the proxy's event loop.
        db = open_database(self.path)
        stop = False
        while not stop:
            self._wake.wait(self.interval)
            self._wake.clear()
            batch: list[Op] = []
            markers: list[_Flush] = []
            while True:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    stop = True
                    break
                if isinstance(item, _Flush):
                    markers.append(item)
                    break  # commit what came before the marker, then release its waiter
                if isinstance(item, list):
                    batch.extend(item)
                else:
                    batch.append(item)
                if len(batch) >= self.max_batch:
                    self._wake.set()  # more is waiting: come straight back
                    break
            if batch:
                self._write(db, batch)
            for m in markers:
                m.done.set()
            if markers:
                self._wake.set()  # there may be more behind the marker
        db.close()

    def _write(self, db: Database, batch: list[Op]) -> None:
        if self.failed is None:
            groups = _grouped(batch)
            try:
                try:
                    with db.conn:  # one transaction for the whole batch
                        for (table, replace, columns), values in groups.items():
                            per = max(1, min(500, 30000 // len(columns)))
                            for i in range(0, len(values), per):
                                chunk = values[i:i + per]
                                db.conn.execute(_insert_sql(table, columns, replace, len(chunk)),
                                                [v for row in chunk for v in row])
                    self.written += sum(len(values) for values in groups.values())
                except ROW_ERRORS:  # a row the database refuses: write them one by one, isolating it
                    self._write_rows(db, groups)
                return
            except Exception as e:  # noqa: BLE001 - any failure means the evidence is not saved
                self.failed = f"{type(e).__name__}: {e}"
                logger.error(
                    "tredjepart: CANNOT WRITE %s (%s). Recording has stopped; "
                    "what was queued is saved to %s",
                    self.path,
                    self.failed,
                    self.fallback_path,
                )
        self._save_fallback(batch)

    def _write_rows(self, db: Database, groups: dict) -> None:
        """The batch again, row by row in one transaction; a refused row is logged, counted and set aside."""
        refused: list[Op] = []
        with db.conn:
            for (table, replace, columns), values in groups.items():
                sql = _insert_sql(table, columns, replace, 1)
                for row in values:
                    try:
                        db.conn.execute(sql, row)
                        self.written += 1
                    except ROW_ERRORS as e:  # the statement is undone; the transaction goes on
                        reason = f"{type(e).__name__}: {e}"
                        row_id = row[columns.index("id")] if "id" in columns else "?"
                        logger.warning("tredjepart: a %s row (id %s) was refused and set aside in %s: %s",
                                       table, row_id, self.fallback_path, reason)
                        refused.append(Op(table, [dict(zip(columns, row))], replace, reason))
        self.refused += len(refused)
        if refused:
            self._save_fallback(refused)

    def _save_fallback(self, batch: list[Op]) -> None:
        try:
            with self.fallback_path.open("a", encoding="utf-8") as f:
                for op in batch:
                    for row in op.rows:
                        entry = {"table": op.table, "replace": op.replace, "row": row}
                        if op.reason:
                            entry["refused"] = op.reason
                        f.write(json.dumps(entry) + "\n")
        except OSError as e:
            logger.critical("tredjepart: could not save unsaved records to %s either: %s", self.fallback_path, e)


def _grouped(batch: list[Op]) -> dict[tuple[str, bool, tuple[str, ...]], list[tuple]]:
    """All rows of a batch by (table, replace, column set), in order, as value tuples."""
    groups: dict[tuple[str, bool, tuple[str, ...]], list[tuple]] = {}
    for op in batch:
        for row in op.rows:
            groups.setdefault((op.table, op.replace, tuple(row)), []).append(storable_row(row.values()))
    return groups


@functools.lru_cache(maxsize=1024)
def _insert_sql(table: str, columns: tuple[str, ...], replace: bool, rows: int) -> str:
    # Many rows per statement: the sqlite3 module releases the GIL around every statement step, and each release
    # lets the proxy's event loop and this thread trade the GIL; one step per few hundred rows keeps that rare.
    # Ids are stable, so a repeated record is ignored, and a record that changes (sessions, findings) replaces
    # (rows of one statement apply in order: the last version wins).
    verb = "INSERT OR REPLACE" if replace else "INSERT OR IGNORE"
    cols = ", ".join(f'"{c}"' for c in columns)
    one = "(" + ", ".join("?" * len(columns)) + ")"
    return f'{verb} INTO "{table}" ({cols}) VALUES {", ".join([one] * rows)}'
