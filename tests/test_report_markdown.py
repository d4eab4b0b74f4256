"""The Markdown report: structured like the guidance, and hostile values stay inert text."""

from __future__ import annotations

import re

from sqlite_utils import Database

from test_report_html import hostile_db
from tredjepart.report import render
from tredjepart.report.example import example_owners, build_example
from tredjepart.report.markdown import code, md_escape
from tredjepart.report.model import build_report


def _md(db: Database, lang: str = "da") -> str:
    return render(build_report(db, entities=example_owners()), "md", lang)


def _example() -> Database:
    db = Database(memory=True)
    build_example(db)
    return db


def test_outline_follows_the_guidance():
    md = _md(_example())
    headings = re.findall(r"^(#+) (.+)$", md, re.M)
    assert headings[0] == ("#", "Rapport om tredjeparter: Eksempelportalen")
    assert headings[1] == ("##", "Resumé")
    titles = [h[1] for h in headings]
    assert titles.index("Resumé") < titles.index("Testerens trin") < titles.index("Tredjeparter") \
        < titles.index("Blinde vinkler")
    assert "#### sporing-demo.com: Ikke dækket af politikken" in md
    assert "**Ikke i orden: 2 tredjeparter er ikke dækket af politikken" in md
    assert "| `sporing-demo.com` | Sporing Demo Ltd. | annoncering | GB | intet erklæret grundlag |" in md
    assert "2 år" in md and "sessionscookie" in md  # lifetimes in words
    assert "skriftlig aftale" in md and "fravalg i indstillinger" in md and "teknisk nødvendig" in md


def test_english():
    md = _md(_example(), "en")
    assert "## Summary" in md and "**Not compliant: 2 third parties not covered by the policy" in md
    assert "2 years" in md and "session cookie" in md


def test_tables_keep_their_shape_with_hostile_values():
    md = _md(hostile_db())
    lines = md.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("|---") or line.startswith("|:--") or line.startswith("|--:"):
            columns = _cells(line)
            j = i + 1
            while j < len(lines) and lines[j].startswith("|"):
                assert _cells(lines[j]) == columns, f"row breaks its table: {lines[j]!r}"
                j += 1


def _cells(line: str) -> int:
    """Cells of a GFM table row: split at pipes not escaped with a backslash."""
    return len(re.findall(r"(?<!\\)\|", line)) - 1


def _outside_code_spans(md: str) -> str:
    return re.sub(r"(`+)(?:(?!\1).)+?\1", "", md)


def test_hostile_values_are_inert():
    md = _md(hostile_db())
    outside = _outside_code_spans(md)
    assert not re.search(r"(?<!\\)<", outside), "an unescaped '<' from traffic outside a code span"
    assert not re.search(r"(?<!\\)\]\(", outside), "a link could be formed"
    assert "\\[click\\](javascript:alert(5))" in md
    assert "\\<script\\>alert('name')\\</script\\>" in md
    assert "`<script>`" in md  # the hostile cookie name, literally, in a code span
    assert "\x1b" not in md


def test_escape_helpers():
    assert md_escape("a|b*c_d[e](f)<g>") == "a\\|b\\*c\\_d\\[e\\](f)\\<g\\>"
    assert md_escape("two\nlines\x1b[2J") == "two lines\ufffd\\[2J"
    assert code("x`y") == "``x`y``"
    assert code("`x") == "`` `x ``"
    assert code("a|b") == "`a\\|b`"
    assert code("") == ""
