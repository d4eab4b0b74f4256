"""`tredjepart check`: the CI gate. Captures are analysed (cli.analyze) into a temporary database and judged
against the policy; the verdict reads the sessions ``report.queries.choose_sessions`` chooses, as the reports do:
those with traffic of the solution or a third party, not those that saw only the device's background traffic
(unless --all-sessions)."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import click
from sqlite_utils import Database

from tredjepart.cli.analyze import CAPTURES, exit_code, incomplete, open_for, run
from tredjepart.cli.options import (EXIT_FOUND, EXIT_INCOMPLETE, EXIT_OK, all_sessions_option, decoders_option,
                                    entities_option, identity_option, note_left_out)

_SEVERITY_ORDER = "case severity when 'error' then 0 when 'warning' then 1 else 2 end"
_IN = "session_id in (select value from json_each(?))"


@click.command("check")
@CAPTURES
@click.option("--policy", "-p", required=True, type=click.Path(exists=True),
              help="Policy YAML file, or a folder of them (docs/policy.md).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@entities_option
@identity_option
@decoders_option
@all_sessions_option
def check(captures, policy, fmt, entities, identity, decoders, all_sessions) -> None:
    """The CI gate: analyse captures against a policy and fail on error-level findings.

    Each capture is one session. The verdict covers the sessions with traffic of the solution or a third party;
    a capture that saw only the device's background traffic is left out (said on stderr) unless --all-sessions.
    With --identity, personal data of the declared test person that reached a third party is an error-level
    finding (the values are never stored or printed).

    Exit codes: 0 no error-level finding in complete evidence, 1 at least one, 2 bad input (a capture that
    cannot be read at all, an invalid policy, identity or decoder file), 3 the evidence is incomplete (entries
    skipped, a capture cut short, records that could not be stored) or no capture had traffic of the solution:
    the gate never passes on evidence it has not seen, and then gives no verdict.

    \b
    Example:
      tredjepart check build/e2e.har --policy policies/example-portal.yaml
      tredjepart check build/e2e.har --policy policies/example-portal.yaml --identity test-person.yaml
    """
    from tredjepart.report import choose_sessions

    with tempfile.TemporaryDirectory(prefix="tredjepart-check-") as tmp:
        db_path = Path(tmp) / "check.sqlite"
        recorder = open_for(db_path, policy, entities, identity, decoders)
        results = run(recorder, captures, None)
        why = incomplete(recorder, results)
        db = Database(db_path)
        chosen = choose_sessions(db, all_sessions=all_sessions)
        nothing = not chosen.ids
        if nothing:
            why.append("no capture has traffic of the solution or a third party, only the device's background "
                       "traffic (--all-sessions judges it anyway)")
        complete = not why and not any(r.unreadable for r in results)
        ids = json.dumps(chosen.ids)
        if any(r.session_id for r in results):  # nothing to show when no capture could be read
            if fmt == "json":
                from tredjepart.report import build_json

                click.echo(json.dumps(build_json(db, all_sessions=all_sessions), indent=2, ensure_ascii=False))
            else:
                _summary(db, len(results), ids, complete)
        errors = db.execute(f"select count(*) from findings where severity = 'error' and {_IN}", [ids]).fetchone()[0]
        db.close()
    note_left_out(len(chosen.left_out))
    code = exit_code(results, why)
    sys.exit(code if code is not None else EXIT_FOUND if errors else EXIT_OK)


def _summary(db: Database, captures: int, ids: str, complete: bool) -> None:
    """The verdict in a few lines: what was judged, each finding, the counts (or no verdict)."""
    sessions = len(json.loads(ids))
    flows = db.execute(f"select count(*) from flows where {_IN}", [ids]).fetchone()[0]
    third = db.execute(f"select count(distinct site) from flows where party = 'third' and {_IN}", [ids]).fetchone()[0]
    uncovered = db.execute(f"select count(distinct site) from flows where party = 'third' and covered = 0 and {_IN}",
                           [ids]).fetchone()[0]
    click.echo(f"{captures} capture(s), {sessions} judged, {flows} flows, {third} third-party sites, "
               f"{uncovered} not covered")
    for f in db.query(f"select severity, rule, site, message from findings where {_IN} "
                      f"order by {_SEVERITY_ORDER}, rule, site", [ids]):
        click.echo(f"{f['severity'].upper():7s} {f['rule']:24s} {f['site'] or '':28s} {f['message']}")
    counts = dict(db.execute(f"select severity, count(*) from findings where {_IN} group by severity",
                             [ids]).fetchall())
    if complete:
        click.echo(f"{counts.get('error', 0)} errors, {counts.get('warning', 0)} warnings, {counts.get('info', 0)} info")
    else:  # no count that reads like a pass: the gate has not seen everything
        click.echo(f"no verdict, the evidence is incomplete (in what could be read: error-level findings "
                   f"{counts.get('error', 0)}, warnings {counts.get('warning', 0)}, info {counts.get('info', 0)})")


COMMANDS = [check]
