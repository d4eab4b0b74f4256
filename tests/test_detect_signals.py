"""observe.signals: the detectors' wire facts, read from mitmproxy flows, with no value kept in clear."""

from __future__ import annotations

import base64
import json
import struct
import zlib

import pytest

from tredjepart.hashing import keyed_hash
from tredjepart.observe import observe
from tredjepart.observe.images import image_size
from tredjepart.observe.signals import wire_signals as _wire_signals

KEY = b"k" * 32


def wire_signals(flow, key):
    """The signals as the recorder reads them: after observe, from its parsed headers and cookies."""
    return _wire_signals(flow, key, observe(flow, "s1", key))
GIF_1X1 = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
# A 1x1 JPEG made by Chromium's encoder (canvas.toDataURL("image/jpeg")).
JPEG_1X1 = base64.b64decode(
    "/9j/4AAQSkZJRgABAQAAAQABAAD/4gHYSUNDX1BST0ZJTEUAAQEAAAHIAAAAAAQwAABtbnRyUkdCIFhZWiAH4AABAAEAAAAAAABhY3NwAAAAAA"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAQAA9tYAAQAAAADTLQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    "AAAAAAlkZXNjAAAA8AAAACRyWFlaAAABFAAAABRnWFlaAAABKAAAABRiWFlaAAABPAAAABR3dHB0AAABUAAAABRyVFJDAAABZAAAAChnVFJDAA"
    "ABZAAAAChiVFJDAAABZAAAAChjcHJ0AAABjAAAADxtbHVjAAAAAAAAAAEAAAAMZW5VUwAAAAgAAAAcAHMAUgBHAEJYWVogAAAAAAAAb6IAADj1"
    "AAADkFhZWiAAAAAAAABimQAAt4UAABjaWFlaIAAAAAAAACSgAAAPhAAAts9YWVogAAAAAAAA9tYAAQAAAADTLXBhcmEAAAAAAAQAAAACZmYAAP"
    "KnAAANWQAAE9AAAApbAAAAAAAAAABtbHVjAAAAAAAAAAEAAAAMZW5VUwAAACAAAAAcAEcAbwBvAGcAbABlACAASQBuAGMALgAgADIAMAAxADb/"
    "2wBDAAYEBQYFBAYGBQYHBwYIChAKCgkJChQODwwQFxQYGBcUFhYaHSUfGhsjHBYWICwgIyYnKSopGR8tMC0oMCUoKSj/2wBDAQcHBwoIChMKCh"
    "MoGhYaKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCj/wAARCAABAAEDASIAAhEBAxEB/8QAFQABAQAA"
    "AAAAAAAAAAAAAAAAAAf/xAAUEAEAAAAAAAAAAAAAAAAAAAAA/8QAFQEBAQAAAAAAAAAAAAAAAAAABgj/xAAUEQEAAAAAAAAAAAAAAAAAAAAA/9"
    "oADAMBAAIRAxEAPwCdABykX//Z"
)
# The smallest lossless WebP (1x1, VP8L).
WEBP_VP8L_1X1 = (b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07"
                 b"\x00")


def png(w: int, h: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + chunk + struct.pack(">I", zlib.crc32(chunk))


def webp_vp8(w: int, h: int) -> bytes:
    data = b"\x00\x00\x00" + b"\x9d\x01\x2a" + struct.pack("<HH", w, h) + b"\x00" * 10
    return b"RIFF" + struct.pack("<I", 4 + 8 + len(data)) + b"WEBP" + b"VP8 " + struct.pack("<I", len(data)) + data


def webp_vp8x(w: int, h: int) -> bytes:
    data = b"\x10\x00\x00\x00" + (w - 1).to_bytes(3, "little") + (h - 1).to_bytes(3, "little")
    return b"RIFF" + struct.pack("<I", 4 + 8 + len(data)) + b"WEBP" + b"VP8X" + struct.pack("<I", len(data)) + data


@pytest.mark.parametrize("body, expected", [
    (GIF_1X1, ("gif", 1, 1)),
    (png(2, 2), ("png", 2, 2)),
    (png(300, 250), ("png", 300, 250)),
    (JPEG_1X1, ("jpeg", 1, 1)),
    (WEBP_VP8L_1X1, ("webp", 1, 1)),
    (webp_vp8(1, 1), ("webp", 1, 1)),
    (webp_vp8(728, 90), ("webp", 728, 90)),
    (webp_vp8x(1, 1), ("webp", 1, 1)),
    (webp_vp8x(5000, 3000), ("webp", 5000, 3000)),
    (b"<html>not an image</html>", (None, None, None)),
    (b"GIF89a", (None, None, None)),
    (b"\xff\xd8\xff\xe0\x00", ("jpeg", None, None)),
    (b"", (None, None, None)),
])
def test_image_size_from_the_first_bytes(body, expected):
    assert image_size(body) == expected


def test_image_size_reads_real_files_when_present():
    from pathlib import Path

    import sys
    folder = Path(sys.base_prefix) / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}" / "test"
    files = list(folder.glob("**/python.webp")) + list(folder.glob("**/imghdrdata/python.*"))
    if not files:
        pytest.skip("no sample images in this Python's test suite")
    for f in files:
        fmt, w, h = image_size(f.read_bytes()[:65536])
        if f.suffix in (".gif", ".png", ".jpg", ".webp"):
            assert (w, h) == (16, 16), f


