"""The HTML report: self-contained, escaped, no script anywhere, even when traffic is hostile."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from sqlite_utils import Database

from tredjepart.report import render
from tredjepart.report.example import SESSION_ID, example_owners, build_example
from tredjepart.report.model import build_report

PWN = "<img src=x onerror=\"document.title='pwned'\">"
HOSTILE = {
    "session": "<script>alert('name')</script>",
    "solution": '"><img src=x onerror="document.title=\'pwned\'">',
    "device": "<svg onload=alert(1)>",
    "step": "</text><script>alert('step')</script>",
    "site": '"><img src=x onerror=alert(3)>.evil',
    "host": "a.\"><iframe src=//evil.example>",
    "url": 'https://evil.example/"onmouseover="alert(4)',
    "cookie": "<script>",
    "entity": "<style>*{display:none}</style>",
    "message": PWN + " [click](javascript:alert(5)) | cell",
}


def hostile_db() -> Database:
    """The example audit with hostile values from 'traffic' in every place a report shows one."""
    db = Database(memory=True)
    build_example(db)
    h = HOSTILE
    db.execute("update sessions set name = ?, solution = ?, device = ?, owner = ?",
               [h["session"], h["solution"], h["device"], PWN])
    db.execute("update steps set label = ? where label = 'forside'", [h["step"]])
    db.execute("update flows set site = ?, host = ?, url = ?, entity = ?, verdict = ? where site = 'sporing-demo.com'",
               [h["site"], h["host"], h["url"], h["entity"], PWN])
    db.execute("update cookies set site = ?, host = ?, name = ?, samesite = ? where site = 'sporing-demo.com'",
               [h["site"], h["host"], h["cookie"], PWN])
    db.execute("update scripts set url = ? where site = 'stats-demo.dk'", [h["url"]])
    details = json.dumps({"hosts": [h["host"]], "kinds": [h["cookie"]], "solution": h["message"], "party": PWN})
    db.execute("update findings set site = ?, host = ?, message = ?, evidence = ?, details = ? "
               "where site = 'sporing-demo.com'", [h["site"], h["host"], h["message"], '["<b>x</b>"]', details])
    db.execute("update flows set background_reason = ? where party = 'background'", [PWN])
    # a cookie written by a script, its name and its possible writers from traffic
    db.execute("update cookies set name = ? where name = '_sd_uid'", [h["cookie"] + "|x"])
    evidence = json.dumps({"cookie": h["cookie"] + "|x", "scripts_before_count": 3, "scripts_before": [
        {"site": h["site"], "url": h["url"]}, {"site": PWN, "url": h["message"]}, {"site": 7, "url": None}, "junk"]})
    db.execute("update detections set evidence = ? where kind = 'js_cookie'", [evidence])
    if db.table("blind_spots").exists():
        db.execute("update blind_spots set host = ?, error = ?", [h["host"], PWN])
    db.conn.commit()
    return db


ALLOWED_TAGS = {
    "html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "h3", "h4", "p", "section", "article",
    "table", "thead", "tbody", "tr", "th", "td", "caption", "ul", "li", "a", "strong", "span", "dl", "dt", "dd",
    "figure", "figcaption", "br", "svg", "g", "rect", "line", "circle", "text",
}


class TagCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.title = ""
        self._in_title = False
        self._depth = 0

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_title = tag == "title" and not any(t == "svg" for t, _ in self.tags[:-1]) and not self.title

    def handle_endtag(self, tag):
        self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def _html(db: Database, lang: str = "da") -> str:
    return render(build_report(db, entities=example_owners()), "html", lang)


@pytest.fixture(scope="module")
def hostile_html() -> str:
    return _html(hostile_db())


def test_hostile_values_never_become_markup(hostile_html):
    html = hostile_html
    assert "<script" not in html.lower()
    assert "<iframe" not in html.lower() and "<img" not in html.lower() and "<svg onload" not in html.lower()
    parser = TagCollector()
    parser.feed(html)
    for tag, attrs in parser.tags:
        assert tag in ALLOWED_TAGS, f"unexpected element <{tag}> in the report"
        assert not [a for a in attrs if a.startswith("on")], f"event handler on <{tag}>: {attrs}"
    assert sum(1 for tag, _ in parser.tags if tag == "style") == 1  # ours only
    # the values are there, as text
    assert "&lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt;" in html
    assert "&#34;&gt;&lt;img src=x onerror=alert(3)&gt;.evil" in html
    assert "&lt;/text&gt;&lt;script&gt;" in html  # the step label inside the SVG timeline too


def test_no_external_references(hostile_html):
    for attr, value in re.findall(r'\s(src|href|xlink:href|action|formaction|poster|data)="([^"]*)"', hostile_html):
        assert attr == "href" and value.startswith("#"), f"external reference {attr}={value!r}"
    assert "url(" not in hostile_html  # no CSS fetch
    assert "@import" not in hostile_html


def test_content_security_policy(hostile_html):
    m = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', hostile_html)
    assert m, "CSP meta tag missing"
    csp = m.group(1)
    assert "default-src 'none'" in csp and "style-src 'unsafe-inline'" in csp and "img-src data:" in csp
    assert "script-src" not in csp
    assert hostile_html.index("Content-Security-Policy") < hostile_html.index("<style>")


def test_danish_report_reads_danish():
    html = _html(_example())
    for words in ("Rapport om tredjeparter", "Resumé", "Ikke dækket af politikken", "teknisk nødvendig",
                  "skriftlig aftale", "fravalg i indstillinger", "Testerens trin", "Blinde vinkler",
                  "Ikke i orden: 2 tredjeparter er ikke dækket af politikken"):
        assert words in html, words
    assert '<html lang="da">' in html


def test_english_report():
    html = _html(_example(), "en")
    assert "Not compliant: 2 third parties not covered by the policy" in html
    assert "written agreement" in html and '<html lang="en">' in html


def test_structure_graph_and_timeline():
    html = _html(_example())
    assert html.count("<svg") == 2  # the graph and the timeline of the one session
    parser = TagCollector()
    parser.feed(html)
    circles = [a for t, a in parser.tags if t == "circle"]
    assert any(a.get("fill") == "#c62828" for a in circles)  # uncovered parties are red
    assert any(a.get("fill") == "#2e7d32" for a in circles)  # covered ones green
    for site in ("sporing-demo.com", "stats-demo.dk", "video-demo.dk"):
        assert f">{site}<" in html
    assert f"{SESSION_ID}" in html


def test_no_findings_verdict():
    db = _example()
    db.execute("update flows set covered = 1 where party = 'third'")
    db.execute("delete from findings")
    db.conn.commit()
    html = _html(db)
    assert "Ingen fund: alle 6 tredjeparter er dækket af politikken" in html


def _example() -> Database:
    db = Database(memory=True)
    build_example(db)
    return db
