"""The reports list every cookie the database has: the solution's own, and above all those written by scripts
(``_ga`` on the portal's own domain, written by Google's script), with the scripts that could have written them."""

from __future__ import annotations

import json
import re

import jsonschema
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlite_utils import Database

from report_walks import record_two_walks
from shared_captures import analyze, analyzed_once
from tredjepart.cli import main
from tredjepart.report.cookies import script_writes, session_cookies
from tredjepart.report.example import SESSION_ID, build_example
from tredjepart.report.json_report import FORMAT_VERSION, load_schema


@pytest.fixture(scope="module")
def walks(tmp_path_factory):
    return record_two_walks(tmp_path_factory.mktemp("walks"))


@pytest.fixture(scope="module")
def nytimes(tmp_path_factory):
    return analyze(tmp_path_factory.mktemp("nyt") / "nyt.sqlite", "har", "pagexray__www.nytimes.com.har")


@pytest.fixture(scope="module")
def shared():
    return analyzed_once()


def report(db, *args: str) -> str:
    r = CliRunner().invoke(main, ["report", str(db), *args])
    assert r.exit_code == 0, r.output
    return r.stdout


def _section(md: str, title: str) -> str:
    return md.split(f"### {title}\n", 1)[1].split("\n### ", 1)[0]


def test_markdown_lists_the_script_written_first_party_cookie_with_its_writer(walks):
    md = report(walks)
    session = md.split("## Session 1: ")[1].split("## Session 2: ")[0]
    scripted = _section(session, "Cookies skrevet af scripts")
    row = next(line for line in scripted.splitlines() if line.startswith("| `_ga` |"))
    assert "| `www.example-portal.dk` | førstepart |" in row
    assert row.endswith("| `googletagmanager.com` (Google LLC) |")
    own = _section(session, "Løsningens egne cookies")
    assert re.search(r"^\| `_ga` \| sendt \| `www\.example-portal\.dk` \| – \| – \| et script \|$", own, re.M)
    assert re.search(r"^\| `portal_session` \| sat \| `www\.example-portal\.dk` \| sessionscookie \| Secure, "
                     r"HttpOnly \| serveren \(Set-Cookie\) \|$", own, re.M)
    en = report(walks, "--lang", "en")
    assert "### Cookies written by scripts" in en and "### The solution's own cookies" in en


def test_html_lists_them_too(walks):
    html = report(walks, "-f", "html")
    block = html.split("<h3>Cookies skrevet af scripts</h3>")[1].split("<h3>")[0]
    assert '<td class="mono">_ga</td>' in block
    assert '<span class="mono">googletagmanager.com</span> (Google LLC)' in block
    own = html.split("<h3>Løsningens egne cookies</h3>")[1].split("<h3>")[0]
    assert '<td class="mono">portal_session</td>' in own and "<td>et script</td>" in own


def test_json_says_which_cookies_javascript_wrote(walks):
    data = json.loads(report(walks, "-f", "json"))
    jsonschema.Draft202012Validator(load_schema(), format_checker=jsonschema.FormatChecker()).validate(data)
    assert data["format_version"] == FORMAT_VERSION == "1.2"
    cookies = {(c["direction"], c["name"]): c for c in data["sessions"][0]["cookies"]}
    ga = cookies[("sent", "_ga")]
    assert ga["written_by_script"] is True and ga["party"] == "first"
    assert ga["candidate_scripts"] == [{"site": "googletagmanager.com", "owner": "Google LLC",
                                        "urls": ["https://www.googletagmanager.com/gtag/js?id="]}]
    assert cookies[("set", "portal_session")]["written_by_script"] is False
    assert cookies[("sent", "portal_session")]["candidate_scripts"] == []


def test_a_real_capture_first_party_analytics_cookies_are_listed(nytimes):
    md = report(nytimes)
    scripted = _section(md, "Cookies skrevet af scripts")
    row = next(line for line in scripted.splitlines() if line.startswith("| `_chartbeat2` |"))
    assert "| førstepart |" in row and "`chartbeat.com` (Chartbeat Inc.)" in row
    assert "(+8 tidligere scripts)" in row  # 28 loaded before it, the evidence lists the latest 20
    detections = Database(nytimes).execute("select count(*) from detections where kind = 'js_cookie'").fetchone()[0]
    assert len([line for line in scripted.splitlines() if line.startswith("| `")]) == detections == 23


def test_every_script_written_cookie_of_the_shared_captures_is_in_the_reports(shared):
    db = Database(shared)
    expected = {(r["session_id"], r["site"], r["cookie"]) for r in db.query(
        "select session_id, site, json_extract(evidence, '$.cookie') cookie from detections where kind = 'js_cookie'")}
    assert len(expected) > 50  # the captures are full of them
    data = json.loads(report(shared, "-f", "json", "--all-sessions"))
    jsonschema.Draft202012Validator(load_schema(), format_checker=jsonschema.FormatChecker()).validate(data)
    got = {(s["id"], c["site"], c["name"]) for s in data["sessions"] for c in s["cookies"] if c["written_by_script"]}
    assert got == expected
    md = report(shared, "--all-sessions")
    rows = sum(len([x for x in _section(part, "Cookies skrevet af scripts").splitlines() if x.startswith("| `")])
               for part in md.split("\n## Session ")[1:])
    assert rows == len(expected)


JSONISH = st.recursive(st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats() | st.text(max_size=12),
                       lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner,
                                                                                     max_size=4), max_leaves=15)
EVIDENCE = st.fixed_dictionaries({}, optional={
    "cookie": st.text(max_size=10) | JSONISH, "scripts_before_count": JSONISH,
    "scripts_before": st.lists(st.fixed_dictionaries({}, optional={"site": st.text(max_size=10) | JSONISH,
                                                                    "url": st.text(max_size=20) | JSONISH}) | JSONISH,
                               max_size=5) | JSONISH})


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(evidence=EVIDENCE | JSONISH, raw=st.none() | st.text(max_size=30))
def test_hostile_evidence_never_breaks_the_cookie_rows(evidence, raw):
    db = Database(memory=True)
    build_example(db)
    text = raw if raw is not None else json.dumps(evidence)
    db.execute("update detections set evidence = ? where kind = 'js_cookie'", [text])
    writes = script_writes(db, SESSION_ID, None)
    for w in writes.values():
        assert w.more >= 0 and all(isinstance(c.site, str) and all(isinstance(u, str) for u in c.urls)
                                   for c in w.candidates)
    cookies = session_cookies(db, SESSION_ID, None)
    assert {c.name for c in cookies} >= {"portal_session", "_sd_uid"}