def test_pixel_flow_signals(flow_factory):
    f = flow_factory("https://px.tracker.com/p.gif?uid=ABC123XYZ789", req_headers={"Sec-Fetch-Dest": "image"},
                     resp_headers={"Content-Type": "image/gif", "Content-Length": str(len(GIF_1X1))},
                     resp_body=GIF_1X1)
    s = wire_signals(f, KEY)
    assert (s.image_format, s.image_width, s.image_height) == ("gif", 1, 1)
    assert not s.body_empty and s.response_size == len(GIF_1X1) and s.content_length == len(GIF_1X1)
    assert s.sec_fetch_dest == "image"


def test_gzip_encoded_image_is_decoded_for_the_header(flow_factory):
    # Response.make encodes the body by its Content-Encoding: raw_content is gzip
    f = flow_factory("https://t.com/p", resp_headers={"Content-Encoding": "gzip"}, resp_body=png(1, 1))
    assert f.response.raw_content[:2] == b"\x1f\x8b"
    assert wire_signals(f, KEY).image_width == 1


def test_no_response_is_an_empty_body(flow_factory):
    s = wire_signals(flow_factory("https://t.com/x", status=None), KEY)
    assert s.body_empty and s.response_size is None and s.etag is None


def test_values_are_hashed_with_names_and_parts_and_never_kept(flow_factory):
    f = flow_factory("https://t.com/u/SEGMENTVALUE1/x?uid=CLEARVALUE99&pair=aaaaaaaa11:bbbbbbbb22&e=a%7Cb")
    s = wire_signals(f, KEY)
    dump = repr(s)
    assert "CLEARVALUE99" not in dump and "SEGMENTVALUE1" not in dump and "aaaaaaaa11" not in dump
    got = {(v.where, v.name, v.hash, v.part) for v in s.values}
    assert ("query", "uid", keyed_hash(KEY, "CLEARVALUE99"), False) in got
    assert ("path", "path[1]", keyed_hash(KEY, "SEGMENTVALUE1"), False) in got
    assert ("query", "pair", keyed_hash(KEY, "bbbbbbbb22"), True) in got
    assert ("query", "e", keyed_hash(KEY, "a|b"), False) in got  # percent-decoded
    assert ("query", "e", keyed_hash(KEY, "a%7Cb"), False) in got  # and as sent


def test_body_values_form_json_and_text(flow_factory):
    form = flow_factory("https://t.com/c", method="POST", req_body=b"cid=FORMVALUE123&x=1",
                        req_headers={"Content-Type": "application/x-www-form-urlencoded"})
    js = flow_factory("https://t.com/c", method="POST", req_body=json.dumps({"user": {"id": "JSONVALUE123"}}).encode(),
                      req_headers={"Content-Type": "application/json"})
    text = flow_factory("https://t.com/g/collect", method="POST", req_body=b"v=2&cid=LINE1VALUE\nv=2&cid=LINE2VALUE",
                        req_headers={"Content-Type": "text/plain;charset=UTF-8"})
    assert ("body", "cid", keyed_hash(KEY, "FORMVALUE123")) in {(v.where, v.name, v.hash) for v in
                                                               wire_signals(form, KEY).values}
    assert ("body", "user.id", keyed_hash(KEY, "JSONVALUE123")) in {(v.where, v.name, v.hash) for v in
                                                                   wire_signals(js, KEY).values}
    hashes = {v.hash for v in wire_signals(text, KEY).values}
    assert {keyed_hash(KEY, "LINE1VALUE"), keyed_hash(KEY, "LINE2VALUE")} <= hashes


