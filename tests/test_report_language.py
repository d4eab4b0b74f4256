"""A Danish report is Danish throughout: every finding text, every reason, rendered from the rule and the facts
the finding recorded (the recorded English message stays in the JSON)."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlite_utils import Database

from report_walks import record_every_rule, record_two_walks
from shared_captures import analyzed_once
from tredjepart.cli import main
from tredjepart.report.findingtext import RENDER, finding_text
from tredjepart.report.i18n import Catalog
from tredjepart.report.model import FindingItem
from tredjepart.report.queries import finding_item

DA, EN = Catalog("da"), Catalog("en")
DANISH = set("""er og ikke den det dens blev har på af fra til men uden som enheden tredjeparten cookien sendt
    gennem efterprøvet tegn sæde eller undersøg grundlaget overførslen aftale erklæret kan der et en modtog
    felt side om adressen titlen bogstaver""".split())
KEPT_NAMES = ("EU-US Data Privacy Framework", "If-None-Match", "single sign-on", "Sec-Fetch-Site")


def _all_rules() -> set[str]:
    from tredjepart.rules import RULES

    return set(RULES)


@pytest.fixture(scope="module")
def every_rule(tmp_path_factory):
    return record_every_rule(tmp_path_factory.mktemp("rules"))


@pytest.fixture(scope="module")
def shared():
    return analyzed_once()


def _findings(db_path) -> list[tuple[FindingItem, str | None]]:
    db = Database(db_path)
    out = []
    for r in db.query("select f.*, s.solution from findings f join sessions s on s.id = f.session_id"):
        out.append((finding_item(r), r["solution"]))
    return out


def _facts(f: FindingItem) -> list[str]:
    values = [f.site or "", f.host or "", *KEPT_NAMES]
    for v in f.details.values():
        values += [str(x) for x in (v if isinstance(v, list) else [v]) if isinstance(x, str | int)]
    return sorted((v for v in values if v), key=len, reverse=True)


def _grams(text: str, n: int = 4) -> set[tuple[str, ...]]:
    words = re.findall(r"[a-zæøå]+", text.lower())
    return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}


def english_left(message: str, facts: list[str], danish: str) -> set[tuple[str, ...]]:
    """Runs of four words of the recorded English sentence (its facts taken out) found in ``danish``."""
    for value in facts:
        message = message.replace(value, " | ")
    return {g for part in message.split(" | ") for g in _grams(part)} & _grams(danish)


def _check_danish(f: FindingItem, solution: str | None) -> str:
    da = finding_text(f, DA, solution)
    assert da != f.message, f.rule
    assert len(DANISH & set(re.findall(r"[a-zæøå]+", da.lower()))) >= 3, (f.rule, da)
    assert not english_left(f.message, _facts(f), da), (f.rule, da, english_left(f.message, _facts(f), da))
    en = finding_text(f, EN, solution)
    for value in _stated(f):  # the Danish and the English sentence state the facts the recorded message states
        if value in f.message:
            assert value in da and value in en, (f.rule, value, da, en)
    return da


CODES = {"value_shape", "tag_format", "reason", "where", "kinds", "subject", "summary", "basis", "error",
         "forms", "wheres", "label", "label_da", "source", "confidence", "data_type", "data_types"}  # said in words


def _stated(f: FindingItem) -> list[str]:
    values = [f.site or "", f.host or ""]
    for key, v in f.details.items():
        if key not in CODES:
            values += [x for x in (v if isinstance(v, list) else [v]) if isinstance(x, str)]
    return [v for v in values if len(v) >= 3]


def test_every_rule_has_a_danish_sentence():
    assert _all_rules() <= set(RENDER), sorted(_all_rules() - set(RENDER))


def test_recorded_findings_of_every_rule_read_danish(every_rule):
    findings = _findings(every_rule)
    assert {f.rule for f, _ in findings} == _all_rules()  # the recording really has every rule
    texts = [_check_danish(f, solution) for f, solution in findings]
    assert len(set(texts)) == len(texts)


def test_the_danish_report_has_no_english_finding_sentence(every_rule):
    for fmt in ("md", "html"):
        r = CliRunner().invoke(main, ["report", str(every_rule), "-f", fmt])
        assert r.exit_code == 0, r.output
        text = re.sub(r"\\(.)", r"\1", r.stdout) if fmt == "md" else r.stdout.replace("&#39;", "'")
        for f, _ in _findings(every_rule):
            assert f.message not in text
            assert not english_left(f.message, _facts(f), text), (fmt, f.rule)
        assert "erklæret som 'Video Demo', men art 'xhr' er ikke tilladt for den" in text
        assert "erklæret som 'Old Stats', men dens aftale udløb 2020-01-01" in text
        assert "googletagmanager.com er ikke erklæret i politikken for Regelportalen" in text
        assert "is not declared" not in text and "declared as" not in text
    data = json.loads(CliRunner().invoke(main, ["report", str(every_rule), "-f", "json"]).stdout)
    recorded = {f["message"] for f in data["sessions"][0]["findings"]}
    assert recorded == {f.message for f, _ in _findings(every_rule)}  # the JSON keeps the English as recorded


def test_english_report_says_the_same_facts(every_rule):
    md = CliRunner().invoke(main, ["report", str(every_rule), "--lang", "en"]).stdout
    assert "Third party googletagmanager.com is not declared in the policy of Regelportalen" in md
    assert "The written agreement with Old Stats (DPA 2019-3) expired on 2020-01-01" in md
    assert "declared as 'Video Demo', but kind 'xhr' is not allowed for it" in md


def test_the_findings_of_every_shared_capture_read_danish(shared):
    findings = _findings(shared)
    assert len({f.rule for f, _ in findings}) >= 4 and len(findings) > 300
    for f, solution in findings:
        _check_danish(f, solution)


def test_background_reasons_and_blind_spots_are_danish(tmp_path):
    walks = record_two_walks(tmp_path)
    md = CliRunner().invoke(main, ["report", str(walks), "--all-sessions"]).stdout
    assert "| kendt tjeneste i enheden eller browseren (detectportal.firefox.com) |" in md
    assert "known device or browser service" not in md
    every = record_every_rule(tmp_path / "x")
    md = CliRunner().invoke(main, ["report", str(every)]).stdout
    assert re.search(r"^\| `api\.pinned-app\.com` \| .* \| enheden stoler ikke på proxyens certifikat for den "
                     r"\(certifikatfastlåsning, eller appen stoler ikke på proxyens CA\) \|$", md, re.M)
    assert "Client TLS handshake failed" not in md


def test_unknown_rules_and_reasons_pass_through():
    f = FindingItem("x", "some-future-rule", "warning", "a.dk", None, "Recorded text.", [], 1, None, None, {})
    assert finding_text(f, DA) == "Recorded text."
    from tredjepart.report.reasons import background_reason

    assert background_reason("something new", DA) == "something new"
    assert background_reason("no page behind the request (Sec-Fetch-Site: none, not a navigation)", DA) == \
        "ingen side bag forespørgslen (Sec-Fetch-Site: none, ikke en navigation)"


JSONISH = st.recursive(st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats() | st.text(max_size=20),
                       lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                                     max_size=4), max_leaves=12)
KEYS = st.sampled_from(["party", "kinds", "hosts", "subject", "lifetime", "expires", "verified", "cname", "entity",
                        "country", "sites", "allowed", "reference", "setting", "purpose", "cookie", "cookie_site",
                        "parameters", "where", "part", "signals", "urls", "reason", "tag_length", "tag_format",
                        "cookies", "from_sites", "to_site", "value_length", "value_entropy", "value_shape",
                        "solution", "cookie_host", "source", "label", "label_da", "forms", "wheres", "field",
                        "topics", "data_type", "error"])


@settings(max_examples=300, deadline=None)
@given(rule=st.sampled_from(sorted(RENDER)), details=st.dictionaries(KEYS, JSONISH, max_size=12) | JSONISH,
       first_seen=st.none() | st.floats(0, 4e9), lang=st.sampled_from(["da", "en"]))
def test_hostile_details_never_break_a_report(rule, details, first_seen, lang):
    f = FindingItem("x", rule, "warning", "a.dk", None, "Recorded.", [], 1, first_seen, None, details)
    text = finding_text(f, Catalog(lang), "Portal")
    assert isinstance(text, str) and text


def test_every_reason_the_recorder_gives_has_words():
    from tredjepart.detect.blindspots import REASONS as RECORDED
    from tredjepart.observe.background import background_reason
    from tredjepart.report.findingwords import REASONS
    from tredjepart.report.reasons import background_reason as said

    assert set(RECORDED) <= set(REASONS)
    for key, english in RECORDED.items():
        assert REASONS[key][1] == english  # the English words are the recorder's, the Danish say the same
    for recorded in (background_reason("detectportal.firefox.com", "/", sec_fetch_site=None, sec_fetch_mode=None),
                     background_reason("x.example", "/", sec_fetch_site="none", sec_fetch_mode="cors")):
        assert recorded and said(recorded, DA) != recorded and said(recorded, EN) == recorded


ENGLISH_FORM_WORDS = set("""with without of the value number case lower upper typed encoded twice dash name phone
    address birth date street digits spaces dots removed national country code and first last style form""".split())


def test_every_form_and_place_the_scanner_reports_is_said_in_danish():
    from tredjepart.received.forms import identity_forms
    from tredjepart.received.identity import parse_identity
    from tredjepart.report.receivedtext import PLACES, form_words, place_words

    identity = parse_identity('name: Jens Peter Hansen\ncpr: "010190-1234"\nemail: jens.hansen@gmail.com\n'
                              'phone: "+45 12 34 56 78"\naddress: Vestergade 12, 2. tv\npostcode: "8000"\n'
                              "birth_date: 1990-01-01\nother:\n  case_number: SAG-2025-004711\n", "id.yaml")
    forms = {n.form.form for n in identity_forms(identity)} | {"a URL of the requesting page's site", "as typed"}
    assert len(forms) > 600
    for form in forms:
        words = set(re.findall(r"(?<![\w.])[a-z]+(?![\w.])", form_words(form, DA)))
        assert not words & ENGLISH_FORM_WORDS, (form, form_words(form, DA))
        assert form_words(form, EN) == form
    assert "other.case_number" in form_words("other.case_number, lower case", DA)  # names stay names
    for location in ("query", "body", "header", "cookie", "path", "path-param", "redirect", "websocket"):
        assert location in PLACES and place_words(f"{location} x", DA) != f"{location} x"
    assert place_words("somewhere new", DA) == "somewhere new"
