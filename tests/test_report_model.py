"""The report model built from a real-schema database: counts, states, steps, optional tables and owners."""

from __future__ import annotations

import pytest
from sqlite_utils import Database

from tredjepart.report import queries
from tredjepart.report.example import SESSION_ID, example_owners, build_example
from tredjepart.report.model import build_report
from tredjepart.report.queries import SelectionError, select_sessions
from tredjepart.store.schema import migrate


@pytest.fixture
def db():
    d = Database(memory=True)
    build_example(d)
    return d


def _parties(report):
    return {p.site: p for p in report.sessions[0].third_parties}


def test_summary_and_verdict(db):
    r = build_report(db, entities=example_owners(), now=1.0)
    s = r.summary
    # errors: undeclared sporing-demo.com, video-demo.dk's cookie, the hashed e-mail sporing-demo.com received
    assert (s.sessions, s.third_parties, s.uncovered, s.undeclared, s.errors) == (1, 6, 2, 1, 3)
    assert s.warnings == sum(1 for f in r.sessions[0].findings if f.severity == "warning") >= 1
    assert s.verdict == "not_compliant"
    assert r.generated == 1.0


def test_third_parties_states_and_order(db):
    r = build_report(db, entities=example_owners())
    parties = r.sessions[0].third_parties
    assert [p.state for p in parties][:2] == ["uncovered", "uncovered"]  # the problems come first
    p = _parties(r)
    assert p["sporing-demo.com"].party_name is None and p["sporing-demo.com"].uncovered_flows == 3
    assert p["video-demo.dk"].basis == "opt_out" and p["video-demo.dk"].uncovered_flows == 1
    assert not p["video-demo.dk"].covered and p["video-demo.dk"].verdicts
    assert p["cookieconsent-demo.dk"].state == "warning"
    assert p["stats-demo.dk"].state == "covered" and p["stats-demo.dk"].basis == "written_agreement"
    assert p["stats-demo.dk"].request_kinds == {"script": 1, "beacon": 4}
    assert "cookie_set" in p["stats-demo.dk"].kinds
    assert p["sporing-demo.com"].hosts == ["px.sporing-demo.com", "sync.sporing-demo.com"]


def test_owners_country_and_categories(db):
    p = _parties(build_report(db, entities=example_owners()))
    assert (p["video-demo.dk"].entity, p["video-demo.dk"].country) == ("Video Demo Inc.", "US")
    assert p["sporing-demo.com"].categories == ["advertising", "analytics"]
    bare = _parties(build_report(db, entities=None))
    assert bare["video-demo.dk"].entity == "Video Demo Inc."  # flows.entity still shows
    assert bare["video-demo.dk"].country is None and bare["video-demo.dk"].categories == []


def test_broken_owners_layer_degrades(db, monkeypatch):
    class Broken:
        def get(self, name):
            raise RuntimeError("boom")

        lookup = get

    p = _parties(build_report(db, entities=Broken()))
    assert p["video-demo.dk"].country is None
    monkeypatch.setattr(queries, "default_entities", lambda: None)
    r = build_report(db)  # "auto" with no owners layer
    assert not r.has_entities


def test_cookies_scripts_and_findings_attached(db):
    s = build_report(db, entities=None).sessions[0]
    p = _parties(build_report(db, entities=None))
    sp = {(c.direction, c.name): c for c in p["sporing-demo.com"].cookies}
    assert sp[("set", "_sp_id")].lifetime == 2 * 365 * 86400
    assert sp[("sent", "_sp_id")].lifetime is None
    assert {c.name for c in s.cookies} >= {"portal_session", "_sp_id", "CookieConsent"}
    assert not any(c.party == "background" for c in s.cookies)
    assert [sc.url for sc in p["stats-demo.dk"].scripts] == ["https://cdn.stats-demo.dk/analytics.js?site="]
    assert len(p["stats-demo.dk"].scripts[0].sha256) == 64
    assert [f.rule for f in p["sporing-demo.com"].findings] == ["personal-data-to-third-party",
                                                                "undeclared-third-party", "page-url-to-third-party"]
    assert p["sporing-demo.com"].findings[0].evidence  # flow ids
    assert s.findings[0].severity == "error"  # errors first


def test_steps_and_flow_counts(db):
    s = build_report(db, entities=None).sessions[0]
    assert [st.label for st in s.steps][:2] == ["forside", "samtykke: afvis"]
    assert s.steps[0].new_third_parties == ["cookieconsent-demo.dk", "stats-demo.dk", "sporing-demo.com"]
    assert s.steps[-1].ended == s.ended and s.steps[0].ended == s.steps[1].started
    assert sum(st.flows for st in s.steps) == s.flow_counts["total"]
    assert s.flow_counts["background"] == 2 and {b.site for b in s.background} == {"firefox.com", "mozilla.com"}
    assert s.clients == ["browser"]
    assert s.first_party == ["example-portal.dk"]


def test_optional_tables_absent(db):
    for name in ("detections", "blind_spots"):
        if db.table(name).exists():
            db.table(name).drop()
    r = build_report(db, entities=None)
    assert not r.has_detections
    assert r.sessions[0].blind_spots is None
    assert all(not p.detections for p in r.sessions[0].third_parties)


def test_optional_tables_present():
    d = Database(memory=True)
    migrate(d)
    if not d.table("blind_spots").exists():
        pytest.skip("this schema has no blind_spots table yet")
    build_example(d)
    s = build_report(d, entities=None).sessions[0]
    assert [b.host for b in s.blind_spots] == ["aus5.mozilla.org"]
    assert _parties(build_report(d, entities=None))["sporing-demo.com"].detections == {"pixel": 2}
    assert [f.rule for f in s.other_findings] == ["uninspectable-host"]


def test_session_selection(db):
    build_example(db, session_id="b" * 32, t0=1762250000.0, name="Anden runde")
    assert select_sessions(db) == [SESSION_ID, "b" * 32]
    assert select_sessions(db, ["Anden runde"]) == ["b" * 32]
    assert select_sessions(db, [SESSION_ID[:6]]) == [SESSION_ID]
    assert select_sessions(db, ["b" * 32, SESSION_ID]) == [SESSION_ID, "b" * 32]  # start order
    with pytest.raises(SelectionError, match="no session 'nope'"):
        select_sessions(db, ["nope"])
    with pytest.raises(SelectionError):
        select_sessions(db, ["5e"])  # too short a prefix to guess
    r = build_report(db, ["Anden runde"], entities=None)
    assert [s.name for s in r.sessions] == ["Anden runde"] and r.summary.sessions == 1


def test_empty_database():
    d = Database(memory=True)
    migrate(d)
    r = build_report(d, entities=None)
    assert r.sessions == [] and r.summary.third_parties == 0 and r.summary.verdict == "no_findings"


def test_session_without_flows():
    d = Database(memory=True)
    migrate(d)
    d.table("sessions").insert({"id": "s1", "source": "live", "started": 100.0, "first_party": "not json"})
    r = build_report(d, entities=None)
    assert r.sessions == [] and r.left_out == 1  # it saw nothing of a solution: left out, and counted
    s = build_report(d, entities=None, all_sessions=True).sessions[0]
    assert s.first_party == [] and s.third_parties == [] and s.end == 100.0 and s.title == "s1"
    assert build_report(d, ["s1"], entities=None).sessions[0].id == "s1"  # named: always read
