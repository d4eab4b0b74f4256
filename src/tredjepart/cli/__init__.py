"""The `tredjepart` command line. Subcommands live in modules of their own beside this one.

Exit codes (all commands): 0 success, 1 the audit found something (check, diff), 2 bad input or usage, 3 the
analysis ran but its evidence is incomplete (analyze, check: entries skipped, a capture cut short, records that
could not be stored; check: no capture with traffic of the solution).
"""

from __future__ import annotations

import click

from tredjepart import __version__
from tredjepart.cli.options import CONTEXT_SETTINGS


@click.group(context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "-V", "--version", prog_name="tredjepart")
def main() -> None:
    """tredjepart: record and judge the third parties of a citizen self-service solution.

    \b
    Example:
      tredjepart proxy --policy policies/example-portal.yaml --db audit.sqlite
    """


def _register() -> None:
    from tredjepart.cli import analyze, check, crawl, policy, proxy, report, store

    for module in (proxy, policy, analyze, check, report, crawl, store):
        for command in module.COMMANDS:
            main.add_command(command)


_register()
