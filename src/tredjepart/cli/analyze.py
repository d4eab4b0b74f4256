"""`tredjepart analyze` and `tredjepart check`: captures through the same code path as the live proxy."""

from __future__ import annotations

import contextlib
import json
import sys
import tempfile
from pathlib import Path

import click
from sqlite_utils import Database

from tredjepart.record.analyze import FileResult, analyze_file
from tredjepart.record.api import Recorder, open_recorder
from tredjepart.record.wire import Settings

_CAPTURES = click.argument("captures", nargs=-1, required=True, type=click.Path(dir_okay=False))


def _recorder(db: str | Path, policy: str | None, entities: tuple[str, ...]) -> Recorder:
    from tredjepart.policy import load_policies

    try:
        policies = load_policies(policy) if policy else []
        return open_recorder(Settings(str(db), policies, list(entities), commit_seconds=0.2))
    except ValueError as e:
        raise BadInput(str(e)) from e


class BadInput(click.ClickException):
    exit_code = 2


def _run(recorder: Recorder, captures, session) -> list[FileResult]:
    results = []
    show = sys.stderr.isatty()
    bar = click.progressbar(captures, label="analysing", file=sys.stderr,
                            item_show_func=lambda p: str(p or "")[-40:]) if show else contextlib.nullcontext(captures)
    with bar as files:
        for path in files:
            results.append(analyze_file(recorder, path, session))
    recorder.close()
    for r in results:
        if r.error:
            click.echo(f"error: {r.error}" + (f"; the {r.read} entries before it were analysed" if r.read else ""),
                       err=True)
    return results


def _incomplete(recorder: Recorder, results: list[FileResult]) -> list[str]:
    """Why the evidence is not complete (files cut short, entries skipped, records the
    database refused or could not take); empty when it is."""
    why = []
    for r in results:
        if r.error and r.read:
            why.append(f"{r.path}: read only up to entry {r.read}")
        if r.skipped_count:
            why.append(f"{r.path}: {_n(r.skipped_count, 'entry', 'entries')} skipped (each logged above with its "
                       "reason; recorded as blind spots of the session)")
    status = recorder.status()
    if status.failed:
        why.append(f"the database could not be written ({status.failed})")
    elif status.refused:
        why.append(f"{status.refused} record(s) could not be stored (set aside in {status.fallback_path})")
    return why


