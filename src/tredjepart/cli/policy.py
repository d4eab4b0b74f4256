"""`tredjepart policy`: work with policy files (docs/policy.md)."""

from __future__ import annotations

import os

import click

from tredjepart.cli.options import CONTEXT_SETTINGS, EXIT_BAD, EXIT_OK, BadInput, all_sessions_option, note_left_out
from tredjepart.policy import check_policies
from tredjepart.policy.model import unfilled


@click.group("policy", context_settings=CONTEXT_SETTINGS)
def policy() -> None:
    """Check the policy files that declare a solution's third parties.

    \b
    Example:
      tredjepart policy check policies/example-portal.yaml
    """


@policy.command("check", context_settings=CONTEXT_SETTINGS)
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=True, path_type=str))
def check(files: tuple[str, ...]) -> None:
    """Validate policy FILES (or folders of *.yaml/*.yml files).

    Every problem is printed to stderr as FILE:LINE: message (line 0: the file as a whole); each valid file
    gets one OK line on stdout, which also names values still saying "FILL IN" (from a template). A folder is
    read like the proxy reads it, so clashes between its files are problems too. Exit status 0 when every file
    is valid, 2 when any is not.

    \b
    Example:
      tredjepart policy check policies/ policies/templates/*.yaml
    """
    failed = False
    for path in files:
        policies, problems = check_policies(path)
        for problem in problems:
            click.echo(str(problem), err=True)
        bad_files = {p.file for p in problems}
        for p in policies:
            if str(p.path) in bad_files:
                continue
            n = len(p.third_parties)
            todo = unfilled(p)
            note = f"; {len(todo)} value(s) still say FILL IN: {', '.join(todo)}" if todo else ""
            click.echo(f"{p.path}: OK ({p.solution!r}: {len(p.first_party)} first-party site(s), "
                       f"{n} third part{'y' if n == 1 else 'ies'}{note})")
        failed = failed or bool(problems)
    raise SystemExit(EXIT_BAD if failed else EXIT_OK)


@policy.command("draft", context_settings=CONTEXT_SETTINGS)
@click.argument("db", type=click.Path(dir_okay=False, path_type=str))
@click.option("--session", "-s", metavar="ID|NAME",
              help="The session by id, unique id prefix or name (default: the latest with solution traffic).")
@all_sessions_option
@click.option("--output", "-o", "out", type=click.Path(dir_okay=False, path_type=str),
              help="Write to FILE, not stdout.")
@click.option("--force", is_flag=True, help="Overwrite the --output FILE when it exists.")
def draft(db: str, session: str | None, all_sessions: bool, out: str | None, force: bool) -> None:
    """Write a draft policy from what a recorded session in DB saw.

    The draft takes the first party from the session and lists every third-party site it saw, grouped by
    owner, with basis left empty for the authority to fill in; comments say what each party did (kinds, cookies,
    detections) and hint which basis might apply. `policy check` reports every missing basis until it is
    filled in. Without --session it drafts from the latest session with solution traffic (sessions that saw
    only the device's background traffic are skipped unless --all-sessions is given) and says which on stderr.
    Exit status 0 when written, 2 on bad input (no such database, unknown session, no session with solution
    traffic, FILE exists).

    \b
    Example:
      tredjepart policy draft audit.sqlite --session login -o policies/portal.yaml
    """
    from tredjepart.report import SelectionError, choose_sessions
    from tredjepart.store import open_readonly
    from tredjepart.report.draft import read_session, render_draft
    from tredjepart.report.queries import default_entities, describe_session

    if out and not force and os.path.exists(out):
        raise BadInput(f"{out} exists; give another file, or --force to overwrite it")
    try:
        database = open_readonly(db)
    except ValueError as e:
        raise BadInput(str(e)) from e
    try:
        chosen = choose_sessions(database, [session] if session else [], all_sessions=all_sessions)
        if chosen.last is None and chosen.left_out:
            raise BadInput(f"{db}: no session with solution traffic ({len(chosen.left_out)} saw only the device's "
                           "background traffic); name one with --session, or give --all-sessions")
        if chosen.last is None:
            raise BadInput(f"{db}: no sessions recorded")
        if not session:
            note_left_out(len(chosen.left_out))
            which = "latest session" if all_sessions else "latest session with solution traffic"
            click.echo(f"drafting from the {which}: {describe_session(database, chosen.last)}", err=True)
        text = render_draft(read_session(database, chosen.last, default_entities()), db)
    except SelectionError as e:
        raise BadInput(f"{db}: {e}") from e
    finally:
        database.close()
    if not out:
        click.echo(text, nl=False)
        return
    try:
        with open(out, "w" if force else "x", encoding="utf-8") as f:
            f.write(text)
    except FileExistsError as e:
        raise BadInput(f"{out} exists; give another file, or --force to overwrite it") from e
    except OSError as e:
        raise BadInput(f"{out}: cannot write: {e}") from e
    click.echo(f"wrote {out}; fill in every basis, then run: tredjepart policy check {out}", err=True)


COMMANDS = [policy]
