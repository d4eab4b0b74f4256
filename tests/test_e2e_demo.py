"""The demo portal crawled by real headless Chromium through the in-process proxy: exactly the demo's undeclared
third parties are reported, before and after consent."""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner
from sqlite_utils import Database

from tredjepart.cli import main
from tredjepart.crawl import same_site_links
from tredjepart.demo.site import UNDECLARED_AFTER_ACCEPT, UNDECLARED_BEFORE_CONSENT

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium on PATH (.ci/run installs it)"),
]


def _undeclared_by_step(db: Database) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for r in db.query("select s.label, f.site from flows f join steps s on s.id = f.step_id "
                      "where f.party = 'third' and f.covered = 0"):
        out.setdefault(r["label"], set()).add(r["site"])
    return out


@pytest.mark.parametrize("consent, after", [("accept", UNDECLARED_AFTER_ACCEPT),
                                            ("reject", UNDECLARED_BEFORE_CONSENT)])
def test_demo_crawl_reports_exactly_the_undeclared_third_parties(tmp_path, consent, after):
    r = CliRunner().invoke(main, ["demo", "--out", str(tmp_path), "--consent", consent])
    assert r.exit_code == 0, r.output
    db = Database(tmp_path / "demo.sqlite")
    assert _undeclared_by_step(db) == {"before consent": UNDECLARED_BEFORE_CONSENT, f"consent: {consent}": after}
    findings = {(f["rule"], f["site"]) for f in db.table("findings").rows if f["severity"] == "error"}
    assert findings == {("undeclared-third-party", s) for s in after | UNDECLARED_BEFORE_CONSENT}
    (session,) = db.table("sessions").rows
    assert session["solution"] == "Borgerportalen (demo)" and session["ended"]
    pages = {f["path"] for f in db.query("select path from flows where top_level = 1")}
    assert {"/", "/ansoeg", "/om"} <= pages
    assert db.table("flows").count_where("party = 'background'") == db.table("flows").count_where(
        "site not like '%-demo.%'")  # the browser's own calls are labelled, never counted as third parties
    assert "NOT COVERED" in r.output


def test_same_site_links():
    links = same_site_links("https://www.portal.dk/a", ["/b", "https://login.portal.dk/x#frag", "https://other.dk/",
                                                        "/b", "mailto:x@portal.dk", "/a"], 10)
    assert links == ["https://www.portal.dk/b", "https://login.portal.dk/x"]
    assert same_site_links("https://www.portal.dk/", ["/1", "/2", "/3"], 2) == ["https://www.portal.dk/1",
                                                                             "https://www.portal.dk/2"]
