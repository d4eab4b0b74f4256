"""Where the scanner looks: every place of a request, decoded, and bounded."""

from __future__ import annotations

import base64
import gzip
import json
import zlib

import brotli
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import make_flow
from tredjepart.received.bodies import MAX_DECODED
from tredjepart.received.flatten import MAX_PLACES
from tredjepart.received.locate import parts_from_flow, request_places
from tredjepart.received.model import RequestParts


def places(parts: RequestParts, **kw) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for p in request_places(parts, **kw):
        if p.text:  # an empty place only marks where a JSON document was unwrapped
            out.setdefault(p.where, []).append(p.text)
    return out


def req(target="/", headers=(), body=b"", **kw) -> RequestParts:
    return RequestParts("POST" if body else "GET", "tracker.example", target, tuple(headers), body, **kw)


def test_path_is_percent_decoded_and_path_parameters_are_split():
    got = places(req("/sag/jens%40x.dk/act;src=123;dc_rdid=abc-def;ord=1?x=1"))
    assert got["path"] == ["/sag/jens@x.dk/act;src=123;dc_rdid=abc-def;ord=1"]
    assert got["path-param dc_rdid"] == ["abc-def"]
    assert got["path-param src"] == ["123"]


def test_query_values_are_decoded_once_and_nested_urls_again():
    target = "/c?dl=https%3A%2F%2Fportal.dk%2Fa%3Fq%3Djens%2540x.dk%26n%3D1&e=%25252F"
    got = places(req(target))
    assert got["query dl"] == ["https://portal.dk/a?q=jens%40x.dk&n=1"]
    assert got["query dl?q"] == ["jens@x.dk"]
    assert got["query e"] == ["%252F"]


def test_referer_and_other_headers_but_not_plumbing():
    got = places(req(headers=[("Referer", "https://portal.dk/sag/1?cpr=0101901234"), ("X-User", "jens"),
                              ("Accept", "*/*"), ("Content-Type", "text/plain")]))
    assert got["header referer"] == ["https://portal.dk/sag/1?cpr=0101901234"]
    assert got["header referer?cpr"] == ["0101901234"]
    assert got["header x-user"] == ["jens"]
    assert "header accept" not in got and "header content-type" not in got


def test_cookies_one_place_each():
    got = places(req(headers=[("Cookie", "a=1; _fbp=fb.1.2.3"), ("Cookie", "b=%22q%22")]))
    assert got["cookie a"] == ["1"] and got["cookie _fbp"] == ["fb.1.2.3"] and got["cookie b"] == ["%22q%22"]


def test_form_body():
    got = places(req(headers=[("Content-Type", "application/x-www-form-urlencoded")],
                     body=b"event=x&extinfo=%5B%22a2%22%2C%22dk.app%22%5D&ud=%7B%22em%22%3A%22h%22%7D"))
    assert got["body extinfo.*"] == ["a2", "dk.app"]
    assert got["body ud.em"] == ["h"]
    assert got["body event"] == ["x"]


def test_json_body_with_key_paths_and_json_in_strings():
    body = {"events": [{"user": {"email": "a@b.dk"}}], "blob": json.dumps({"inner": {"k": "v"}}), "n": 5}
    got = places(req(headers=[("Content-Type", "application/json")], body=json.dumps(body).encode()))
    assert got["body events.*.user.email"] == ["a@b.dk"]
    assert got["body blob.inner.k"] == ["v"]
    assert got["body n"] == ["5"]


def test_newline_delimited_json_and_ga_batches():
    envelope = b'{"event_id":"1"}\n{"type":"event"}\n{"user":{"email":"a@b.dk"}}\n'
    assert places(req(headers=[("Content-Type", "application/x-sentry-envelope")], body=envelope))[
        "body user.email"] == ["a@b.dk"]
    batch = b"v=2&tid=G-1&dl=https%3A%2F%2Fa.dk%2F1\nv=2&tid=G-1&dl=https%3A%2F%2Fa.dk%2F2"
    assert places(req(headers=[("Content-Type", "text/plain")], body=batch))["body dl"] == [
        "https://a.dk/1", "https://a.dk/2"]


def test_multipart_parts():
    body = (b"--XyZ\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\na@b.dk\r\n"
            b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.bin\"\r\n"
            b"Content-Type: application/octet-stream\r\n\r\n\x00\x01\x02\r\n--XyZ--\r\n")
    got = places(req(headers=[("Content-Type", "multipart/form-data; boundary=XyZ")], body=body))
    assert got["body email"] == ["a@b.dk"]
    assert "body file" not in got


