"""The command-line reference (docs/cli.md), generated from the commands' own help so the two cannot drift."""

from __future__ import annotations

import click

HEADER = """# Command-line reference

Generated from the commands' own `--help` by `make docs` (`python -m tredjepart.cli.reference > docs/cli.md`);
`tests/test_docs.py` fails when this page and the code disagree.

Exit codes, for every command: **0** success; **1** the audit found something (`check`: an error-level finding;
`diff`: something got worse); **2** bad input (an unreadable file, an invalid policy, a wrong option).
"""


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    out = []
    for name in sorted(group.commands):
        cmd = group.commands[name]
        out.append((f"{prefix}{name}", cmd))
        if isinstance(cmd, click.Group):
            out.extend(_commands(cmd, f"{prefix}{name} "))
    return out


def _context(path: str) -> tuple[click.Command, click.Context]:
    """The command at ``path`` with its context chained to its parents' (so it inherits -h and the width),
    as when it is run from the command line."""
    from tredjepart.cli import main

    ctx = click.Context(main, info_name="tredjepart", terminal_width=100, **main.context_settings)
    cmd: click.Command = main
    for name in path.split():
        cmd = cmd.commands[name]  # type: ignore[attr-defined]
        ctx = click.Context(cmd, info_name=name, parent=ctx)
    return cmd, ctx


def reference() -> str:
    from tredjepart.cli import main

    parts = [HEADER]
    for path, _ in _commands(main):
        cmd, ctx = _context(path)
        parts.append(f"## tredjepart {path}\n\n```text\n{cmd.get_help(ctx).rstrip()}\n```\n")
    return "\n".join(parts)


if __name__ == "__main__":
    print(reference(), end="")
