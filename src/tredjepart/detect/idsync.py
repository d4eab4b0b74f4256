"""ID syncing: an identifier from one site's cookie reappears in a request to a different, third-party site.

Rule (``id-sync``, warning): the keyed hash of an identifier-like cookie's value (detect.identifiers: lifetime at
least 30 days, or sent without any Set-Cookie in the session; at least 8 characters, high entropy, an identifier
shape), or of its percent-decoded value, or of a part of it split on ``:``, ``&``, ``|``, ``.`` (and ``=``, ``,``,
``;``, ``/``; parts of 8 characters or more that look like identifiers themselves), equals the keyed hash of a
query value, a path segment or a request-body value (or a part of one) of a later request to a **third-party**
site other than the cookie's own site.

Only hashes are compared (observe.signals); no value is kept. Each (identifier, destination site, parameter) is
reported once per session. Origin: the cookie-syncing detection of Acar et al. 2014 and Englehardt & Narayanan
2016 (OpenWPM), which look for identifier cookie values, and their parts split on delimiters, in the URLs of
requests to other domains.
"""

from __future__ import annotations

from tredjepart.detect.model import Detection, detection, finding
from tredjepart.detect.state import SessionState
from tredjepart.records import Finding, Observation


def detect_id_sync(obs: Observation, signals, state: SessionState) -> tuple[list[Detection], list[Finding]]:
    """ID syncing into ``obs``'s request: detections and findings; marks what it reported in ``state.synced``."""
    rec = obs.flow
    if rec.party != "third" or not state.id_hashes:
        return [], []
    detections, findings = [], []
    for v in signals.values:
        src = state.id_hashes.get(v.hash)
        if src is None or src.site == rec.site:
            continue
        key = (v.hash, rec.site, v.name)
        if key in state.synced:
            continue
        state.synced.add(key)
        part = src.part or v.part
        signal = f"cookie-{'part' if part else 'value'}-in-{v.where}"
        evidence = {
            "cookie": src.cookie, "cookie_site": src.site, "cookie_party": src.party, "cookie_id": src.cookie_id,
            "cookie_flow": src.flow_id, "cookie_direction": src.direction, "parameter": v.name, "where": v.where,
            "value_length": v.length, "cookie_part": src.part, "parameter_part": v.part,
        }
        detections.append(detection(rec, "id_sync", signal, evidence, subject=f"{src.site}:{src.cookie}:{v.name}"))
        where = {"query": "query parameter", "path": "URL path segment", "body": "request body field"}[v.where]
        shown = f"{where} {v.name!r}" if v.name else where
        message = (
            f"The identifier in cookie {src.cookie!r} of {src.site} ({'a part of ' if part else ''}its value) was "
            f"sent to {rec.site} in the {shown} (ID syncing): {rec.site} can link what it knows about the person "
            f"with what {src.site} knows."
        )
        findings.append(finding(rec, "id-sync", message, f"{src.site}:{src.cookie}", evidence=[rec.id, src.flow_id],
                                cookie=src.cookie, cookie_site=src.site, parameters=[v.name], where=[v.where],
                                part=part))
    return detections, findings
