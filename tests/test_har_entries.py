"""One HAR entry to one flow (record.har): the shapes real producers write, each as the flow a user would see."""

from __future__ import annotations

import base64
import math

import pytest

from tredjepart.record.har import HarContext, NotNetwork, Unusable, entry_flow
from tredjepart.record.harbody import BODY_LIMIT
from tredjepart.record.hartime import parse_started


def entry(url="https://www.example-portal.dk/a", *, method="GET", headers=(), post=None, status=200,
          resp_headers=(), content=None, response=True, **extra) -> dict:
    e = {"startedDateTime": "2026-11-01T10:00:00.000Z", "time": 30,
         "request": {"method": method, "url": url, "httpVersion": "HTTP/1.1",
                     "headers": [{"name": k, "value": v} for k, v in headers], "queryString": [], "cookies": []},
         "timings": {"blocked": -1, "dns": 2, "connect": 3, "send": 1, "wait": 20, "receive": 4}, **extra}
    if post is not None:
        e["request"]["postData"] = post
    if response:
        e["response"] = {"status": status, "statusText": "", "httpVersion": "HTTP/1.1",
                         "headers": [{"name": k, "value": v} for k, v in resp_headers], "cookies": [],
                         "content": content if content is not None else {"size": 0, "mimeType": ""}}
    return e


def flow_of(e, ctx=None, index=0):
    return entry_flow(e, index, ctx or HarContext("t.har", 1.0e9))


def notes(flow):
    return flow.metadata["tredjepart_capture"]["notes"]


def test_a_plain_entry_becomes_the_flow_the_proxy_would_have_seen():
    f = flow_of(entry("https://www.example-portal.dk/a?b=1", headers=[("Cookie", "sid=1")],
                      resp_headers=[("Content-Type", "text/html")], content={"mimeType": "text/html", "text": "hi"}))
    assert f.request.pretty_url == "https://www.example-portal.dk/a?b=1"
    assert f.request.headers["cookie"] == "sid=1" and f.response.status_code == 200
    assert f.response.content == b"hi" and f.error is None
    assert f.metadata["tredjepart_capture"] == {"file": "t.har", "index": 0, "notes": []}


def test_times_come_from_started_date_time_and_timings_in_order():
    f = flow_of(entry())
    start = parse_started("2026-11-01T10:00:00.000Z")
    assert f.request.timestamp_start == start
    assert f.request.timestamp_start <= f.request.timestamp_end <= f.response.timestamp_start
    assert f.response.timestamp_end == pytest.approx(start + 0.030)  # "time": the total
    assert f.response.timestamp_start == pytest.approx(start + 0.026)  # the end less "receive"


@pytest.mark.parametrize("text, expected", [
    ("2011-08-16T11:46:59.4531250+02:00", 1313488019.453125),  # Fiddler: 7 fractional digits
    ("2020-01-01T00:00:00+0200", 1577829600.0),  # offset without a colon
    ("2020-01-01T00:00:00", 1577836800.0),  # no zone: read as UTC
    ("2020-01-01T00:00:00.123456789Z", 1577836800.123456),
    ("1970-01-01T00:00:00Z", None), ("9999-12-31T23:59:59Z", None), ("yesterday", None), (12345, None),
])
def test_started_date_time_as_producers_write_it(text, expected):
    assert parse_started(text) == expected


def test_an_entry_without_a_usable_time_takes_the_previous_one_and_says_so():
    ctx = HarContext("t.har", 1.0e9)
    first = flow_of(entry(), ctx)
    odd = entry(startedDateTime="0000-00-00", time=float("nan"))
    odd["timings"] = {"wait": 1e300, "receive": -5, "send": "x", "dns": True}
    f = flow_of(odd, ctx, 1)
    assert f.request.timestamp_start == first.request.timestamp_start
    assert all(math.isfinite(t) for t in (f.request.timestamp_end, f.response.timestamp_start,
                                         f.response.timestamp_end))
    assert "no usable startedDateTime" in notes(f)[0]


def test_request_only_entries_are_recorded_without_a_response():
    for e in (entry(response=False), entry(status=0), entry(status=None), entry(status=-1),
              entry(status="OK"), entry(status=10**20)):
        f = flow_of(e)
        assert f.response is None and f.error.msg.startswith("no response in capture"), e.get("response")
    f = flow_of(entry(status=0, _error="net::ERR_BLOCKED_BY_CLIENT"))
    assert f.error.msg == "no response in capture (net::ERR_BLOCKED_BY_CLIENT)"


