"""observe: a mitmproxy flow becomes plain records with nothing secret in them."""

from __future__ import annotations

import pytest

from tredjepart.observe import observe
from tredjepart.observe.client import classify_client
from tredjepart.observe.kinds import KindInput, request_kind
from tredjepart.observe.urls import strip_query_values

KEY = b"k" * 32


def test_query_values_are_dropped_and_names_kept(flow_factory):
    f = flow_factory("https://www.tracker.com/c?uid=SECRET123&page=/login&flag")
    rec = observe(f, "s", KEY).flow
    assert rec.url == "https://www.tracker.com/c?uid=&page=&flag="
    assert rec.query_names == ("uid", "page", "flag")
    assert "SECRET123" not in repr(rec)
    assert rec.site == "tracker.com"


def test_cookie_values_are_hashed_never_kept(flow_factory):
    f = flow_factory(
        "https://www.example-portal.dk/",
        req_headers={"Cookie": "sid=TOPSECRETTOKEN; lang=da"},
        resp_headers=[("Set-Cookie", "auth=ANOTHERSECRET; Path=/; HttpOnly; Secure; SameSite=Lax")],
    )
    obs = observe(f, "s", KEY)
    assert [(c.direction, c.name) for c in obs.cookies] == [("sent", "sid"), ("sent", "lang"), ("set", "auth")]
    dump = repr(obs)
    assert "TOPSECRETTOKEN" not in dump and "ANOTHERSECRET" not in dump
    sid = obs.cookies[0]
    assert sid.value is None and sid.value_length == len("TOPSECRETTOKEN") and len(sid.value_hash) == 32
    auth = obs.cookies[2]
    assert (auth.httponly, auth.secure, auth.samesite, auth.path, auth.lifetime) == (True, True, "Lax", "/", None)


def test_same_value_same_hash_other_key_other_hash(flow_factory):
    f = flow_factory(req_headers={"Cookie": "a=v1; b=v1"})
    a, b = observe(f, "s", KEY).cookies
    assert a.value_hash == b.value_hash
    assert observe(f, "s", b"x" * 32).cookies[0].value_hash != a.value_hash


def test_store_values_debug_switch_keeps_value(flow_factory):
    f = flow_factory(req_headers={"Cookie": "a=visible"})
    assert observe(f, "s", KEY, store_values=True).cookies[0].value == "visible"


def test_lifetime_from_max_age_wins_over_expires(flow_factory):
    f = flow_factory(
        resp_headers=[("Set-Cookie", "a=1; Expires=Wed, 09 Jun 2100 10:18:14 GMT; Max-Age=3600")],
        timestamp=1_700_000_000,
    )
    assert observe(f, "s", KEY).cookies[0].lifetime == 3600


def test_lifetime_from_expires_counts_from_response_time(flow_factory):
    f = flow_factory(resp_headers=[("Set-Cookie", "a=1; Expires=Thu, 01 Jan 2026 00:00:00 GMT")],
                     timestamp=1767225600 - 86400)
    assert observe(f, "s", KEY).cookies[0].lifetime == 86400


def test_har_style_newline_joined_set_cookie_is_split(flow_factory):
    f = flow_factory(resp_headers=[("Set-Cookie", "a=1; path=/\nb=2; Max-Age=10\n\nc=3")])
    assert [c.name for c in observe(f, "s", KEY).cookies] == ["a", "b", "c"]


@pytest.mark.parametrize("header", ["=novalue", ";;;", "\x00\x01", "a", '"unterminated=1', "=; Max-Age=abc"])
def test_malformed_set_cookie_never_raises(flow_factory, header):
    f = flow_factory(resp_headers=[("Set-Cookie", header)])
    observe(f, "s", KEY)  # must not raise


def test_script_is_fingerprinted(flow_factory):
    f = flow_factory("https://cdn.tracker.com/t.js", resp_headers={"Content-Type": "application/javascript"},
                     resp_body=b"var x=1;")
    obs = observe(f, "s", KEY)
    assert obs.flow.kind == "script"
    (script,) = obs.scripts
    import hashlib

    assert script.sha256 == hashlib.sha256(b"var x=1;").hexdigest() and script.size == 8


