"""Where rows go that the database cannot take, and how they come back.

Rows the database refused (a constraint, a type) and batches it could not take at all (disk full, file gone,
read-only) are appended as JSON lines to ``<db>.unsaved.jsonl`` beside the database. When that cannot be written
either (the same full disk, a read-only folder), the next place that can is used: ``$XDG_STATE_HOME/tredjepart``
(``~/.local/state/tredjepart``), then the system's temporary folder; as a last resort the lines go to stderr,
prefixed ``tredjepart-unsaved:``, where a terminal log keeps them. Every move is logged with the new place.

``tredjepart recover FILE --db DB`` (store.recover) puts the rows back into a database.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from tredjepart.store.db import fallback_path

logger = logging.getLogger(__name__)

STDERR = "stderr"
PREFIX = "tredjepart-unsaved: "


def candidates(db_path: str | Path) -> list[Path]:
    """The places unsaved rows of ``db_path`` may go, in order of preference."""
    beside = fallback_path(db_path)
    state = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state") / "tredjepart"
    return [beside, state / beside.name, Path(tempfile.gettempdir()) / f"tredjepart-{beside.name}"]


class Fallback:
    """Appends entries to the first place that takes them, and remembers it (``where``)."""

    def __init__(self, db_path: str | Path) -> None:
        self.places = candidates(db_path)
        self.where: str = str(self.places[0])
        self.saved = 0  # entries written aside

    def save(self, entries: list[dict]) -> str:
        """Append ``entries``; returns where they went (a path, or "stderr")."""
        if not entries:
            return self.where
        lines = "".join(json.dumps(e) + "\n" for e in entries)
        for place in self.places[self.places.index(Path(self.where)) if self.where != STDERR else len(self.places):]:
            try:
                place.parent.mkdir(parents=True, exist_ok=True)
                with place.open("a", encoding="utf-8") as f:
                    f.write(lines)
                    f.flush()
                    os.fsync(f.fileno())
            except OSError as e:
                logger.critical("tredjepart: cannot save unsaved records to %s either (%s)", place, e)
                continue
            if str(place) != self.where:
                logger.critical("tredjepart: unsaved records now go to %s", place)
            self.where = str(place)
            self.saved += len(entries)
            return self.where
        if self.where != STDERR:
            logger.critical("tredjepart: no folder takes the unsaved records: they go to stderr, prefixed %r",
                            PREFIX)
        self.where = STDERR
        sys.stderr.write("".join(PREFIX + line for line in lines.splitlines(keepends=True)))
        sys.stderr.flush()
        self.saved += len(entries)
        return STDERR


def read_entries(path: str | Path) -> Iterator[tuple[int, dict | None, str | None]]:
    """(line number, entry, problem) for every line of a fallback file (or a log with prefixed lines)."""
    with Path(path).open(encoding="utf-8", errors="surrogateescape") as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if line.startswith(PREFIX):
                line = line[len(PREFIX):]
            elif not line.startswith("{"):
                continue  # other lines of a terminal log
            try:
                entry = json.loads(line)
            except ValueError as e:
                yield number, None, f"not JSON ({e})"
                continue
            if not isinstance(entry, dict) or not isinstance(entry.get("table"), str) or \
                    not isinstance(entry.get("row"), dict):
                yield number, None, "not an unsaved row (needs 'table' and 'row')"
                continue
            yield number, entry, None