def test_post_data_params_without_text_rebuild_a_urlencoded_body():
    post = {"mimeType": "application/x-www-form-urlencoded",
            "params": [{"name": "user name", "value": "ø&x"}, {"name": "n", "value": 1}, {"name": "e"}]}
    f = flow_of(entry(method="POST", post=post))
    assert f.request.content == b"user+name=%C3%B8%26x&n=1&e="
    assert "rebuilt from 3 postData.params" in notes(f)[0]


def test_post_data_params_rebuild_multipart_with_the_declared_boundary():
    post = {"mimeType": "multipart/form-data; boundary=----XyZ",
            "params": [{"name": "a", "value": "1"}, {"name": "f", "fileName": "x.txt", "contentType": "text/plain",
                                                     "value": "hello"}]}
    f = flow_of(entry(method="POST", post=post,
                      headers=[("Content-Type", "multipart/form-data; boundary=----XyZ")]))
    assert f.request.multipart_form.get_all(b"a") == [b"1"]
    assert f.request.multipart_form.get_all(b"f") == [b"hello"]
    assert b'filename="x.txt"' in f.request.content


def test_base64_bodies_are_decoded_and_bad_base64_is_said():
    png = bytes(range(256))
    f = flow_of(entry(content={"mimeType": "image/png", "encoding": "base64",
                               "text": base64.b64encode(png).decode()},
                      post={"mimeType": "application/octet-stream", "encoding": "base64", "text": "AAEC"},
                      method="POST"))
    assert f.response.content == png and f.request.content == b"\x00\x01\x02"
    f = flow_of(entry(content={"mimeType": "image/png", "encoding": "base64", "text": "@@@=="}))
    assert f.response.content == b"" and "not valid base64" in notes(f)[0]


def test_text_bodies_get_the_bytes_of_their_charset_and_lose_a_content_encoding_they_no_longer_have():
    f = flow_of(entry(resp_headers=[("Content-Type", "text/html; charset=iso-8859-1"), ("Content-Encoding", "gzip")],
                      content={"mimeType": "text/html; charset=iso-8859-1", "text": "blåbær"}))
    assert f.response.raw_content == "blåbær".encode("latin-1")
    assert "content-encoding" not in f.response.headers


def test_bodies_over_the_bound_are_cut_and_say_so():
    big = "x" * (BODY_LIMIT + 10)
    f = flow_of(entry(content={"mimeType": "text/plain", "text": big}))
    assert len(f.response.raw_content) == BODY_LIMIT and "response body cut" in notes(f)[0]
    b64 = base64.b64encode(b"y" * (BODY_LIMIT * 2)).decode()
    f = flow_of(entry(content={"mimeType": "application/octet-stream", "encoding": "base64", "text": b64}))
    assert f.response.raw_content == b"y" * BODY_LIMIT and "about 2097152 bytes" in notes(f)[0]


def test_http2_pseudo_headers_are_not_headers_and_place_a_relative_url():
    headers = [(":authority", "en.wikipedia.org"), (":method", "GET"), (":path", "/static/a.png"),
               (":scheme", "https"), ("accept", "image/*")]
    f = flow_of(entry("/viewer/copy/a.png", headers=headers))
    assert f.request.pretty_url == "https://en.wikipedia.org/static/a.png"
    assert [k for k in f.request.headers] == ["accept"]
    assert "from the HTTP/2 pseudo-headers" in notes(f)[0]
    f = flow_of(entry("https://x.example.com/", headers=headers) | {"request": {
        "method": "GET", "url": "https://x.example.com/", "httpVersion": "h2",
        "headers": [{"name": k, "value": v} for k, v in headers]}})
    assert f.request.http_version == "HTTP/2.0" and f.request.authority == "x.example.com"
    assert f.request.pretty_host == "x.example.com"  # the URL's host: a spoofed :authority is not believed


def test_relative_urls_resolve_against_their_page_or_the_last_document_or_are_skipped():
    ctx = HarContext("t.har", 1.0e9)
    with pytest.raises(Unusable, match="relative URL, and no page"):
        flow_of(entry("img/a.png"), ctx)
    ctx.add_page({"id": "p1", "title": "https://www.example-portal.dk/dir/page"})
    f = flow_of(entry("img/a.png", pageref="p1"), ctx)
    assert f.request.pretty_url == "https://www.example-portal.dk/dir/img/a.png"
    flow_of(entry("https://borger.example.dk/start", resp_headers=[("Content-Type", "text/html")],
                  content={"mimeType": "text/html"}), ctx)
    assert flow_of(entry("/b"), ctx).request.pretty_url == "https://borger.example.dk/b"
    with pytest.raises(Unusable, match="request.url is empty"):
        flow_of(entry(""), ctx)


