"""The records the detectors make: one Detection per thing recognised in a flow, one BlindSpot per host the proxy
could not look into. Field names are the column names of the ``detections`` and ``blind_spots`` tables
(docs/schema.md), so ``store.rows.to_row`` turns them into rows."""

from __future__ import annotations

from dataclasses import dataclass, field

from tredjepart.ids import record_id
from tredjepart.records import Finding, FlowRecord
from tredjepart.rules import new_finding

# Detection kinds (detections.kind).
KINDS = ("pixel", "beacon", "js_cookie", "stale_cookie", "identifier_cookie", "id_sync", "fingerprinting",
         "etag", "bounce")


@dataclass(slots=True)
class Detection:
    """One similar technology recognised in one flow, with the evidence an auditor needs to check the claim."""

    id: str
    session_id: str | None
    flow_id: str
    kind: str  # one of KINDS
    signal: str  # which rule matched, e.g. "1x1-gif", "sendBeacon", "canvas+webgl"
    site: str
    host: str
    evidence: dict = field(default_factory=dict)  # names of cookies/parameters, sizes, other flow ids; no values
    step_id: str | None = None
    time: float | None = None


@dataclass(slots=True)
class BlindSpot:
    """A host whose traffic the proxy could not inspect (the client refused the TLS handshake)."""

    id: str
    session_id: str | None
    host: str
    client: str
    error: str
    first_seen: float
    last_seen: float
    count: int = 1


def detection(flow: FlowRecord, kind: str, signal: str, evidence: dict, *, subject: str = "") -> Detection:
    """A Detection for ``flow``; its id is stable for (session, flow, kind, subject)."""
    return Detection(
        id=record_id(flow.session_id or "", flow.id, "detect", kind, subject or signal),
        session_id=flow.session_id,
        flow_id=flow.id,
        kind=kind,
        signal=signal,
        site=flow.site,
        host=flow.host,
        evidence=evidence,
        step_id=flow.step_id,
        time=flow.started,
    )


def finding(flow: FlowRecord, rule: str, message: str, subject: str, *, evidence: list[str] | None = None,
            site: str | None = None, host: str | None = None, **details) -> Finding:
    """A Finding of a detector's rule (rules.RULES) about ``flow``; ``subject`` tells apart problems of one rule on
    one site."""
    details.setdefault("hosts", [flow.host])
    return new_finding(rule, site=site or flow.site, message=message, host=host, subject=subject,
                       evidence=list(evidence) if evidence else [flow.id], session_id=flow.session_id,
                       when=flow.started, details=details)
