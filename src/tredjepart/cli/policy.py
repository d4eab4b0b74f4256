"""`tredjepart policy`: work with policy files (docs/policy.md)."""

from __future__ import annotations

import click

from tredjepart.cli import CONTEXT_SETTINGS
from tredjepart.policy import check_policies

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
    gets one OK line on stdout. Exit status 0 when every file is valid, 2 when any is not.

    Example: tredjepart policy check policies/ policies/templates/
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
            click.echo(f"{p.path}: OK ({p.solution!r}: {len(p.first_party)} first-party site(s), "
                       f"{n} third part{'y' if n == 1 else 'ies'})")
        failed = failed or bool(problems)
    raise SystemExit(EXIT_INVALID if failed else EXIT_OK)


# TODO: `policy draft --db audit.sqlite --session NAME` writes a starting policy from what a recorded session saw
# (first party from the session, one third_parties entry per observed site, basis left for the authority).

COMMANDS = [policy]