def _n(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _exit_code(results: list[FileResult], incomplete: list[str]) -> int | None:
    """2 when a file could not be read at all, 3 when the evidence is incomplete, None otherwise."""
    for why in incomplete:
        click.echo(f"incomplete: {why}", err=True)
    if any(r.unreadable for r in results):
        return 2
    if incomplete:
        click.echo("error: the evidence is incomplete", err=True)
        return 3
    return None


def _file_line(r: FileResult) -> str:
    parts = [f"{r.path}: {_n(r.flows, 'flow', 'flows')}" + (f" -> session {r.session_id[:8]}" if r.session_id else "")]
    if r.skipped_count:
        parts.append(f"{_n(r.skipped_count, 'entry', 'entries')} skipped")
    if r.ignored:
        parts.append(f"{sum(r.ignored.values())} ignored (not network traffic)")
    if r.streams:
        parts.append(", ".join(f"{n} {kind.upper()}" for kind, n in sorted(r.streams.items())) + " flow(s)")
    if r.websocket:
        parts.append(f"{r.websocket} with a WebSocket")
    return ", ".join(parts)


@click.command("analyze")
@_CAPTURES
@click.option("--policy", "-p", type=click.Path(exists=True), help="Policy YAML file or folder.")
@click.option("--db", "-d", default="tredjepart.sqlite", show_default=True, help="SQLite file to record into.")
@click.option("--session", "-s", default=None, help="Session name (default: the capture's file name).")
@click.option("--entities", multiple=True, type=click.Path(exists=True), help="Extra tracker/owner list.")
def analyze(captures, policy, db, session, entities) -> None:
    """Analyse captures offline: HAR (.har, .har.gz, .zhar; any producer) and mitmproxy flow files; each file
    is one session. An entry that cannot be used is skipped with a log line (file, index, URL without query
    values, reason) and the rest of the file is analysed.

    Exit codes: 0 every entry of every file analysed, 2 a file could not be read at all (the others are still
    analysed) or bad input, 3 analysed, but the evidence is incomplete (entries skipped, a file cut short,
    non-HTTP flows not analysed, records that could not be stored).

    \b
    Example:
      tredjepart analyze walkthrough.har --policy policies/example-portal.yaml --db audit.sqlite
    """
    recorder = _recorder(db, policy, entities)
    results = _run(recorder, captures, session)
    for r in results:
        if not r.unreadable:
            click.echo(_file_line(r))
    code = _exit_code(results, _incomplete(recorder, results))
    if code is not None:
        sys.exit(code)


@click.command("check")
@_CAPTURES
@click.option("--policy", "-p", required=True, type=click.Path(exists=True), help="Policy YAML file or folder.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--entities", multiple=True, type=click.Path(exists=True), help="Extra tracker/owner list.")
def check(captures, policy, fmt, entities) -> None:
    """The CI gate: analyse captures against a policy and fail on error-level findings.

    Exit codes: 0 no error-level finding in complete evidence, 1 at least one, 2 bad input (a capture that
    cannot be read at all, an invalid policy), 3 the evidence is incomplete (entries skipped, a capture cut
    short, records that could not be stored): the gate never passes on incomplete evidence, and then gives no
    verdict.

    \b
    Example:
      tredjepart check build/e2e.har --policy policies/example-portal.yaml
    """
    with tempfile.TemporaryDirectory(prefix="tredjepart-check-") as tmp:
        db_path = Path(tmp) / "check.sqlite"
        recorder = _recorder(db_path, policy, entities)
        results = _run(recorder, captures, None)
        incomplete = _incomplete(recorder, results)
        complete = not incomplete and not any(r.unreadable for r in results)
        db = Database(db_path)
        if any(r.session_id for r in results):  # nothing to show when no capture could be read
            if fmt == "json":
                from tredjepart.report import build_json

                click.echo(json.dumps(build_json(db), indent=2, ensure_ascii=False))
            else:
                _summary(db, results, complete)
        errors = db.table("findings").count_where("severity = 'error'")
        db.close()
    code = _exit_code(results, incomplete)
    sys.exit(code if code is not None else 1 if errors else 0)


def _summary(db: Database, results: list[FileResult], complete: bool) -> None:
    flows = sum(r.flows for r in results)
    third = db.execute("select count(distinct site) from flows where party = 'third'").fetchone()[0]
    uncovered = db.execute("select count(distinct site) from flows where party = 'third' and covered = 0").fetchone()[0]
    click.echo(f"{len(results)} capture(s), {flows} flows, {third} third-party sites, {uncovered} not covered")
    for f in db.query("select severity, rule, site, message, count from findings "
                      "order by case severity when 'error' then 0 when 'warning' then 1 else 2 end, rule, site"):
        click.echo(f"{f['severity'].upper():7s} {f['rule']:24s} {f['site'] or '':28s} {f['message']}")
    counts = dict(db.execute("select severity, count(*) from findings group by severity").fetchall())
    if complete:
        click.echo(f"{counts.get('error', 0)} errors, {counts.get('warning', 0)} warnings, {counts.get('info', 0)} info")
    else:  # no count that reads like a pass: the gate has not seen everything
        click.echo(f"no verdict, the evidence is incomplete (in what could be read: error-level findings "
                   f"{counts.get('error', 0)}, warnings {counts.get('warning', 0)}, info {counts.get('info', 0)})")


COMMANDS = [analyze, check]
