"""The only code that writes the database: batched transactions, WAL, from a thread of its own or on ``flush``.

The proxy's event loop only puts operations on a queue (``put``) and never waits on SQLite. The thread drains the
queue and writes everything it got in one transaction, at most ``interval`` seconds apart, so a hard kill loses at
most about that much; WAL keeps the file consistent. ``close`` flushes everything queued.

Every value is made storable first (store.storable: undecodable bytes escaped, oversized integers clamped). A row
the database still refuses (a constraint, a type) is isolated: the batch is written again row by row, the refused
row is logged (table and id, never its values), counted in ``refused`` and set aside with the reason
(store.fallback), and every other row is written. One hostile record never takes its batch down.

What goes wrong with the database itself never ends recording for good:

- locked by another process: the batch is kept and tried again at the next interval (``waiting`` says so); past
  ``RETRY_ROWS`` waiting rows the oldest are set aside, so memory stays bounded;
- anything else (disk full, file deleted, read-only): the batch is set aside, ``failed`` says why (the proxy marks
  flows "NOT RECORDED" and says where they went), and the database is tried again every ``RETRY_SECONDS``; when it
  takes rows again, ``failed`` clears and recording resumes.
"""

from __future__ import annotations

import functools
import logging
import queue
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlite_utils import Database

from tredjepart.store.db import open_database
from tredjepart.store.fallback import Fallback
from tredjepart.store.storable import storable_row

logger = logging.getLogger(__name__)

_STOP = object()
RETRY_SECONDS = 5.0  # a failing database is tried again this often
RETRY_ROWS = 200_000  # rows kept for a locked database, at most
BUSY_MS = 1000  # how long one write waits for a lock (then the batch waits for the next interval)

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
        self.waiting: str | None = None  # why rows are waiting (a lock), while they are
        self.fallback = Fallback(self.path)
        self._retry: list[Op] = []  # a batch a lock held back
        self._retry_rows = 0
        self._next_try = 0.0
        self._told = 0.0
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._wake = threading.Event()
        self._held: list[Op] | None = None
        db = open_database(self.path)  # opened here so that a bad path fails at start-up, not in the thread
        if not threaded:
            self._db, self._held, self._thread = _writing(db), [], None
            return
        db.close()
        self._thread = threading.Thread(target=self._run, name="tredjepart-writer", daemon=True)
        self._thread.start()

    @property
    def fallback_path(self) -> str:
        """Where rows that could not be written went (or would go)."""
        return self.fallback.where

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
            if batch or self._retry:
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
        db = _writing(open_database(self.path))
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
            if batch or self._retry:
                self._write(db, batch)
            for m in markers:
                m.done.set()
            if markers:
                self._wake.set()  # there may be more behind the marker
        db.close()

    def _write(self, db: Database, batch: list[Op]) -> None:
        if self._retry:
            batch, self._retry, self._retry_rows = self._retry + batch, [], 0
        if self.failed is not None and time.monotonic() < self._next_try:
            self._save_fallback(batch)
            return
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
        except sqlite3.OperationalError as e:
            if "locked" in str(e) or "busy" in str(e):
                self._hold(batch, e)
                return
            self._fail(batch, e)
            return
        except Exception as e:  # noqa: BLE001 - any failure means the evidence is not saved in the database
            self._fail(batch, e)
            return
        if self.failed is not None or self.waiting is not None:
            logger.warning("tredjepart: writing %s again: recording into the database has resumed", self.path)
        self.failed = self.waiting = None

    def _hold(self, batch: list[Op], e: Exception) -> None:
        """A lock: keep the batch for the next try (the oldest rows set aside past RETRY_ROWS)."""
        self.waiting = f"the database is locked by another process ({e}); retrying"
        self._retry = batch
        self._retry_rows = sum(len(op.rows) for op in batch)
        while self._retry_rows > RETRY_ROWS and len(self._retry) > 1:
            op = self._retry.pop(0)
            self._retry_rows -= len(op.rows)
            self._save_fallback([op])
        if time.monotonic() - self._told > 10:
            self._told = time.monotonic()
            logger.warning("tredjepart: %s is locked by another process; %d rows wait to be written",
                           self.path, self._retry_rows)

    def _fail(self, batch: list[Op], e: Exception) -> None:
        if self.failed is None:
            logger.error("tredjepart: CANNOT WRITE %s (%s: %s); what is recorded is saved to %s until it can "
                         "be written again", self.path, type(e).__name__, e, self.fallback.where)
        self.failed = f"{type(e).__name__}: {e}"
        self._next_try = time.monotonic() + RETRY_SECONDS
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
                        _say("tredjepart: a %s row (id %s) was refused and set aside in %s: %s",
                             table, row_id, self.fallback_path, reason)
                        refused.append(Op(table, [dict(zip(columns, row))], replace, reason))
        self.refused += len(refused)
        if refused:
            self._save_fallback(refused)

    def _save_fallback(self, batch: list[Op]) -> None:
        self.fallback.save([{"table": op.table, "replace": op.replace, "row": row,
                             **({"refused": op.reason} if op.reason else {})} for op in batch for row in op.rows])


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
    # (rows of one statement apply in order: the last version wins). ON CONFLICT DO NOTHING, not INSERT OR
    # IGNORE: OR IGNORE also drops, without a word, a row that breaks a NOT NULL or CHECK constraint; the upsert
    # clause ignores only a repeated id, so such a row fails, is isolated and set aside (_write_rows).
    cols = ", ".join(f'"{c}"' for c in columns)
    one = "(" + ", ".join("?" * len(columns)) + ")"
    values = ", ".join([one] * rows)
    if replace:
        return f'INSERT OR REPLACE INTO "{table}" ({cols}) VALUES {values}'
    return f'INSERT INTO "{table}" ({cols}) VALUES {values} ON CONFLICT DO NOTHING'


def _writing(db: Database) -> Database:
    """The writer's connection: a short wait for locks (a longer one would stall recording; the batch is kept)."""
    db.execute(f"PRAGMA busy_timeout = {BUSY_MS}")
    return db


def _say(message: str, *args) -> None:
    """A warning that can never stop the writer: a log handler that fails (one that hands records to an event
    loop already closed) must not make a good batch look unwritable."""
    try:
        logger.warning(message, *args)
    except Exception:  # noqa: BLE001
        pass