@pytest.mark.parametrize("url", ["data:image/png;base64,iVBORw0KGgo=", "blob:https://a.dk/1234", "about:blank",
                                 "chrome-extension://abc/x.js", "moz-extension://x/y", "javascript:void(0)"])
def test_urls_that_never_were_network_traffic_are_ignored(url):
    with pytest.raises(NotNetwork, match="not network traffic"):
        flow_of(entry(url))


@pytest.mark.parametrize("url, why", [
    ("https://a.dk:99999/", "port"), ("https://a b.dk/", "characters"), ("https://[::zz]/", "parsed"),
    ("ftp://files.example.com/x", "not HTTP"), ("https:///path", "no host"), (None, "not text"),
    ("https://" + "a" * 300 + ".dk/", "longer than 253"),
])
def test_urls_that_cannot_be_placed_are_skipped_with_the_reason(url, why):
    with pytest.raises(Unusable, match=why):
        flow_of(entry(url))


def test_ipv6_literals_non_ascii_paths_and_international_names():
    f = flow_of(entry("http://[2001:db8::1]:8080/x"))
    assert f.request.host == "2001:db8::1" and f.request.port == 8080
    f = flow_of(entry("https://bücher.example/søg/ä b?q=ø"))
    assert f.request.host == "xn--bcher-kva.example"
    assert f.request.path == "/s%C3%B8g/%C3%A4%20b?q=%C3%B8"


def test_websocket_upgrades_and_cache_hits_are_flows_with_a_note():
    f = flow_of(entry("wss://chat.example.com/socket", status=101, _webSocketMessages=[{"type": "send"}] * 3))
    assert f.request.scheme == "https" and f.response.status_code == 101
    assert f.websocket is not None and "WebSocket: 0 of 3 message(s) usable" in notes(f)[0]
    f = flow_of(entry("wss://chat.example.com/socket", status=101, _webSocketMessages=[
        {"type": "send", "opcode": 1, "data": "hi", "time": 1.5}, {"type": "receive", "opcode": 2, "data": "AAE="}]))
    assert [(m.from_client, m.content) for m in f.websocket.messages] == [(True, b"hi"), (False, b"\x00\x01")]
    f = flow_of(entry(_fromCache="memory"))
    assert "served from the browser's cache" in notes(f)[0]


def test_tls_details_of_chrome_and_playwright_are_kept_as_a_plain_dict():
    details = {"protocol": "TLS 1.3", "subjectName": "*.tracker.example", "issuer": "Some CA",
               "sanList": ["*.tracker.example", "tracker.example", 7], "validFrom": 1644853133, "validTo": 1e400}
    f = flow_of(entry(_securityDetails=details))
    assert f.metadata["tredjepart_tls"] == {
        "protocol": "TLS 1.3", "subject": "*.tracker.example", "issuer": "Some CA",
        "san": ["*.tracker.example", "tracker.example"], "valid_from": 1644853133.0,
        "source": "HAR _securityDetails"}
    assert "tredjepart_tls" not in flow_of(entry()).metadata


def test_headers_in_every_shape_producers_use():
    e = entry()
    e["request"]["headers"] = [["X-Slack", "pair"], {"name": "X-Num", "value": 5}, {"name": "X-Null", "value": None},
                               {"name": 7, "value": "bad name"}, "junk", {"name": "X-Surrogate", "value": "a\udc80"}]
    h = flow_of(e).request.headers
    assert h["x-slack"] == "pair" and h["x-num"] == "5" and h["x-null"] == ""
    assert len(h.fields) == 4 and h.fields[3][1] == b"a\xed\xb2\x80"


def test_a_query_only_in_query_string_is_rebuilt():
    e = entry("https://api.example.com/get")
    e["request"]["queryString"] = [{"name": "q", "value": "a b"}, {"name": "n", "value": 1}]
    f = flow_of(e)
    assert f.request.path == "/get?q=a+b&n=1" and "query rebuilt from queryString" in notes(f)


def test_what_is_not_an_entry_is_unusable():
    for e in (None, 7, "x", [], {}, {"request": None}, {"request": {"url": "https://a.dk/", "method": ""}},
              {"request": {"url": "https://a.dk/", "method": "GE T"}}):
        with pytest.raises(Unusable):
            flow_of(e)