@pytest.mark.parametrize("encoding,compress", [
    ("gzip", gzip.compress),
    ("deflate", zlib.compress),
    ("deflate", lambda b: zlib.compress(b)[2:-4]),  # raw deflate, as some clients send it
    ("br", brotli.compress),
    (None, gzip.compress),  # gzip without saying so (Microsoft Clarity)
])
def test_compressed_bodies(encoding, compress):
    headers = [("Content-Type", "application/json")] + ([("Content-Encoding", encoding)] if encoding else [])
    got = places(req(headers=headers, body=compress(b'{"user_id":"u-123"}')))
    assert got["body user_id"] == ["u-123"]


def test_binary_and_broken_bodies_are_skipped():
    assert "body" not in "".join(places(req(body=bytes(range(256)) * 4)))
    assert places(req(headers=[("Content-Encoding", "gzip")], body=b"not gzip at all")) == {"path": ["/"]}


def test_decompression_is_bounded():
    bomb = gzip.compress(b"a" * (MAX_DECODED * 8))
    got = places(req(headers=[("Content-Encoding", "gzip"), ("Content-Type", "text/plain")], body=bomb))
    assert sum(len(t) for v in got.values() for t in v) <= MAX_DECODED


def test_base64_blobs_are_decoded():
    blob = base64.b64encode(json.dumps({"email": "a@b.dk"}).encode()).decode()
    got = places(req(f"/p?d={blob}"))
    assert got["query d.email"] == ["a@b.dk"]
    assert [p.layer for p in request_places(req(f"/p?d={blob}")) if p.name == "d.email"] == ["base64"]


def test_redirect_location_and_websocket_messages():
    got = places(req(location="https://portal.dk/next?cpr=0101901234",
                     websocket=(b'{"url":"https://portal.dk/x"}', "plain text", b"\x00binary")))
    assert got["redirect location?cpr"] == ["0101901234"]
    assert got["websocket url"] == ["https://portal.dk/x"]
    assert got["websocket"] == ["plain text"]


def test_protobuf_only_when_asked():
    body = bytes([0x0A, 0x05]) + b"hello" + bytes([0x10, 0x2A])
    assert places(req(body=body), protobuf=True) == {"path": ["/"], "body 1": ["hello"], "body 2": ["42"]}
    assert "body 1" not in places(req(body=body))


def test_places_are_bounded():
    target = "/p?" + "&".join(f"k{i}=v{i}" for i in range(5000))
    assert len(request_places(req(target))) <= MAX_PLACES
    deep = "[" * 5000 + "]" * 5000
    request_places(req(headers=[("Content-Type", "application/json")], body=deep.encode()))


def test_parts_from_a_mitmproxy_flow():
    flow = make_flow("https://www.facebook.com/tr/?id=1&dl=https%3A%2F%2Fa.dk%2F", method="POST",
                     req_headers={"Referer": "https://a.dk/x", "Content-Type": "text/plain"},
                     req_body=b"ev=PageView", status=302, resp_headers={"Location": "https://a.dk/y"})
    parts = parts_from_flow(flow)
    assert parts.host == "www.facebook.com" and parts.target.startswith("/tr/?id=1")
    assert parts.header("referer") == "https://a.dk/x" and parts.body == b"ev=PageView"
    assert parts.location == "https://a.dk/y"
    got = places(parts)
    assert got["query dl"] == ["https://a.dk/"] and got["body ev"] == ["PageView"]


def test_parts_from_a_websocket_flow_keep_client_messages_only():
    from mitmproxy.test import tflow

    flow = tflow.twebsocketflow()
    parts = parts_from_flow(flow)
    client = [m.content for m in flow.websocket.messages if m.from_client]
    assert list(parts.websocket) == client and client


def test_parts_repr_holds_no_body():
    parts = req(body=b"secret-body-value", location="https://x/secret-location")
    assert "secret" not in repr(parts)


_header_names = st.sampled_from(["Referer", "Cookie", "Content-Type", "Content-Encoding", "X-A", "Origin"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(target=st.text(max_size=200), headers=st.lists(st.tuples(_header_names, st.text(max_size=80)), max_size=6),
       body=st.binary(max_size=400), location=st.none() | st.text(max_size=80),
       ws=st.lists(st.binary(max_size=50) | st.text(max_size=50), max_size=3))
def test_hostile_requests_never_raise(target, headers, body, location, ws):
    parts = RequestParts("POST", "h.example", target, tuple(headers), body, location, tuple(ws))
    for p in request_places(parts):
        assert p.location in ("path", "path-param", "query", "header", "cookie", "body", "redirect", "websocket")
