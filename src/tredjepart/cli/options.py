"""Options several commands share, each declared once with one help text (as sqlite-utils' cli.py does), and the
one error for bad input (exit code 2).

``all_sessions_option``: reports, ``policy draft`` and the CI gate read the sessions with solution traffic and leave
out those that saw only the device's own background traffic or the audit tool's own pages
(``report.queries.choose_sessions``); this option brings those back. ``note_left_out`` says on stderr what was
left out, so nothing disappears silently.
"""

from __future__ import annotations

import click

EXIT_OK, EXIT_FOUND, EXIT_BAD, EXIT_INCOMPLETE = 0, 1, 2, 3
CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class BadInput(click.ClickException):
    """Bad input: a file that cannot be read, an invalid policy, a missing folder. Exit code 2."""

    exit_code = EXIT_BAD


policy_option = click.option("--policy", "-p", type=click.Path(exists=True),
                             help="Policy YAML file, or a folder of them (docs/policy.md).")
db_option = click.option("--db", "-d", default="tredjepart.sqlite", show_default=True, type=click.Path(dir_okay=False),
                         help="SQLite file to record into.")
entities_option = click.option("--entities", multiple=True, type=click.Path(exists=True, dir_okay=False),
                               help="Extra owner list: Disconnect, DuckDuckGo or tredjepart YAML (repeatable).")
identity_option = click.option("--identity", type=click.Path(exists=True, dir_okay=False),
                               help="A declared test identity (YAML) to find in what third parties receive; its "
                                    "values are never stored (docs/received.md).")
instrument_option = click.option(
    "--instrument", is_flag=True,
    help="Put the in-page instrument into every HTML page: which script stores what on the device and starts which "
         "request (docs/instrument.md). It CHANGES THE PAGES it audits; every report of the session says so.")
decoders_option = click.option("--decoders", multiple=True, type=click.Path(exists=True, dir_okay=False),
                               help="Extra endpoint decoder file (YAML): which request field of a tracker carries "
                                    "which data, on top of the built-in ones (docs/received.md; repeatable).")
all_sessions_option = click.option(
    "--all-sessions", is_flag=True,
    help="Also read sessions that saw only the device's background traffic (left out by default).")


def note_left_out(n: int) -> None:
    """One stderr line when ``n`` sessions without solution traffic were left out (``len(Selection.left_out)``)."""
    if n:
        click.echo(f"left out {n} session{'' if n == 1 else 's'} with only background traffic "
                   "(--all-sessions includes them)", err=True)
