"""Documentation kept in step with the code: the schema page and the CLI reference."""

from __future__ import annotations

import re

from sqlite_utils import Database

from conftest import ROOT
from tredjepart.store.schema import migrate, table_columns


def _documented_schema() -> dict[str, list[str]]:
    text = (ROOT / "docs" / "schema.md").read_text()
    tables: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        if m := re.match(r"^## (\w+)\s*$", line):
            current = m.group(1)
            tables[current] = []
        elif current and (m := re.match(r"^\| (\w+) \| (TEXT|INTEGER|REAL) \|", line)):
            tables[current].append(m.group(1))
    return tables


def test_schema_doc_matches_database():
    db = Database(memory=True)
    migrate(db)
    assert _documented_schema() == table_columns(db)


def test_schema_doc_types_match():
    db = Database(memory=True)
    migrate(db)
    text = (ROOT / "docs" / "schema.md").read_text()
    for table, columns in table_columns(db).items():
        for col in db.table(table).columns:
            assert re.search(rf"^\| {col.name} \| {col.type} \|", text, re.M), f"{table}.{col.name} {col.type}"


def test_cli_reference_is_current():
    from tredjepart.cli.reference import reference

    assert (ROOT / "docs" / "cli.md").read_text() == reference(), "run: make docs"


def test_every_command_has_help_and_an_example():
    from tredjepart.cli import main
    from tredjepart.cli.reference import _commands

    for path, cmd in _commands(main):
        if not hasattr(cmd, "commands"):
            assert "Example:" in (cmd.help or ""), f"tredjepart {path} has no Example: in its help"


def test_examples_are_kept_whole_in_help_and_reference():
    """An example is a command to copy: click must not rewrap it (a ``\\b`` paragraph), so docs/cli.md and --help
    show it on one line however wide the terminal."""
    from tredjepart.cli import main
    from tredjepart.cli.reference import _commands

    for path, cmd in [("", main), *_commands(main)]:
        text = cmd.help or ""
        assert "\bExample:" in text.replace("\n", "").replace(" ", ""), f"tredjepart {path}: Example: without \\b"
    reference = (ROOT / "docs" / "cli.md").read_text()
    for line in reference.splitlines():
        if line.strip().startswith("tredjepart ") and len(line) > 60:
            assert not line.rstrip().endswith(("-o", "-m", "--")), f"example cut in docs/cli.md: {line}"
