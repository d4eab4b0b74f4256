"""detect.pixels and detect.beacons: tracking pixels and fire-and-forget reports to third parties."""

from __future__ import annotations

import base64

import pytest

from tredjepart.detect.beacons import collect_endpoint, detect_beacon
from tredjepart.detect.pixels import detect_pixel
from tredjepart.observe import observe
from tredjepart.observe.signals import wire_signals

KEY = b"k" * 32
FIRST = "example-portal.dk"
GIF_1X1 = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
PNG_HEAD = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"


def seen(flow, session="s1"):
    """Observe a flow the way the recorder does (party by site) and read its wire signals."""
    obs = observe(flow, session, KEY)
    party = "first" if obs.flow.site == FIRST else "third"
    obs.flow.party = party
    for r in (*obs.cookies, *obs.scripts):
        r.party = party
    return obs, wire_signals(flow, KEY, obs)


def png(w, h):
    return PNG_HEAD + w.to_bytes(4, "big") + h.to_bytes(4, "big") + b"\x08\x02\x00\x00\x00" + b"\x00" * 4


IMG = {"Sec-Fetch-Dest": "image", "Sec-Fetch-Mode": "no-cors"}


# --- pixels -----------------------------------------------------------------------------------------------------

def test_third_party_1x1_gif_with_query_is_a_pixel(flow_factory):
    obs, sig = seen(flow_factory("https://px.tracker.com/p?uid=abc&ev=view", req_headers=IMG,
                                 resp_headers={"Content-Type": "image/gif"}, resp_body=GIF_1X1))
    d = detect_pixel(obs, sig)
    assert d.kind == "pixel" and d.signal == "1x1-gif" and d.flow_id == obs.flow.id
    assert d.evidence["query_names"] == ["uid", "ev"] and d.evidence["carries"] == ["query"]
    assert d.site == "tracker.com" and d.session_id == "s1"


def test_pixel_with_cookie_only_and_2x2_png(flow_factory):
    obs, sig = seen(flow_factory("https://px.tracker.com/p.png", req_headers={**IMG, "Cookie": "id=xyz"},
                                 resp_headers={"Content-Type": "image/png"}, resp_body=png(2, 2)))
    d = detect_pixel(obs, sig)
    assert d.signal == "2x2-png" and d.evidence["cookies_sent"] == ["id"] and d.evidence["carries"] == ["cookies"]


@pytest.mark.parametrize("status, body, signal", [(204, b"", "204-no-content"), (200, b"", "empty-body")])
def test_empty_answers_to_image_requests_are_pixels(flow_factory, status, body, signal):
    obs, sig = seen(flow_factory("https://px.tracker.com/i?e=1", req_headers=IMG, status=status, resp_body=body))
    assert detect_pixel(obs, sig).signal == signal


def test_spacer_gif_without_data_is_not_a_pixel(flow_factory):
    obs, sig = seen(flow_factory("https://cdn.tracker.com/spacer.gif", req_headers=IMG,
                                 resp_headers={"Content-Type": "image/gif"}, resp_body=GIF_1X1))
    assert detect_pixel(obs, sig) is None


def test_real_image_is_not_a_pixel(flow_factory):
    obs, sig = seen(flow_factory("https://cdn.tracker.com/banner.png?v=3", req_headers=IMG,
                                 resp_headers={"Content-Type": "image/png"}, resp_body=png(300, 250)))
    assert detect_pixel(obs, sig) is None


def test_first_party_pixel_is_not_reported(flow_factory):
    obs, sig = seen(flow_factory("https://www.example-portal.dk/p.gif?x=1", req_headers=IMG,
                                 resp_headers={"Content-Type": "image/gif"}, resp_body=GIF_1X1))
    assert detect_pixel(obs, sig) is None


def test_redirect_and_script_are_not_pixels(flow_factory):
    obs, sig = seen(flow_factory("https://px.tracker.com/p?x=1", req_headers=IMG, status=302,
                                 resp_headers={"Location": "https://other.com/p"}))
    assert detect_pixel(obs, sig) is None
    obs, sig = seen(flow_factory("https://px.tracker.com/t.js?x=1", req_headers={"Sec-Fetch-Dest": "script"},
                                 status=204))
    assert detect_pixel(obs, sig) is None


