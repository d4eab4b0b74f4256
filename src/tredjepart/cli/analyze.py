"""`tredjepart analyze` and `tredjepart check`: captures through the same code path as the live proxy."""

from __future__ import annotations

import contextlib
import json
import sys
import tempfile
from pathlib import Path

import click
from sqlite_utils import Database

from tredjepart.record.analyze import analyze_file
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


def _run(recorder: Recorder, captures, session) -> list:
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
            click.echo(f"error: {r.error}", err=True)
    return results


def _incomplete(recorder: Recorder) -> str | None:
    """Why the recording is not complete (records the database refused or could not take), or None."""
    status = recorder.status()
    if status.failed:
        return f"the database could not be written ({status.failed}); the evidence is incomplete"
    if status.refused:
        return (f"{status.refused} record(s) could not be stored (set aside in {status.fallback_path}); "
                "the evidence is incomplete")
    return None


@click.command("analyze")
@_CAPTURES
@click.option("--policy", "-p", type=click.Path(exists=True), help="Policy YAML file or folder.")
@click.option("--db", "-d", default="tredjepart.sqlite", show_default=True, help="SQLite file to record into.")
@click.option("--session", "-s", default=None, help="Session name (default: the capture's file name).")
@click.option("--entities", multiple=True, type=click.Path(exists=True), help="Extra tracker/owner list.")
def analyze(captures, policy, db, session, entities) -> None:
    """Analyse HAR files (.har, .zhar) and mitmproxy flow files (.mitm) offline; each file is one session.

    Exit codes: 0 every file analysed, 2 a file could not be read (the others are still analysed) or bad input,
    3 analysed, but some records could not be stored (the evidence is incomplete).

    \b
    Example:
      tredjepart analyze walkthrough.har --policy policies/example-portal.yaml --db audit.sqlite
    """
    recorder = _recorder(db, policy, entities)
    results = _run(recorder, captures, session)
    for r in results:
        if r.session_id:
            extra = f", {len(r.skipped)} non-HTTP flows skipped" if r.skipped else ""
            click.echo(f"{r.path}: {r.flows} flows -> session {r.session_id[:8]}{extra}")
    if any(r.error for r in results):
        sys.exit(2)
    if (why := _incomplete(recorder)) is not None:
        click.echo(f"error: {why}", err=True)
        sys.exit(3)


@click.command("check")
@_CAPTURES
@click.option("--policy", "-p", required=True, type=click.Path(exists=True), help="Policy YAML file or folder.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--entities", multiple=True, type=click.Path(exists=True), help="Extra tracker/owner list.")
def check(captures, policy, fmt, entities) -> None:
    """The CI gate: analyse captures against a policy and fail on error-level findings.

    Exit codes: 0 no error-level finding, 1 at least one, 2 bad input (unreadable capture, invalid policy),
    3 some records could not be stored: the gate never passes on incomplete evidence.

    \b
    Example:
      tredjepart check build/e2e.har --policy policies/example-portal.yaml
    """
    with tempfile.TemporaryDirectory(prefix="tredjepart-check-") as tmp:
        db_path = Path(tmp) / "check.sqlite"
        recorder = _recorder(db_path, policy, entities)
        results = _run(recorder, captures, None)
        incomplete = _incomplete(recorder)
        db = Database(db_path)
        if fmt == "json":
            from tredjepart.report import build_json

            click.echo(json.dumps(build_json(db), indent=2, ensure_ascii=False))
        else:
            _summary(db, results)
        errors = db.table("findings").count_where("severity = 'error'")
        db.close()
    if any(r.error for r in results):
        sys.exit(2)
    if incomplete is not None:  # a gate never passes on evidence it could not record in full
        click.echo(f"error: {incomplete}", err=True)
        sys.exit(3)
    sys.exit(1 if errors else 0)


def _summary(db: Database, results) -> None:
    flows = sum(r.flows for r in results)
    third = db.execute("select count(distinct site) from flows where party = 'third'").fetchone()[0]
    uncovered = db.execute("select count(distinct site) from flows where party = 'third' and covered = 0").fetchone()[0]
    click.echo(f"{len(results)} capture(s), {flows} flows, {third} third-party sites, {uncovered} not covered")
    for f in db.query("select severity, rule, site, message, count from findings "
                      "order by case severity when 'error' then 0 when 'warning' then 1 else 2 end, rule, site"):
        click.echo(f"{f['severity'].upper():7s} {f['rule']:24s} {f['site'] or '':28s} {f['message']}")
    counts = dict(db.execute("select severity, count(*) from findings group by severity").fetchall())
    click.echo(f"{counts.get('error', 0)} errors, {counts.get('warning', 0)} warnings, {counts.get('info', 0)} info")


COMMANDS = [analyze, check]
