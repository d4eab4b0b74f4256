"""`tredjepart recover`: put rows back that could not be written while recording (``<db>.unsaved.jsonl``)."""

from __future__ import annotations

import sys

import click

from tredjepart.cli.options import CONTEXT_SETTINGS, EXIT_INCOMPLETE, BadInput


@click.command("recover", context_settings=CONTEXT_SETTINGS)
@click.argument("unsaved", type=click.Path(exists=True, dir_okay=False))
@click.option("--db", "-d", required=True, type=click.Path(dir_okay=False),
              help="SQLite file to put the rows into (usually the one they were meant for).")
def recover(unsaved, db) -> None:
    """Write the rows of UNSAVED (a fallback file, or a terminal log with `tredjepart-unsaved:` lines) into DB.

    Rows that were set aside while the database was full, locked or read-only go back where they belong;
    recovering a file twice adds nothing. Rows the database refuses again are set aside once more.

    Exit codes: 0 every row written, 2 bad input (DB cannot be written), 3 some lines or rows could not be
    written (listed on stderr).

    \b
    Example:
      tredjepart recover audit.sqlite.unsaved.jsonl --db audit.sqlite
    """
    from tredjepart.store.recover import recover as put_back

    try:
        done = put_back(unsaved, db)
    except (ValueError, OSError) as e:
        raise BadInput(str(e)) from e
    for problem in done.problems:
        click.echo(f"skipped: {problem}", err=True)
    click.echo(f"{done.written} row(s) written to {db}" +
               (f"; {done.refused} refused again, set aside in {done.aside}" if done.refused else ""))
    if done.problems or done.refused:
        sys.exit(EXIT_INCOMPLETE)


COMMANDS = [recover]
