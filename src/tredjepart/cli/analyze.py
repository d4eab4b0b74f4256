"""`tredjepart analyze`: captures through the same code path as the live proxy, into a database. The reading and
the account of what could not be read are shared with `tredjepart check` (cli.check)."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import click

from tredjepart.cli.options import (EXIT_BAD, EXIT_INCOMPLETE, BadInput, db_option, decoders_option, entities_option,
                                    identity_option, policy_option)
from tredjepart.record.analyze import FileResult, analyze_file
from tredjepart.record.api import Recorder, open_recorder
from tredjepart.record.wire import Settings

CAPTURES = click.argument("captures", nargs=-1, required=True, type=click.Path(dir_okay=False))


def open_for(db: str | Path, policy: str | None, entities: tuple[str, ...], identity: str | None = None,
             decoders: tuple[str, ...] = ()) -> Recorder:
    """The recorder for an offline run; BadInput (exit 2) naming the file when the policy, an owner list, the
    identity or a decoder file is bad. The identity's values stay in the recorder: never stored, never printed."""
    from tredjepart.policy import load_policies

    try:
        policies = load_policies(policy) if policy else []
        return open_recorder(Settings(str(db), policies, list(entities), identity=identity, decoders=list(decoders),
                                      commit_seconds=0.2))
    except ValueError as e:
        raise BadInput(str(e)) from e


def run(recorder: Recorder, captures, session) -> list[FileResult]:
    """Every capture in turn (each its own session), then the recorder closed; read errors on stderr."""
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


def incomplete(recorder: Recorder, results: list[FileResult]) -> list[str]:
    """Why the evidence is not complete (files cut short, entries skipped, records the database refused or could
    not take); empty when it is."""
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


def exit_code(results: list[FileResult], why: list[str]) -> int | None:
    """2 when a file could not be read at all, 3 when the evidence is incomplete, None otherwise."""
    for line in why:
        click.echo(f"incomplete: {line}", err=True)
    if any(r.unreadable for r in results):
        return EXIT_BAD
    if why:
        click.echo("error: the evidence is incomplete", err=True)
        return EXIT_INCOMPLETE
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
@CAPTURES
@policy_option
@db_option
@click.option("--session", "-s", default=None, help="Session name (default: the capture's file name).")
@entities_option
@identity_option
@decoders_option
def analyze(captures, policy, db, session, entities, identity, decoders) -> None:
    """Analyse captures offline: HAR (.har, .har.gz, .zhar; any producer) and mitmproxy flow files; each file
    is one session, recorded as the live proxy records it (TCP, UDP, DNS flows and WebSocket messages included).
    An entry that cannot be used is skipped with a log line (file, index, URL without query values, reason) and
    the rest of the file is analysed. With --identity, what each third party received of the declared test
    person is recorded (the values never are).

    Exit codes: 0 every entry of every file analysed, 2 a file could not be read at all (the others are still
    analysed) or bad input, 3 analysed, but the evidence is incomplete (entries skipped, a file cut short,
    records that could not be stored).

    \b
    Example:
      tredjepart analyze walkthrough.har --policy policies/example-portal.yaml --db audit.sqlite
      tredjepart analyze walkthrough.har --identity docs/identity-example.yaml --db audit.sqlite
    """
    recorder = open_for(db, policy, entities, identity, decoders)
    results = run(recorder, captures, session)
    for r in results:
        if not r.unreadable:
            click.echo(_file_line(r))
    code = exit_code(results, incomplete(recorder, results))
    if code is not None:
        sys.exit(code)


COMMANDS = [analyze]
