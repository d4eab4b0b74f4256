"""detect.storage: ETag tracking and bounce tracking, over sequences of flows through Detectors."""

from __future__ import annotations

import pytest

from tredjepart.detect import Detectors
from tredjepart.observe import observe
from tredjepart.observe.signals import wire_signals

KEY = b"k" * 32
FIRST = "example-portal.dk"
NAV = {"Sec-Fetch-Dest": "document", "Sec-Fetch-Mode": "navigate"}


class Walk:
    def __init__(self) -> None:
        self.detectors = Detectors()
        self.t = 1_700_000_000.0

    def flow(self, factory, url, step: float = 1.0, **kw):
        self.t += step
        f = factory(url, timestamp=self.t, **kw)
        obs = observe(f, "s1", KEY)
        party = "first" if obs.flow.site == FIRST else "third"
        obs.flow.party = party
        for r in (*obs.cookies, *obs.scripts):
            r.party = party
        return obs, self.detectors.on_flow(obs, wire_signals(f, KEY, obs))


# --- ETag -------------------------------------------------------------------------------------------------------

TAG = '"Zq81bX0pLk2vR7"'


def test_identifier_etag_sent_back_is_etag_tracking(flow_factory):
    w = Walk()
    issued, _ = w.flow(flow_factory, "https://t.tracker.com/pixel.gif", resp_headers={"ETag": TAG})
    back, r = w.flow(flow_factory, "https://t.tracker.com/pixel.gif", req_headers={"If-None-Match": TAG}, status=304)
    (f,) = r.findings
    assert f.rule == "etag-tracking" and f.host == "t.tracker.com" and f.evidence == [back.flow.id, issued.flow.id]
    (d,) = r.detections
    assert (d.kind, d.signal) == ("etag", "etag-roundtrip") and d.evidence["etag_flow"] == issued.flow.id
    assert "Zq81bX0pLk2vR7" not in repr(r)
    _, again = w.flow(flow_factory, "https://t.tracker.com/pixel.gif", req_headers={"If-None-Match": TAG}, status=304)
    assert again.findings == []


@pytest.mark.parametrize("tag", ['"64f1a2b3-1a2b"', '"d41d8cd98f00b204e9800998ecf8427e"', '"12345"',
                                 'W/"1f-qP7vEIwS5QHwaK1X5ZyTDfJ4B0E"', '"v2"'])
def test_content_and_version_etags_are_ordinary_caching(flow_factory, tag):
    w = Walk()
    w.flow(flow_factory, "https://cdn.vendor.com/lib.js", resp_headers={"ETag": tag})
    _, r = w.flow(flow_factory, "https://cdn.vendor.com/lib.js", req_headers={"If-None-Match": tag}, status=304)
    assert r.findings == [] and r.detections == []


def test_etag_needs_the_same_host_third_party_and_no_static_asset(flow_factory):
    w = Walk()
    w.flow(flow_factory, "https://a.tracker.com/p", resp_headers={"ETag": TAG})
    _, r = w.flow(flow_factory, "https://b.tracker.com/p", req_headers={"If-None-Match": TAG}, status=304)
    assert r.findings == []
    w.flow(flow_factory, "https://www.example-portal.dk/p", resp_headers={"ETag": TAG})
    _, r = w.flow(flow_factory, "https://www.example-portal.dk/p", req_headers={"If-None-Match": TAG}, status=304)
    assert r.findings == []
    w.flow(flow_factory, "https://fonts.vendor.com/f.woff2", req_headers={"Sec-Fetch-Dest": "font"},
           resp_headers={"ETag": TAG})
    _, r = w.flow(flow_factory, "https://fonts.vendor.com/f.woff2", req_headers={"If-None-Match": TAG}, status=304)
    assert r.findings == []


def test_if_none_match_never_issued_in_the_session_is_not_reported(flow_factory):
    w = Walk()
    _, r = w.flow(flow_factory, "https://t.tracker.com/p", req_headers={"If-None-Match": TAG}, status=304)
    assert r.findings == [] and r.detections == []


# --- bounce -----------------------------------------------------------------------------------------------------

