#!/usr/bin/env python3
"""`make report`: the sample reports in docs/ from the bundled FICTIONAL example (tredjepart.report.example),
and the Datasette metadata shipped in the package, regenerated from docs/schema.md.

Writes docs/sample-report.html, docs/sample-report.md, docs/sample-report.json and
src/tredjepart/report/datasette-metadata.json. Deterministic: a fixed generation time and a published example key.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from sqlite_utils import Database

from tredjepart.report import write_report
from tredjepart.report.example import END, T0, example_owners, build_example
from tredjepart.report.metadata import write_shipped
from tredjepart.store.views import create_views

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    docs = ROOT / "docs"
    with tempfile.TemporaryDirectory(prefix="tredjepart-sample-") as tmp:
        db = Database(Path(tmp) / "example.sqlite")
        build_example(db, fixed_key=True)
        create_views(db)
        for fmt in ("html", "md", "json"):
            out = write_report(db, docs / f"sample-report.{fmt}", fmt=fmt, lang="da", entities=example_owners(),
                               now=T0 + END + 3600)
            print(f"wrote {out.relative_to(ROOT)}")
        db.close()
    print(f"wrote {write_shipped(docs / 'schema.md').relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
