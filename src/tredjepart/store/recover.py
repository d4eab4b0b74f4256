"""Putting unsaved rows back: the lines store.fallback wrote while the database could not take them.

Each line names its table and row; rows are written as the writer would have (sessions and findings replace,
everything else is kept once), so recovering the same file twice adds nothing. A line that is not an unsaved row
is reported with its number; a row the database refuses again is set aside once more, beside the target.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from tredjepart.store.db import TABLES, table_names
from tredjepart.store.fallback import read_entries
from tredjepart.store.writer import Op, Writer

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class Recovered:
    written: int = 0
    refused: int = 0
    problems: list[str] = field(default_factory=list)  # "LINE: why", for lines that are no unsaved row
    aside: str | None = None  # where refused rows went


def recover(source: str | Path, db: str | Path) -> Recovered:
    """Write the unsaved rows of ``source`` into the database ``db`` (created when missing)."""
    source = Path(source)
    with source.open("rb") as f:
        lines = sum(1 for _ in f)  # only what is there now: refused rows may be appended to the same file
    writer = Writer(db, threaded=False)
    known = table_names(writer.path) or set(TABLES)
    out = Recovered()
    try:
        for number, entry, problem in read_entries(source):
            if number > lines:
                break
            if entry is not None and entry["table"] not in known:
                problem = f"unknown table {entry['table']!r}"
            if problem is not None:
                out.problems.append(f"{source}:{number}: {problem}")
                continue
            writer.put(Op(entry["table"], [entry["row"]], bool(entry.get("replace"))))
            if number % 5000 == 0:
                writer.flush()
        writer.flush()
    finally:
        writer.close()
    if writer.failed:
        raise ValueError(f"{db}: {writer.failed}")
    out.written, out.refused = writer.written, writer.refused
    out.aside = writer.fallback_path if writer.refused else None
    return out