def test_large_or_binary_bodies_are_not_read(flow_factory):
    big = flow_factory("https://t.com/c", method="POST", req_body=b"a=" + b"x" * 70_000,
                       req_headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert not [v for v in wire_signals(big, KEY).values if v.where == "body"]
    binary = flow_factory("https://t.com/c", method="POST", req_body=b"\x00\x01secretsecret",
                          req_headers={"Content-Type": "application/octet-stream"})
    assert not [v for v in wire_signals(binary, KEY).values if v.where == "body"]


def test_value_count_is_capped(flow_factory):
    query = "&".join(f"p{i}=value{i:05d}" for i in range(2000))
    s = wire_signals(flow_factory(f"https://t.com/c?{query}"), KEY)
    assert len(s.values) == 512 and s.values_truncated


def test_cookie_facts_match_cookie_records(flow_factory):
    f = flow_factory("https://t.com/", req_headers={"Cookie": "uid=GA1.2.987654321.1600000000; ok=true"},
                     resp_headers=[("Set-Cookie", "id=3f2b8c1e-1111-4222-8333-444455556666; Max-Age=99999999")])
    obs = observe(f, "s", KEY)
    s = wire_signals(f, KEY)
    for c in obs.cookies:
        assert s.cookie(c.direction, c.name, c.value_hash) is not None
    assert s.cookie("sent", "ok", obs.cookies[1].value_hash).shape == "boolean"
    ga = s.cookie("sent", "uid", obs.cookies[0].value_hash)
    assert ga.shape == "mixed"
    assert keyed_hash(KEY, "987654321.1600000000") in {h for h, _, _ in ga.parts}  # a suffix at a delimiter
    assert "987654321" not in repr(s)


def test_etag_and_if_none_match_are_hashed_the_same_way(flow_factory):
    f = flow_factory("https://t.com/p", req_headers={"If-None-Match": 'W/"Zq81bX0pLk2", "other-tag"'},
                     resp_headers={"ETag": '"Zq81bX0pLk2"'})
    s = wire_signals(f, KEY)
    assert s.etag.hash == s.if_none_match[0].hash == keyed_hash(KEY, "Zq81bX0pLk2")
    assert s.etag.format == "base64" and len(s.if_none_match) == 2
    nginx = wire_signals(flow_factory("https://t.com/a.js", resp_headers={"ETag": '"64f1a2b3-1a2b"'}), KEY)
    assert nginx.etag.format == "content"


def test_location_and_fetch_metadata(flow_factory):
    f = flow_factory("https://t.com/r", status=302, resp_headers={"Location": "https://www.example-portal.dk/back"},
                     req_headers={"Sec-Fetch-Dest": "Document", "Sec-Fetch-Mode": "navigate",
                                  "Sec-Fetch-Site": "cross-site", "Ping-To": "https://x/", "Content-Type": "text/ping"})
    s = wire_signals(f, KEY)
    assert (s.location_host, s.location_site) == ("www.example-portal.dk", "example-portal.dk")
    assert (s.sec_fetch_dest, s.sec_fetch_mode, s.sec_fetch_site) == ("document", "navigate", "cross-site")
    assert s.ping_headers and s.request_content_type == "text/ping"
    rel = wire_signals(flow_factory("https://a.t.com/r", status=302, resp_headers={"Location": "/next"}), KEY)
    assert rel.location_site == "t.com"


@pytest.mark.parametrize("headers, body", [
    ({"Content-Type": "application/json"}, b"{not json"),
    ({"Content-Type": "application/json", "Content-Encoding": "gzip"}, b"not gzip at all"),
    ({"Content-Type": "text/plain"}, b"\xff\xfe\x00garbage=\xff"),
    ({"Content-Type": "application/x-www-form-urlencoded"}, b"=&&==%zz"),
])
def test_hostile_bodies_never_raise(flow_factory, headers, body):
    f = flow_factory("https://t.com/c?%zz=%&==", method="POST", req_headers=headers, req_body=body,
                     resp_headers={"ETag": "", "Location": "http://[bad", "Content-Length": "x"},
                     resp_body=b"RIFF\x00\x00\x00\x00WEBPVP8X")
    wire_signals(f, KEY)
