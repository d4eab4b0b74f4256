"""Detectors: the per-session wrapper the recorder calls, and its records in the database schema."""

from __future__ import annotations

import base64
import json

from sqlite_utils import Database

from tredjepart.detect import Detectors, FlowDetections
from tredjepart.detect.model import KINDS
from tredjepart.rules import RULES
from tredjepart.observe import observe
from tredjepart.observe.signals import wire_signals
from tredjepart.store.rows import to_row
from tredjepart.store.schema import migrate

KEY = b"k" * 32
GIF_1X1 = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


def run(detectors, flow, party):
    obs = observe(flow, "s1", KEY)
    obs.flow.party = party
    obs.flow.step_id = "step1"
    for r in (*obs.cookies, *obs.scripts):
        r.party = party
    return obs, detectors.on_flow(obs, wire_signals(flow, KEY, obs))


def test_on_flow_returns_detections_findings_behaviours(flow_factory):
    d = Detectors()
    run(d, flow_factory("https://www.example-portal.dk/"), "first")
    obs, result = run(d, flow_factory("https://px.tracker.com/p?e=1", req_headers={"Sec-Fetch-Dest": "image"},
                                      resp_headers=[("Content-Type", "image/gif"),
                                                    ("Set-Cookie", "uid=Xk29fLq0ZpA7mB3c; Max-Age=99999999")],
                                      resp_body=GIF_1X1), "third")
    assert isinstance(result, FlowDetections)
    detections, findings, behaviours = result
    assert behaviours == {"pixel"}
    assert sorted(x.kind for x in detections) == ["identifier_cookie", "pixel"]
    assert [f.rule for f in findings] == ["identifier-cookie"]
    assert all(x.step_id == "step1" and x.time == obs.flow.started for x in detections)


def test_background_flows_are_not_looked_at(flow_factory):
    d = Detectors()
    _, result = run(d, flow_factory("https://px.tracker.com/p?e=1", req_headers={"Sec-Fetch-Dest": "image"},
                                    resp_headers={"Content-Type": "image/gif"}, resp_body=GIF_1X1), "background")
    assert result == ([], [], set())


def test_a_failing_detector_does_not_stop_the_others(flow_factory, monkeypatch, caplog):
    import tredjepart.detect as detect

    def broken(*args):
        raise RuntimeError("boom")

    monkeypatch.setattr(detect, "detect_beacon", broken)
    d = Detectors()
    _, result = run(d, flow_factory("https://px.tracker.com/p?e=1", req_headers={"Sec-Fetch-Dest": "image"},
                                    resp_headers={"Content-Type": "image/gif"}, resp_body=GIF_1X1), "third")
    assert [x.kind for x in result.detections] == ["pixel"]
    assert "detector broken failed" in caplog.text


def test_ping_behaviour_for_a_ping(flow_factory):
    d = Detectors()
    _, result = run(d, flow_factory("https://c.tracker.com/click", method="POST", req_body=b"PING",
                                    req_headers={"Content-Type": "text/ping"}, status=204), "third")
    assert result.behaviours == {"ping"}


def test_detection_ids_are_stable(flow_factory):
    f = flow_factory("https://px.tracker.com/p?e=1", req_headers={"Sec-Fetch-Dest": "image"},
                     resp_headers={"Content-Type": "image/gif"}, resp_body=GIF_1X1)
    _, a = run(Detectors(), f, "third")
    _, b = run(Detectors(), f, "third")
    assert a.detections[0].id == b.detections[0].id


def test_records_fit_the_schema(flow_factory):
    db = Database(memory=True)
    migrate(db)
    d = Detectors()
    _, result = run(d, flow_factory("https://px.tracker.com/p?e=1", req_headers={"Sec-Fetch-Dest": "image"},
                                    resp_headers={"Content-Type": "image/gif"}, resp_body=GIF_1X1), "third")
    spot, _ = d.on_tls_failed("s1", "api.pinned-app.com", "192.0.2.10", "connection closed", 1.0)
    db.table("detections").insert_all([to_row(x) for x in result.detections])
    db.table("blind_spots").upsert_all([to_row(spot)], pk="id")
    row = next(db.query("select * from detections"))
    assert row["kind"] == "pixel" and json.loads(row["evidence"])["query_names"] == ["e"]
    assert next(db.query("select count from blind_spots"))["count"] == 1


def test_rule_and_kind_lists_are_documented():
    from pathlib import Path

    text = (Path(__file__).resolve().parent.parent / "docs" / "detectors.md").read_text()
    for rule in RULES.values():
        if rule.raised_by == "detect":
            assert f"`{rule.id}`" in text, rule.id
    for kind in KINDS:
        assert f"`{kind}`" in text, kind
