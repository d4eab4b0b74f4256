"""Detectors of "similar technologies": tracking pixels, beacons, script-set cookies, identifier cookies, ID syncing,
fingerprinting scripts, ETag and bounce tracking, and the blind spots the proxy cannot look into.

Each detector is a pure function over plain records (records.Observation) and wire facts (observe.signals.Signals),
in its own module; docs/detectors.md gives every rule, its evidence and its known false positives and negatives.
``Detectors`` keeps the per-session state some of them need (detect.state) and is what the recorder (record.recorder)
calls: ``on_flow`` for each flow (after its party is known), ``on_tls_failed`` from mitmproxy's
``tls_failed_client`` hook, ``end_session`` when a session ends.
"""

from __future__ import annotations

import logging
from typing import NamedTuple

from tredjepart.detect.beacons import detect_beacon
from tredjepart.detect.blindspots import blind_spot, merge_blind_spot
from tredjepart.detect.fingerprint import detect_fingerprinting
from tredjepart.detect.identifiers import detect_identifier_cookies
from tredjepart.detect.idsync import detect_id_sync
from tredjepart.detect.jscookies import detect_js_cookies
from tredjepart.detect.model import KINDS, BlindSpot, Detection
from tredjepart.detect.pixels import detect_pixel
from tredjepart.detect.state import MAX_ENTRIES, ScriptSeen, SessionState
from tredjepart.detect.storage import detect_bounce, detect_etag, issued_etag, redirect_to_remember
from tredjepart.records import Finding, Observation

logger = logging.getLogger(__name__)

__all__ = ["KINDS", "BlindSpot", "Detection", "Detectors", "FlowDetections"]


class FlowDetections(NamedTuple):
    """What the detectors found in one flow."""

    detections: list[Detection]
    findings: list[Finding]
    behaviours: set[str]  # for the policy's `allow:` lists: "pixel", "beacon", "ping", "js_cookie"


class Detectors:
    """Runs every detector on each flow and keeps what they need across the flows of a session."""

    def __init__(self) -> None:
        self._states: dict[str, SessionState] = {}
        self._blind_spots: dict[str, BlindSpot] = {}

    def state(self, session_id: str | None) -> SessionState:
        return self._states.setdefault(session_id or "", SessionState())

    def end_session(self, session_id: str | None) -> None:
        """Forget a session's state (call when it ends)."""
        self._states.pop(session_id or "", None)
        for key in [k for k, b in self._blind_spots.items() if b.session_id == session_id]:
            del self._blind_spots[key]

    def on_flow(self, obs: Observation, signals) -> FlowDetections:
        """Detections, findings and behaviours of one observed flow (its ``party`` and ``step_id`` already set)."""
        rec = obs.flow
        result = FlowDetections([], [], set())
        if rec.party == "background":
            return result
        state = self.state(rec.session_id)
        pixel = _safe(detect_pixel, obs, signals)
        if pixel:
            result.detections.append(pixel)
            result.behaviours.add("pixel")
        beacon = _safe(detect_beacon, obs, signals)
        if beacon:
            result.detections.append(beacon)
            result.behaviours.add("ping" if beacon.signal == "ping" else "beacon")
        js = _safe(detect_js_cookies, obs, state) or []
        result.detections.extend(js)
        if any(d.kind == "js_cookie" for d in js):
            result.behaviours.add("js_cookie")
        dets, finds = _safe(detect_id_sync, obs, signals, state) or ([], [])
        _add(result, dets, finds)
        dets, finds, sources = _safe(detect_identifier_cookies, obs, signals, state) or ([], [], [])
        _add(result, dets, finds)
        _add(result, *(_safe(detect_fingerprinting, obs, state.script_cache) or ([], [])))
        _add(result, *(_safe(detect_etag, obs, signals, state) or ([], [])))
        _add(result, *(_safe(detect_bounce, obs, signals, state) or ([], [])))
        self._remember(state, obs, signals, sources)
        return result

    def _remember(self, state: SessionState, obs: Observation, signals, sources) -> None:
        """Update the session's state with what this flow showed (after every detector has seen it)."""
        rec = obs.flow
        for c in obs.cookies:
            if c.direction == "set":
                state.put(state.set_cookies, (c.site, c.name), c.flow_id)
                state.put(state.lifetimes, (c.site, c.name), c.lifetime)
        for h, source in sources:
            if h not in state.id_hashes:
                state.put(state.id_hashes, h, source)
        state.sites_seen.add(rec.site)
        if rec.top_level and rec.status is not None and 200 <= rec.status < 300:
            state.visited_sites.add(rec.site)
        if rec.party == "third" and obs.scripts:
            url = obs.scripts[0].url
            if url not in state.third_party_scripts and len(state.third_party_scripts) < MAX_ENTRIES:
                state.third_party_scripts[url] = ScriptSeen(rec.id, url, rec.site, rec.started)
        etag = _safe(issued_etag, obs, signals)
        if etag:
            state.put(state.etags, etag, rec.id)
        redirect = _safe(redirect_to_remember, obs, signals)
        if redirect:
            state.put(state.redirects, *redirect)

    def on_tls_failed(self, session_id: str | None, host: str | None, client: str | None, error: str | None,
                      when: float) -> tuple[BlindSpot | None, list[Finding]]:
        """The blind spot (merged with earlier failures of the same host and client in the session, to upsert)
        and its finding for a failed client TLS handshake; (None, []) when the failure hides nothing."""
        made = _safe(blind_spot, session_id, host, client, error, when)
        if made is None:
            return None, []
        spot, found = made
        merged = merge_blind_spot(self._blind_spots.get(spot.id), spot)
        if len(self._blind_spots) < MAX_ENTRIES or spot.id in self._blind_spots:
            self._blind_spots[spot.id] = merged
        return merged, [found]


def _add(result: FlowDetections, detections: list[Detection], findings: list[Finding]) -> None:
    result.detections.extend(detections)
    result.findings.extend(findings)


def _safe(fn, *args):
    """``fn(*args)``, or None when it raises: a detector that fails on odd traffic must not stop the recording."""
    try:
        return fn(*args)
    except Exception:  # noqa: BLE001
        logger.exception("tredjepart: detector %s failed", getattr(fn, "__name__", fn))
        return None
