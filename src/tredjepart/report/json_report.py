"""The JSON report: a documented, versioned format for pipelines (docs/report-format.md, report.schema.json).

``FORMAT_VERSION`` is MAJOR.MINOR: a minor version only adds fields (consumers ignore fields they do not know);
anything else (a field removed, renamed or changing meaning) is a new major version.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from tredjepart.report.model import (BlindSpot, Cookie, FindingItem, Report, Script, SessionReport, Step,
                                     ThirdParty)
from tredjepart.report.storage import to_json as instrument_json

FORMAT_VERSION = "1.2"
SCHEMA_PATH = Path(__file__).resolve().parent / "report.schema.json"


def iso(ts: float | None) -> str | None:
    """A time as ISO 8601 in UTC with milliseconds: ``2025-11-03T09:00:01.300Z``."""
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def load_schema() -> dict:
    """The JSON Schema (draft 2020-12) of this format version."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def to_json(report: Report) -> dict:
    """The report as a JSON-ready dict."""
    s = report.summary
    return {
        "format_version": FORMAT_VERSION,
        "tool": {"name": "tredjepart", "version": report.tool_version},
        "generated": iso(report.generated),
        "sessions": [_session(x) for x in report.sessions],
        "summary": {
            "sessions": s.sessions, "third_parties": s.third_parties, "uncovered": s.uncovered,
            "undeclared": s.undeclared, "errors": s.errors, "warnings": s.warnings, "infos": s.infos,
            "blind_spots": s.blind_spots, "verdict": s.verdict, "detections_recorded": report.has_detections,
            "sessions_left_out": report.left_out, "received_recorded": report.has_received,
            "probably_own_sites": s.probably_own,
        },
    }


def dumps(report: Report) -> str:
    return json.dumps(to_json(report), indent=2, ensure_ascii=False) + "\n"


def _session(s: SessionReport) -> dict:
    c = s.flow_counts
    return {
        "id": s.id, "name": s.name, "solution": s.solution, "owner": s.owner, "device": s.device,
        "client": s.client, "clients": s.clients, "source": s.source, "policy_file": s.policy_file,
        "first_party": s.first_party, "key_id": s.key_id, "started": iso(s.started), "ended": iso(s.ended),
        "flows": {"total": c.get("total", 0), "first_party": c.get("first", 0), "third_party": c.get("third", 0),
                  "background": c.get("background", 0), "tool": c.get("tool", 0), "uncovered": c.get("uncovered", 0)},
        "steps": [_step(x) for x in s.steps],
        "third_parties": [_party(p) for p in s.third_parties],
        "background": [{"site": b.site, "hosts": b.hosts, "flows": b.flows, "reasons": b.reasons}
                       for b in s.background],
        "cookies": [_cookie(x) for x in s.cookies],
        "findings": [_finding(f) for f in s.findings],
        "blind_spots": None if s.blind_spots is None else [_blind(b) for b in s.blind_spots],
        "identity_fields": s.identity_fields,
        "instrument": instrument_json(s.instrument),
    }


def _step(x: Step) -> dict:
    return {"id": x.id, "label": x.label, "started": iso(x.started), "ended": iso(x.ended), "flows": x.flows,
            "new_third_parties": x.new_third_parties}


def _party(p: ThirdParty) -> dict:
    return {
        "site": p.site, "entity": p.entity, "parent": p.parent, "country": p.country, "categories": p.categories,
        "services": [{"host": x.host, "service": x.service, "purpose": x.purpose} for x in p.purposes],
        "hosts": p.hosts, "kinds": p.kinds, "request_kinds": dict(sorted(p.request_kinds.items())),
        "detections": dict(sorted(p.detections.items())), "sdks": p.sdks,
        "sdk_calls": dict(sorted(p.sdk_calls.items())), "basis": p.basis,
        "party_name": p.party_name, "covered": p.covered, "state": p.state, "flows": p.flows,
        "uncovered_flows": p.uncovered_flows, "first_seen": iso(p.first_seen), "last_seen": iso(p.last_seen),
        "first_step": p.first_step, "verdicts": p.verdicts, "scripts": [_script(x) for x in p.scripts],
        "data_types": [_data_type(x) for x in p.data_types],
        "probably_own": [{"host": o.host, "kind": o.kind, "confidence": o.confidence, "evidence": o.evidence}
                         for o in p.own_hosts],
        "suggested_owners": [{"host": o.host, "owner": o.owner, "confidence": o.confidence, "evidence": o.evidence,
                              "country": o.country, "parent": o.parent} for o in p.suggested_owners],
    }


_DATA_TYPE = ("type", "group", "label", "label_da", "source", "field", "decoder", "confidence", "where", "forms",
              "reasons", "topics", "flows", "flow_count")


def _data_type(x: dict) -> dict:
    """One entry of received.summary.data_types, in a fixed order; no field or decoder is null, not ""."""
    out = {k: x.get(k) for k in _DATA_TYPE}
    for k in ("field", "decoder"):
        out[k] = out[k] or None
    return out


def _script(x: Script) -> dict:
    return {"url": x.url, "host": x.host, "sha256": x.sha256, "size": x.size, "count": x.count}


def _cookie(x: Cookie) -> dict:
    w = x.written_by
    return {"direction": x.direction, "name": x.name, "site": x.site, "hosts": x.hosts, "party": x.party,
            "lifetime": x.lifetime, "secure": x.secure, "httponly": x.httponly, "samesite": x.samesite,
            "partitioned": x.partitioned, "count": x.count, "value_length": x.value_length,
            "written_by_script": w is not None,
            "writer_known": bool(w and w.known),
            "candidate_scripts": [{"site": c.site, "urls": c.urls, "owner": c.owner} for c in w.candidates] if w
            else []}


def _finding(f: FindingItem) -> dict:
    return {"id": f.id, "rule": f.rule, "severity": f.severity, "site": f.site, "host": f.host,
            "message": f.message, "evidence": f.evidence, "count": f.count, "first_seen": iso(f.first_seen),
            "last_seen": iso(f.last_seen), "details": f.details}


def _blind(b: BlindSpot) -> dict:
    return {"host": b.host, "client": b.client, "error": b.error, "first_seen": iso(b.first_seen),
            "last_seen": iso(b.last_seen), "count": b.count}