def test_redirect_through_a_third_party_that_sets_a_cookie_is_bounce_tracking(flow_factory):
    w = Walk()
    start, _ = w.flow(flow_factory, "https://www.example-portal.dk/go", req_headers=NAV, status=302,
                      resp_headers={"Location": "https://bounce.tracker.com/r?to=portal"})
    hop, r = w.flow(flow_factory, "https://bounce.tracker.com/r?to=portal", req_headers=NAV, status=302,
                    resp_headers=[("Location", "https://www.example-portal.dk/landing"),
                                  ("Set-Cookie", "uid=Xk29fLq0ZpA7mB3c; Max-Age=31536000")])
    (d,) = [d for d in r.detections if d.kind == "bounce"]
    assert d.signal == "redirect-back" and d.evidence["from_flow"] == start.flow.id
    assert d.evidence["cookies_set"] == ["uid"] and d.evidence["to_site"] == FIRST
    (f,) = [f for f in r.findings if f.rule == "bounce-tracking"]
    assert f.site == "tracker.com" and f.evidence == [start.flow.id, hop.flow.id]


def test_chain_through_two_trackers(flow_factory):
    w = Walk()
    w.flow(flow_factory, "https://www.example-portal.dk/go", req_headers=NAV, status=302,
           resp_headers={"Location": "https://a.one.com/r"})
    _, r1 = w.flow(flow_factory, "https://a.one.com/r", req_headers=NAV, status=302,
                   resp_headers=[("Location", "https://b.two.com/r"), ("Set-Cookie", "x=1")])
    _, r2 = w.flow(flow_factory, "https://b.two.com/r", req_headers=NAV, status=302,
                   resp_headers=[("Location", "https://www.example-portal.dk/"), ("Set-Cookie", "y=2")])
    assert [d.signal for d in r1.detections if d.kind == "bounce"] == ["redirect-through"]
    assert [d.signal for d in r2.detections if d.kind == "bounce"] == ["redirect-through"]


def test_not_bounce_tracking(flow_factory):
    w = Walk()
    # a redirect through a third party that sets no cookie
    w.flow(flow_factory, "https://www.example-portal.dk/go", req_headers=NAV, status=302,
           resp_headers={"Location": "https://short.link.com/r"})
    _, r = w.flow(flow_factory, "https://short.link.com/r", req_headers=NAV, status=302,
                  resp_headers={"Location": "https://www.example-portal.dk/"})
    assert r.findings == []
    # a log-in page the person saw (200) and submitted: its redirect back is not a bounce
    w.flow(flow_factory, "https://www.example-portal.dk/login", req_headers=NAV, status=302,
           resp_headers={"Location": "https://idp.login-provider.dk/auth"})
    w.flow(flow_factory, "https://idp.login-provider.dk/auth", req_headers=NAV, status=200,
           resp_headers={"Content-Type": "text/html"}, resp_body=b"<form>")
    w.flow(flow_factory, "https://www.example-portal.dk/login2", req_headers=NAV, status=302,
           resp_headers={"Location": "https://idp.login-provider.dk/auth"})
    _, r = w.flow(flow_factory, "https://idp.login-provider.dk/auth", req_headers=NAV, status=302,
                  resp_headers=[("Location", "https://www.example-portal.dk/"), ("Set-Cookie", "s=1")])
    assert r.findings == []
    # a third-party redirect nobody led to (typed or bookmarked)
    _, r = w.flow(flow_factory, "https://x.elsewhere.com/", req_headers=NAV, status=302,
                  resp_headers=[("Location", "https://www.example-portal.dk/"), ("Set-Cookie", "s=1")])
    assert r.findings == []


def test_bounce_only_shortly_after_the_redirect(flow_factory):
    w = Walk()
    w.flow(flow_factory, "https://www.example-portal.dk/go", req_headers=NAV, status=302,
           resp_headers={"Location": "https://bounce.tracker.com/r"})
    _, r = w.flow(flow_factory, "https://bounce.tracker.com/r", step=120, req_headers=NAV, status=302,
                  resp_headers=[("Location", "https://www.example-portal.dk/"), ("Set-Cookie", "u=1")])
    assert r.findings == []
