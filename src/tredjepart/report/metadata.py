"""Datasette metadata for a tredjepart database: a description of every table, column and view.

The descriptions are written once, in docs/schema.md (kept in step with the schema by tests/test_docs.py).
``parse_schema_doc`` reads that page; ``build_metadata`` turns it into Datasette's ``metadata.json`` shape, with
the views of ``store.views``. The package ships the result as ``datasette-metadata.json`` (regenerate it with
``scripts/make-report.py`` or ``tredjepart datasette-metadata --from-doc docs/schema.md``) so that an installed
tredjepart, which has no docs folder, still has it.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

from tredjepart.store.views import VIEWS

SHIPPED = Path(__file__).resolve().parent / "datasette-metadata.json"
PLACEHOLDER = "tredjepart"  # the database name in the shipped file (Datasette names a database by its file stem)
TITLE = "tredjepart: third parties of a citizen self-service solution"
DESCRIPTION = ("Evidence recorded by tredjepart: per walkthrough session, every request, cookie, script and "
               "finding, judged against the solution's declared third-party policy. Cookie values are never "
               "stored; the views answer the common questions.")

_TABLE = re.compile(r"^## (\w+)\s*$")
_COLUMN = re.compile(r"^\| (\w+) \| (?:TEXT|INTEGER|REAL) \| (.*) \|\s*$")


def parse_schema_doc(text: str) -> dict[str, dict]:
    """``{table: {"description": str, "columns": {column: meaning}}}`` from docs/schema.md's layout."""
    tables: dict[str, dict] = {}
    current: dict | None = None
    intro: list[str] = []
    for line in text.splitlines():
        if m := _TABLE.match(line):
            current = tables.setdefault(m.group(1), {"description": "", "columns": {}})
            intro = []
        elif current is None:
            continue
        elif m := _COLUMN.match(line):
            current["columns"][m.group(1)] = _plain(m.group(2))
        elif line.strip() and not line.startswith("|") and not current["columns"]:
            intro.append(line.strip())
            current["description"] = _plain(" ".join(intro))
    return tables


def _plain(text: str) -> str:
    """Markdown inline code and links as plain text (Datasette escapes descriptions)."""
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)
    return text.replace("`", "").replace("\\|", "|").strip()


def build_metadata(tables: dict[str, dict], db_name: str = PLACEHOLDER) -> dict:
    """Datasette metadata for one database named ``db_name``: tables from ``parse_schema_doc``, plus views."""
    described = {name: {"description": t["description"], "columns": dict(t["columns"])}
                 for name, t in tables.items()}
    for name, (description, _) in VIEWS.items():
        described[name] = {"description": f"View: {description}"}
    described.setdefault("_sqlite_migrations", {"hidden": True})
    if "meta" in described:  # the hashing key: not listed (Datasette still serves it to whoever may query)
        described["meta"]["hidden"] = True
    return {
        "title": TITLE,
        "description": DESCRIPTION,
        "databases": {db_name: {"description": DESCRIPTION, "tables": described}},
    }


def load_metadata(db_name: str = PLACEHOLDER) -> dict:
    """The shipped metadata, for a database named ``db_name``."""
    data = json.loads(SHIPPED.read_text(encoding="utf-8"))
    if db_name != PLACEHOLDER:
        data = copy.deepcopy(data)
        data["databases"] = {db_name: data["databases"][PLACEHOLDER]}
    return data


def write_shipped(schema_doc: str | Path) -> Path:
    """Regenerate the shipped file from docs/schema.md."""
    data = build_metadata(parse_schema_doc(Path(schema_doc).read_text(encoding="utf-8")))
    SHIPPED.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return SHIPPED
