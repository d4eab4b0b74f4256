"""Reports from a tredjepart database: Markdown, HTML and JSON, plus diff, export and the draft policy.

A report never touches mitmproxy: it is SQL (``queries``) into a plain model (``model``), rendered by
``markdown``, ``html`` or ``json_report``. It works offline and only reads the database, opened by
``store.open_readonly`` (merging databases is the store's: ``store.merge``). ``draft`` lives here
too: a draft policy is one more reading of a recorded session.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from sqlite_utils import Database

from tredjepart.report.model import Report, build_report
from tredjepart.report.queries import Selection, SelectionError, choose_sessions
from tredjepart.store.db import open_readonly

logger = logging.getLogger(__name__)

FORMATS = ("md", "html", "json")

__all__ = ["FORMATS", "Report", "Selection", "SelectionError", "build_json", "build_report", "choose_sessions",
           "render", "write_report"]


def _db(db: Database | str | Path) -> tuple[Database, bool]:
    return (db, False) if isinstance(db, Database) else (open_readonly(db), True)


def render(report: Report, fmt: str = "md", lang: str = "da") -> str:
    """The report in ``fmt`` (md, html or json)."""
    if fmt == "json":
        from tredjepart.report.json_report import dumps

        return dumps(report)
    if fmt == "html":
        from tredjepart.report.html import render_html

        return render_html(report, lang)
    if fmt == "md":
        from tredjepart.report.markdown import render_markdown

        return render_markdown(report, lang)
    raise ValueError(f"unknown report format {fmt!r} (choose one of: {', '.join(FORMATS)})")


def build_json(db: Database | str | Path, sessions: Sequence[str] = (), *, all_sessions: bool = False) -> dict:
    """The JSON report (docs/report-format.md) of the selected sessions as a dict; by default every session with
    solution traffic (``all_sessions``: every session; see ``choose_sessions``)."""
    from tredjepart.report.json_report import to_json

    database, close = _db(db)
    try:
        return to_json(build_report(database, sessions, all_sessions=all_sessions))
    finally:
        if close:
            database.close()


def write_report(db: Database | str | Path, out: str | Path, fmt: str = "html", lang: str = "da",
                 sessions: Sequence[str] = (), *, entities: object = "auto", now: float | None = None,
                 all_sessions: bool = False) -> Path:
    """Render the report of ``db`` (a Database or a path) into the file ``out``; returns its path."""
    database, close = _db(db)
    try:
        text = render(build_report(database, sessions, entities=entities, now=now, all_sessions=all_sessions),
                      fmt, lang)
    finally:
        if close:
            database.close()
    out = Path(out)
    out.write_text(text, encoding="utf-8")
    logger.info("tredjepart: wrote %s report %s", fmt, out)
    return out
