"""`tredjepart policy`: work with policy files (docs/policy.md)."""

from __future__ import annotations

import click

from tredjepart.cli import CONTEXT_SETTINGS
from tredjepart.policy import check_policies
from tredjepart.policy.model import unfilled

EXIT_OK, EXIT_INVALID = 0, 2


@click.group("policy", context_settings=CONTEXT_SETTINGS)
def policy() -> None:
    """Check the policy files that declare a solution's third parties.

    Example: tredjepart policy check policies/example-portal.yaml
    """


@policy.command("check", context_settings=CONTEXT_SETTINGS)
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=True, path_type=str))
def check(files: tuple[str, ...]) -> None:
    """Validate policy FILES (or folders of *.yaml/*.yml files).

    Every problem is printed to stderr as FILE:LINE: message (line 0: the file as a whole); each valid file
    gets one OK line on stdout, which also names values still saying "FILL IN" (from a template). A folder is
    read like the proxy reads it, so clashes between its files are problems too. Exit status 0 when every file
    is valid, 2 when any is not.

    Example: tredjepart policy check policies/ policies/templates/*.yaml
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
    raise SystemExit(EXIT_INVALID if failed else EXIT_OK)


# TODO: `policy draft --db audit.sqlite --session NAME` writes a starting policy from what a recorded session saw
# (first party from the session, one third_parties entry per observed site, basis left for the authority).

COMMANDS = [policy]
