"""Every capture in ../shared/data analysed the way a user does it (`tredjepart analyze`), into one database:
the real-data input of the report tests. Files mitmproxy cannot read exit 2 and keep the flows read before."""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from pathlib import Path

from click.testing import CliRunner

from conftest import need_shared
from tredjepart.cli import main

PATTERNS = ("har/*.har", "har/mitmproxy_testdata/*.har", "har-variety/*.har", "mitmproxy-flows/*.mitm",
            "mitmproxy-flows/*.har", "mitmproxy-flows/*.zhar")


def captures() -> list[Path]:
    root = need_shared()
    return sorted(p for pattern in PATTERNS for p in root.glob(pattern))


def analyze_all(db: Path) -> Path:
    files = captures()
    result = CliRunner().invoke(main, ["analyze", *map(str, files), "--db", str(db)])
    assert result.exit_code in (0, 2), result.output  # 2: some file could not be read (to its end)
    return db


@functools.cache
def analyzed_once() -> Path:
    """``analyze_all`` into a temporary database shared by the tests of one run (read it, never write it)."""
    folder = Path(tempfile.mkdtemp(prefix="tredjepart-shared-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return analyze_all(folder / "all.sqlite")


def analyze(db: Path, *parts: str) -> Path:
    """One capture (a path under ../shared/data) analysed into ``db``."""
    result = CliRunner().invoke(main, ["analyze", str(need_shared(*parts)), "--db", str(db)])
    assert result.exit_code == 0, result.output
    return db
