"""Script-set cookies: a cookie sent in a request that no Set-Cookie in the session created was written by
JavaScript (``document.cookie`` or the CookieStore API), typically by a script on behalf of a third party
(``_ga``, ``_fbp``, ``_hjSessionUser_*`` ...).

Rule (detection kind ``js_cookie``, signal ``document.cookie``; behaviour ``js_cookie``): a cookie named N is sent to
a host of site S, no response of site S in this session had a Set-Cookie for N, and the request is not the
session's first request to S. It is reported once per (S, N), with the first request it was seen in and the
third-party scripts loaded (responses recorded) before that request.

A cookie that is already sent in the session's **first** request to its site cannot have been created during the
session: it is older than the session (a browser profile that was not fresh, or an app that keeps its cookies).
It is reported as kind ``stale_cookie`` (signal ``sent-in-first-request``), not as a script-set cookie, and adds no
behaviour. Cookies from an earlier visit can also first show up on a later request (a cookie scoped to a path, or
one the first request did not need), and then look exactly like a script-set cookie: walk through with a fresh
browser profile (or a freshly installed app) to rule this out. Cookies set by responses the proxy did not see
(HTTP/3 over QUIC, a connection that bypassed the proxy) look script-set as well (docs/detectors.md).
"""

from __future__ import annotations

from tredjepart.detect.model import Detection, detection
from tredjepart.detect.state import SessionState
from tredjepart.records import Observation

MAX_SCRIPTS = 20  # third-party scripts listed as evidence (the latest ones before the request)


def detect_js_cookies(obs: Observation, state: SessionState) -> list[Detection]:
    """``js_cookie`` and ``stale_cookie`` detections for the cookies sent in ``obs``'s request.

    Call before this flow's own Set-Cookies are added to ``state.set_cookies`` and its site to
    ``state.sites_seen``. Marks what it reported in ``state.reported``.
    """
    rec = obs.flow
    first_request = rec.site not in state.sites_seen
    out = []
    before = None  # the third-party scripts loaded before this request: listed once per flow, not per cookie
    for c in obs.cookies:
        if c.direction != "sent":
            continue
        key = (c.site, c.name)
        if key in state.set_cookies or ("sent", *key) in state.reported:
            continue
        state.reported.add(("sent", *key))
        evidence = {"cookie": c.name, "cookie_id": c.id, "value_length": c.value_length, "cookie_party": c.party}
        if first_request:
            evidence["note"] = ("sent in the session's first request to this site, so it existed before the "
                                "session started (the browser profile or app was not fresh)")
            out.append(detection(rec, "stale_cookie", "sent-in-first-request", evidence, subject=c.name))
            continue
        if before is None:
            scripts = [s for s in state.third_party_scripts.values() if s.started <= rec.started and s.flow_id != rec.id]
            before = ([{"flow_id": s.flow_id, "url": s.url, "site": s.site} for s in scripts[-MAX_SCRIPTS:]],
                      len(scripts))
        evidence["scripts_before"] = [dict(s) for s in before[0]]
        evidence["scripts_before_count"] = before[1]
        evidence["note"] = ("no Set-Cookie in this session created it: written by a script, or older than the "
                            "session if the browser profile was not fresh")
        out.append(detection(rec, "js_cookie", "document.cookie", evidence, subject=c.name))
    return out
