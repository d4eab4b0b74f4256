"""How captures come packed: gzip (named or not), zlib (.zhar), a BOM, UTF-16, a JSONP wrapper; and mitmproxy flow
files with a damaged, oversized or non-HTTP flow among good ones."""

from __future__ import annotations

import codecs
import gzip
import io
import zlib

import pytest
from mitmproxy import http
from mitmproxy.io import FlowWriter, tnetstring
from mitmproxy.test import tflow

from conftest import need_shared
from tredjepart.record import mitmfile
from tredjepart.record.capture import CaptureError, Skipped, read_capture

CHROME = ("har", "mitmproxy_testdata", "mitmproxy__chrome.har")  # 3 entries, one of them without a response


def flows(path) -> list:
    return [x for x in read_capture(path) if isinstance(x, http.HTTPFlow)]


@pytest.mark.parametrize("name, pack", [
    ("walk.har.gz", gzip.compress), ("walk.har", gzip.compress),  # gzip is sniffed, whatever the name
    ("walk.zhar", zlib.compress), ("walk.json", zlib.compress), ("walk.zhar", lambda b: b),  # a .zhar that is not
    ("walk.har", lambda b: codecs.BOM_UTF8 + b), ("walk.har", lambda b: b"onInputData(" + b + b");"),
    ("walk.har", lambda b: b.decode("utf-8").encode("utf-16")),
    ("walk.har", lambda b: b.decode("utf-8").encode("utf-16-le")),
    ("walk.harp", lambda b: gzip.compress(codecs.BOM_UTF8 + b"cb_1.x (" + b + b")\n")),
])
def test_a_har_is_read_however_it_is_packed(tmp_path, name, pack):
    raw = need_shared(*CHROME).read_bytes()
    path = tmp_path / name
    path.write_bytes(pack(raw))
    got = flows(path)
    assert [f.request.pretty_url for f in got] == [f.request.pretty_url for f in flows(need_shared(*CHROME))]
    assert len(got) == 3


def test_a_compressed_capture_cut_short_keeps_the_entries_before_the_cut(tmp_path):
    raw = need_shared("har-variety", "sitespeedio__compare__browsertime-firefox-wikipedia.har.gz").read_bytes()
    path = tmp_path / "cut.har.gz"
    path.write_bytes(raw[: len(raw) // 2])
    got = []
    with pytest.raises(CaptureError) as e:
        for item in read_capture(path):
            got.append(item)
    assert str(e.value).startswith(f"{path}: ") and "ends early" in str(e.value)
    assert 100 < len(got) < 551 and e.value.read == len(got)


def _records(data: bytes) -> list[bytes]:
    """The framed tnetstring records of a flow file."""
    out, at = [], 0
    while at < len(data):
        length = int(data[at:data.index(b":", at)])
        end = data.index(b":", at) + 1 + length + 1
        out.append(data[at:end])
        at = end
    return out


def test_a_flow_mitmproxy_cannot_load_is_skipped_and_the_rest_read(tmp_path):
    good = _records(need_shared("mitmproxy-flows", "flows__incomplete_log.mitm").read_bytes())
    broken = tnetstring.dumps({"type": "http", "version": 21, "request": {"host": "t.tracker-demo.com"}})
    path = tmp_path / "mixed.mitm"
    path.write_bytes(good[0] + broken + b"".join(good[1:]))
    items = list(read_capture(path))
    assert [type(i).__name__ for i in items] == ["HTTPFlow", "Skipped", "HTTPFlow", "HTTPFlow", "HTTPFlow"]
    assert items[1].index == 1 and items[1].reason.startswith("mitmproxy cannot load this flow")


def test_an_oversized_flow_record_is_skipped_unread(tmp_path, monkeypatch):
    path = tmp_path / "big.mitm"
    with open(path, "wb") as f:
        big = tflow.tflow(resp=True)
        big.response.content = b"x" * 50_000
        for flow in (tflow.tflow(resp=True), big, tflow.tflow(resp=True)):
            FlowWriter(f).add(flow)
    monkeypatch.setattr(mitmfile, "MAX_RECORD", 20_000)
    items = list(read_capture(path))
    assert isinstance(items[1], Skipped) and "over the limit" in items[1].reason
    assert isinstance(items[0], http.HTTPFlow) and isinstance(items[2], http.HTTPFlow)


def test_non_http_flows_are_yielded_as_what_they_are(tmp_path):
    path = tmp_path / "mixed.mitm"
    with open(path, "wb") as f:
        writer = FlowWriter(f)
        for flow in (tflow.tflow(resp=True), tflow.ttcpflow(), tflow.tudpflow(), tflow.tdnsflow(resp=True),
                     tflow.twebsocketflow()):
            writer.add(flow)
    kinds = [i.type for i in read_capture(path)]
    assert kinds == ["http", "tcp", "udp", "dns", "http"]


@pytest.mark.parametrize("data, message", [
    (b"12:not a flow!!}", "not a mitmproxy flow file or HAR"),
    (b"99999999999999:x", "not a mitmproxy flow file or HAR"),
    (b"5:ab", "ends inside flow 0"),
    (gzip.compress(b"not json, not flows"), "not a mitmproxy flow file or HAR"),
    (b"\x1f\x8b\x08\x00garbage", "compressed data is broken"),
])
def test_what_cannot_be_read_at_all_says_so(tmp_path, data, message):
    path = tmp_path / "bad.mitm"
    path.write_bytes(data)
    with pytest.raises(CaptureError) as e:
        list(read_capture(path))
    assert str(e.value).startswith(f"{path}: ") and message in str(e.value) and e.value.read == 0


def test_a_missing_file_and_a_folder_are_clear_errors(tmp_path):
    for path, message in ((tmp_path / "nope.har", "cannot read"), (tmp_path, "cannot read")):
        with pytest.raises(CaptureError, match=message):
            list(read_capture(path))


def test_the_reader_streams(tmp_path):
    """A reader that holds the file would show here: after the first item, little of the file has been read."""
    raw = need_shared("har", "pagexray__requests_expressen.har").read_bytes()  # 607 entries, 3.3 MB
    path = tmp_path / "big.har"
    path.write_bytes(raw)
    reads = []

    class Counting(io.FileIO):
        def read(self, n=-1):
            data = super().read(n)
            reads.append(len(data))
            return data

    import tredjepart.record.capture as capture

    real_open = open
    capture.open = lambda p, mode="rb": Counting(p, "r") if str(p) == str(path) else real_open(p, mode)
    try:
        items = read_capture(path)
        next(items)
        assert sum(reads) < len(raw) / 10
        items.close()
    finally:
        del capture.open
