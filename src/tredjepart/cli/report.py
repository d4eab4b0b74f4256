"""`tredjepart report`, `diff`, `merge`, `export` and `datasette-metadata`: reading recorded databases.

None of these touches mitmproxy or the network; all of them only read their input databases (``merge`` writes
its output). Exit codes: 0 success, 1 ``diff`` found something worse, 2 bad input.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from tredjepart.cli.options import CONTEXT_SETTINGS, EXIT_FOUND, EXIT_OK, BadInput, all_sessions_option, note_left_out


def _open(path: str):
    from tredjepart.store import open_readonly

    try:
        return open_readonly(path)
    except ValueError as e:
        raise BadInput(str(e)) from e


def _emit(text: str, out: str | None) -> None:
    if out:
        try:
            Path(out).write_text(text, encoding="utf-8")
        except OSError as e:
            raise BadInput(f"{out}: cannot write: {e}") from e
        click.echo(f"wrote {out}", err=True)
    else:
        click.echo(text, nl=False)


_OUT = click.option("--output", "-o", "out", type=click.Path(dir_okay=False), help="Write to FILE, not stdout.")


@click.command("report", context_settings=CONTEXT_SETTINGS)
@click.argument("db", type=click.Path(dir_okay=False))
@click.option("--session", "-s", "sessions", multiple=True, metavar="ID|NAME",
              help="A session by id, unique id prefix or name (repeatable; default: every session with "
                   "solution traffic).")
@all_sessions_option
@click.option("--format", "-f", "fmt", type=click.Choice(["md", "html", "json"]), default="md", show_default=True)
@click.option("--lang", "-l", type=click.Choice(["da", "en"]), default="da", show_default=True)
@_OUT
def report(db, sessions, all_sessions, fmt, lang, out) -> None:
    """Write the report of the sessions in DB: Markdown, one self-contained HTML file, or JSON.

    The report follows the guidance: a one-screen summary with a plain verdict, then per session the solution,
    device, the tester's steps and, per third party, its owner, what it did, its declared basis and whether that
    holds, and the findings; the cookies, first-party and script-written ones included; then what could not be
    inspected. Sessions that saw only the device's background traffic are left out unless named or
    --all-sessions is given. JSON: docs/report-format.md.

    Exit codes: 0 written, 2 bad input (no such database, unknown session).

    \b
    Example:
      tredjepart report audit.sqlite --format html --lang da -o rapport.html
    """
    from tredjepart.report import SelectionError, build_report, render

    database = _open(db)
    try:
        model = build_report(database, sessions, all_sessions=all_sessions)
    except SelectionError as e:
        raise BadInput(f"{db}: {e}") from e
    finally:
        database.close()
    note_left_out(model.left_out)
    _emit(render(model, fmt, lang), out)


@click.command("diff", context_settings=CONTEXT_SETTINGS)
@click.argument("old")
@click.argument("new")
@click.option("--format", "-f", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def diff(old, new, fmt) -> None:
    """What changed between two audits of the same solution: OLD and NEW are each DB or DB:SESSION.

    DB alone takes every session in the file with solution traffic; DB:SESSION one session, by id, unique id
    prefix or name (the part after the last colon). Shows new and vanished third parties, new cookies, changed
    lifetimes, third-party scripts whose SHA-256 changed, coverage lost or gained, and findings that appeared or
    were fixed.

    Exit codes: 0 nothing got worse, 1 something did (a new third party, cookie or error finding, a longer
    lifetime, a changed third-party script, a site no longer covered), 2 bad input.

    \b
    Example:
      tredjepart diff audit-2025-05.sqlite audit-2025-11.sqlite:"MitID login, Android"
    """
    from tredjepart.report.diff import diff as run_diff
    from tredjepart.report.diff import format_text

    try:
        result = run_diff(old, new)
    except ValueError as e:
        raise BadInput(str(e)) from e
    if fmt == "json":
        click.echo(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
    else:
        click.echo(format_text(result), nl=False)
    sys.exit(EXIT_FOUND if result.worse else EXIT_OK)


@click.command("merge", context_settings=CONTEXT_SETTINGS)
@click.argument("out", type=click.Path(dir_okay=False))
@click.argument("inputs", nargs=-1, required=True, type=click.Path(dir_okay=False))
def merge(out, inputs) -> None:
    """Merge testers' databases INPUTS into OUT (created when missing); sessions keep their ids.

    Merging a file twice adds nothing. Each input's hashing key is kept in OUT (meta rows hmac_key:KEY_ID), so
    hashes stay comparable within each session. Every input is checked before anything is written.

    Exit codes: 0 merged, 2 an input is missing or not a tredjepart database (nothing is written).

    \b
    Example:
      tredjepart merge all.sqlite anna.sqlite bo.sqlite
    """
    from tredjepart.store.merge import merge as run_merge

    try:
        result = run_merge(out, inputs)
    except ValueError as e:
        raise BadInput(str(e)) from e
    rows = ", ".join(f"{n} {t}" for t, n in result.rows_added.items() if n) or "nothing new"
    click.echo(f"{out}: merged {len(inputs)} file(s): {result.sessions_added} new session(s); added {rows}")


@click.command("export", context_settings=CONTEXT_SETTINGS)
@click.argument("db", type=click.Path(dir_okay=False))
@click.option("--table", "-t", required=True, help="Table or view to export (an unknown name lists them).")
@click.option("--format", "-f", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option("--session", "-s", default=None, metavar="ID|NAME", help="Only this session's rows.")
@_OUT
def export(db, table, fmt, session, out) -> None:
    """Export one table or view of DB as CSV or JSON (an array of objects), for spreadsheets.

    The meta table (the hashing key) is never exported; CSV cells that a spreadsheet would run as a formula are
    prefixed with an apostrophe.

    Exit codes: 0 written, 2 bad input (unknown table: the message lists the valid ones).

    \b
    Example:
      tredjepart export audit.sqlite --table third_parties_per_session --format csv -o parties.csv
    """
    import io

    from tredjepart.report import SelectionError
    from tredjepart.report.export import export_table
    from tredjepart.report.queries import select_sessions

    database = _open(db)
    try:
        sid = select_sessions(database, [session])[0] if session else None
        buffer = io.StringIO()
        n = export_table(database, table, fmt, buffer, sid)
    except (SelectionError, ValueError) as e:
        raise BadInput(f"{db}: {e}") from e
    finally:
        database.close()
    _emit(buffer.getvalue(), out)
    if out:
        click.echo(f"{n} row(s)", err=True)


@click.command("datasette-metadata", context_settings=CONTEXT_SETTINGS)
@click.argument("db", required=False, type=click.Path(dir_okay=False))
@click.option("--from-doc", type=click.Path(exists=True, dir_okay=False),
              help="Build from this docs/schema.md instead of the copy shipped with tredjepart.")
@_OUT
def datasette_metadata(db, from_doc, out) -> None:
    """Datasette metadata (descriptions of every table, column and view) for DB, as JSON.

    Datasette names a database by its file name without extension; give DB so the metadata uses that name. DB
    must be a tredjepart database.

    Exit codes: 0 written, 2 bad input (DB missing or not a tredjepart database).

    \b
    Example:
      tredjepart datasette-metadata audit.sqlite -o metadata.json && datasette audit.sqlite -m metadata.json
    """
    from tredjepart.report.metadata import PLACEHOLDER, build_metadata, load_metadata, parse_schema_doc

    if db:
        _open(db).close()  # a missing file, or one that is not a tredjepart database, is bad input
    name = Path(db).stem if db else PLACEHOLDER
    if from_doc:
        data = build_metadata(parse_schema_doc(Path(from_doc).read_text(encoding="utf-8")), name)
    else:
        data = load_metadata(name)
    _emit(json.dumps(data, indent=2, ensure_ascii=False) + "\n", out)


COMMANDS = [report, diff, merge, export, datasette_metadata]
