"""Beacons: fire-and-forget reports a page sends to a third party: ``navigator.sendBeacon``, keepalive POSTs,
``<a ping>`` and the collection endpoints of analytics services.

A third-party flow is a beacon when one of these signals matches (all that match are stored; the first one
names the detection):

``ping``
    an ``<a ping>`` report: request Content-Type ``text/ping``, or a Ping-To / Ping-From header.
``sendBeacon``
    POST with Sec-Fetch-Dest ``empty`` and Sec-Fetch-Mode ``no-cors`` and a CORS-safelisted body type
    (``text/plain``, form, multipart, or none): what ``navigator.sendBeacon`` sends. A ``fetch(...,
    {mode: "no-cors"})`` POST looks the same on the wire, and is used the same way.
``empty-response-post``
    POST with Sec-Fetch-Dest ``empty``, a CORS-safelisted body type, answered 204, or 200 with an empty body:
    a keepalive fetch or XHR that reports and expects nothing back.
``collect-endpoint``
    the path is a well-known collection endpoint (``COLLECT_PATHS`` / ``COLLECT_PREFIXES``), the request carries
    data (query values or a body) and the answer is small (204, empty, or at most ``SMALL`` bytes).

Only third-party flows are considered: a portal reporting to itself is not a third party's similar technology.
"""

from __future__ import annotations

from tredjepart.detect.model import Detection, detection
from tredjepart.records import Observation

SMALL = 512  # bytes: a collection endpoint answers with nothing, a pixel or a tiny JSON acknowledgement
SAFELISTED = ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data", None)

# Paths (lower case, without a trailing slash) of well-known collection endpoints.
COLLECT_PATHS = frozenset({
    "/collect", "/g/collect", "/j/collect", "/r/collect", "/mp/collect", "/debug/mp/collect",  # Google Analytics
    "/tr", "/privacy_sandbox/pixel/register/trigger",  # Meta pixel
    "/v1/batch", "/v1/track", "/v1/t", "/v1/p", "/v1/i", "/v1/page", "/v1/identify",  # Segment
    "/track", "/engage", "/events", "/event", "/i", "/e", "/batch", "/2/httpapi",  # Mixpanel, Amplitude, ...
    "/api/event", "/api/send", "/matomo.php", "/piwik.php", "/js/tracker.php", "/ppms.php",  # Plausible, Matomo
    "/beacon", "/pixel", "/__utm.gif", "/api/v2/rum",
})
COLLECT_PREFIXES = (
    "/b/ss/",  # Adobe Analytics
    "/v1/batch/",
)


def collect_endpoint(path: str) -> str | None:
    """The matching collection endpoint pattern for ``path``, or None."""
    p = (path or "/").lower().rstrip("/") or "/"
    if p in COLLECT_PATHS:
        return p
    for prefix in COLLECT_PREFIXES:
        if (p + "/").startswith(prefix):
            return prefix + "*"
    return None


def detect_beacon(obs: Observation, signals) -> Detection | None:
    """A ``beacon`` detection for ``obs``, or None."""
    rec = obs.flow
    if rec.party != "third":
        return None
    matched: list[str] = []
    evidence: dict = {
        "method": rec.method,
        "request_content_type": signals.request_content_type,
        "request_size": rec.request_size,
        "status": rec.status,
        "response_size": signals.response_size,
        "sec_fetch_dest": signals.sec_fetch_dest,
        "sec_fetch_mode": signals.sec_fetch_mode,
        "query_names": list(rec.query_names),
    }
    if signals.request_content_type == "text/ping" or signals.ping_headers:
        matched.append("ping")
    # No Sec-Fetch-Dest at all: an app, or a page on plain http (browsers send fetch metadata to https only).
    post_empty = rec.method == "POST" and signals.sec_fetch_dest in ("empty", None)
    safelisted = signals.request_content_type in SAFELISTED
    if post_empty and safelisted and signals.sec_fetch_mode == "no-cors":
        matched.append("sendBeacon")
    if post_empty and safelisted and _empty_answer(rec.status, signals):
        matched.append("empty-response-post")
    endpoint = collect_endpoint(rec.path)
    if endpoint and _carries_data(rec) and _small_answer(rec.status, signals):
        matched.append("collect-endpoint")
        evidence["endpoint"] = endpoint
    if not matched:
        return None
    evidence["signals"] = matched
    return detection(rec, "beacon", matched[0], evidence)


def _empty_answer(status: int | None, signals) -> bool:
    return status == 204 or (status == 200 and signals.body_empty)


def _small_answer(status: int | None, signals) -> bool:
    if status is None:
        return True  # sent and not answered (the page may be gone): still a report
    if status == 204 or signals.body_empty:
        return True
    return 200 <= status < 300 and signals.response_size is not None and signals.response_size <= SMALL


def _carries_data(rec) -> bool:
    return bool(rec.query_names) or rec.request_size > 0