@pytest.mark.parametrize(
    "inp, kind",
    [
        (KindInput("GET", "/", sec_fetch_dest="document"), "document"),
        (KindInput("GET", "/", sec_fetch_dest="iframe"), "document"),
        (KindInput("GET", "/x", sec_fetch_dest="script"), "script"),
        (KindInput("GET", "/x", sec_fetch_dest="style"), "stylesheet"),
        (KindInput("GET", "/x", sec_fetch_dest="image"), "image"),
        (KindInput("GET", "/x", sec_fetch_dest="font"), "font"),
        (KindInput("GET", "/x", sec_fetch_dest="video"), "media"),
        (KindInput("GET", "/x", sec_fetch_dest="empty", sec_fetch_mode="cors"), "xhr"),
        (KindInput("POST", "/x", sec_fetch_dest="empty", sec_fetch_mode="no-cors"), "beacon"),
        (KindInput("POST", "/x", request_content_type="text/ping"), "ping"),
        (KindInput("GET", "/ws", upgrade="websocket"), "websocket"),
        # apps and old browsers: no Sec-Fetch
        (KindInput("GET", "/", accept="text/html,application/xhtml+xml"), "document"),
        (KindInput("GET", "/a.png", accept="*/*"), "image"),
        (KindInput("GET", "/lib", response_content_type="application/javascript; charset=utf-8"), "script"),
        (KindInput("GET", "/s.css"), "stylesheet"),
        (KindInput("POST", "/v1/batch", request_content_type="application/json"), "xhr"),
        (KindInput("GET", "/api", response_content_type="application/json"), "xhr"),
        (KindInput("GET", "/blob"), "other"),
    ],
)
def test_request_kind(inp, kind):
    assert request_kind(inp) == kind


@pytest.mark.parametrize(
    "ua, sec_fetch, xrw, expected",
    [
        ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36", True, None, "browser"),
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148", False, None,
         "browser"),
        ("okhttp/4.12.0", False, None, "app"),
        ("Dalvik/2.1.0 (Linux; U; Android 14; Pixel 8 Build/UD1A)", False, None, "app"),
        ("MitID/2.3.1 CFNetwork/1490.0.4 Darwin/23.2.0", False, None, "app"),
        # an in-app WebView belongs to the app under audit
        ("Mozilla/5.0 (Linux; Android 14; wv) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36", True, None,
         "app"),
        ("Mozilla/5.0 (Linux; Android 14) Chrome/126.0 Mobile Safari/537.36", True, "dk.borger.app", "app"),
        ("curl/8.5.0", False, None, "app"),
        (None, False, None, "unknown"),
    ],
)
def test_client(ua, sec_fetch, xrw, expected):
    assert classify_client(ua, sec_fetch, xrw) == expected


def test_url_keeps_port_and_ipv6():
    assert strip_query_values("http", "localhost", 8000, "/a?b=1")[0] == "http://localhost:8000/a?b="
    assert strip_query_values("https", "::1", 443, "/")[0] == "https://[::1]/"


def test_background_traffic_is_recognised(flow_factory):
    f = flow_factory("https://update.googleapis.com/service/update2/json")
    assert observe(f, "s", KEY).flow.background
    f = flow_factory("https://www.example-portal.dk/config", req_headers={"Sec-Fetch-Site": "none",
                                                                       "Sec-Fetch-Mode": "no-cors"})
    assert observe(f, "s", KEY).flow.background
    f = flow_factory("https://www.example-portal.dk/", req_headers={"Sec-Fetch-Site": "none",
                                                                 "Sec-Fetch-Mode": "navigate"})
    assert not observe(f, "s", KEY).flow.background


def test_error_flow_without_response(flow_factory):
    f = flow_factory(status=None)
    from mitmproxy import flow as mflow

    f.error = mflow.Error("connection refused")
    rec = observe(f, "s", KEY).flow
    assert rec.status is None and rec.error == "connection refused"


@pytest.mark.parametrize("max_age, expected", [("²", None), ("99999999999999999999", 99999999999999999999),
                                               ("-99999999999999999999", 0), ("1e3", None), ("٣", None)])
def test_max_age_is_ascii_digits_only(flow_factory, max_age, expected):
    """RFC 6265 5.2.2: a Max-Age that is not DIGITs is ignored (a Unicode digit no longer drops the flow); a
    huge one is kept (the store clamps it to 64 bits, the latest time it can represent)."""
    f = flow_factory(resp_headers=[("set-cookie", f"a=1; Max-Age={max_age}")])
    (cookie,) = observe(f, "s", KEY).cookies
    assert cookie.lifetime == expected


def test_status_code_that_is_no_http_status_is_kept_as_error(flow_factory):
    f = flow_factory()
    f.response.status_code = 99999999999999999999
    rec = observe(f, "s", KEY).flow
    assert rec.status is None and rec.error == "invalid status code 99999999999999999999"