# --- beacons ----------------------------------------------------------------------------------------------------

BEACON = {"Sec-Fetch-Dest": "empty", "Sec-Fetch-Mode": "no-cors", "Content-Type": "text/plain;charset=UTF-8"}


def test_send_beacon(flow_factory):
    obs, sig = seen(flow_factory("https://c.tracker.com/report", method="POST", req_headers=BEACON,
                                 req_body=b'{"e":"leave"}', status=204))
    d = detect_beacon(obs, sig)
    assert d.kind == "beacon" and d.signal == "sendBeacon"
    assert d.evidence["signals"] == ["sendBeacon", "empty-response-post"]


def test_keepalive_post_with_empty_answer(flow_factory):
    obs, sig = seen(flow_factory("https://c.tracker.com/report", method="POST", req_body=b"a=1",
                                 req_headers={"Sec-Fetch-Dest": "empty", "Sec-Fetch-Mode": "cors",
                                              "Content-Type": "application/x-www-form-urlencoded"},
                                 status=200, resp_body=b""))
    assert detect_beacon(obs, sig).signal == "empty-response-post"


def test_a_ping(flow_factory):
    headers = {"Content-Type": "text/ping", "Ping-From": "https://www.example-portal.dk/",
               "Ping-To": "https://elsewhere.dk/"}
    obs, sig = seen(flow_factory("https://c.tracker.com/click", method="POST", req_body=b"PING", req_headers=headers,
                                 status=204))
    assert detect_beacon(obs, sig).signal == "ping"


@pytest.mark.parametrize("url", ["https://region1.google-analytics.com/g/collect?v=2&tid=G-X&cid=1.2",
                                 "https://www.facebook.com/tr/?id=1&ev=PageView",
                                 "https://metrics.tracker.com/b/ss/rsid/1/JS-2.0/s123?AQB=1",
                                 "https://api.segment.io/v1/batch"])
def test_collection_endpoints(flow_factory, url):
    method, body = ("POST", b'{"batch":[]}') if "segment" in url else ("GET", b"")
    obs, sig = seen(flow_factory(url, method=method, req_body=body, status=204))
    d = detect_beacon(obs, sig)
    assert d is not None and "collect-endpoint" in d.evidence["signals"]


def test_collection_path_with_a_big_answer_is_not_a_beacon(flow_factory):
    big = b"[" + b"{}," * 500 + b"{}]"
    obs, sig = seen(flow_factory("https://widget.calendar.com/events?month=3",
                                 resp_headers={"Content-Type": "application/json"}, resp_body=big))
    assert detect_beacon(obs, sig) is None


def test_collection_path_without_data_is_not_a_beacon(flow_factory):
    obs, sig = seen(flow_factory("https://c.tracker.com/collect", status=204))
    assert detect_beacon(obs, sig) is None


def test_ordinary_fetch_and_first_party_beacon_are_not_reported(flow_factory):
    obs, sig = seen(flow_factory("https://api.widget.com/data", method="POST", req_body=b'{"q":1}',
                                 req_headers={"Sec-Fetch-Dest": "empty", "Sec-Fetch-Mode": "cors",
                                              "Content-Type": "application/json"},
                                 resp_headers={"Content-Type": "application/json"}, resp_body=b'{"result": [1,2,3]}'))
    assert detect_beacon(obs, sig) is None
    obs, sig = seen(flow_factory("https://www.example-portal.dk/collect?x=1", method="POST", req_headers=BEACON,
                                 req_body=b"x", status=204))
    assert detect_beacon(obs, sig) is None


@pytest.mark.parametrize("path, match", [("/collect", "/collect"), ("/G/Collect/", "/g/collect"),
                                         ("/b/ss/abc/1", "/b/ss/*"), ("/tr", "/tr"), ("/trends", None),
                                         ("/", None), ("/api/v2/rum", "/api/v2/rum")])
def test_collect_endpoint(path, match):
    assert collect_endpoint(path) == match
