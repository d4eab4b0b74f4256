"""Property tests for the capture readers: hostile and odd HAR entries mixed with good ones, in every wrapping a
HAR comes in, never raise; every good entry becomes a flow, every unusable one is skipped with a known reason, every
non-network one is ignored; the streaming reader yields exactly what ``json.loads`` sees, at any chunk size, and a
truncated or damaged file costs only the entries from the damage on."""

from __future__ import annotations

import codecs
import gzip
import io
import json
import re
import zlib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mitmproxy import http

from tredjepart.record.capture import Ignored, Skipped, read_capture
from tredjepart.record.harstream import BrokenEntry, HarError, har_entries

ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=40)  # lone surrogates and controls included
JSON_SCALAR = st.one_of(st.none(), st.booleans(), st.integers(min_value=-10**30, max_value=10**30),
                        st.floats(allow_nan=False, allow_infinity=False), ANY_TEXT)
JSON_VALUE = st.recursive(JSON_SCALAR, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(ANY_TEXT, inner, max_size=4)), max_leaves=12)
HOSTS = {"www.example-portal.dk": "www.example-portal.dk", "T.Tracker1-demo.com": "t.tracker1-demo.com",
         "[2001:db8::7]": "2001:db8::7", "bücher.example": "xn--bcher-kva.example", "127.0.0.1:8080": "127.0.0.1",
         "cdn.example.com.": "cdn.example.com"}
PATH = st.text(st.characters(exclude_characters="#?", exclude_categories=("Cs",)), max_size=25)
KNOWN_SKIPS = re.compile(r"the entry is not a JSON object|the entry has no request object|request\.url is "
                         r"(missing or not text|empty)|relative URL, and no page|URL cannot be parsed|"
                         r"[\w+.-]+: URL is not HTTP|URL has no host|host |request\.method is|not valid JSON")


@st.composite
def good_entry(draw) -> tuple[dict, tuple]:
    """An entry that must become a flow (odd but usable fields included); and what the flow must show."""
    host = draw(st.sampled_from(sorted(HOSTS)))
    scheme = draw(st.sampled_from(["http", "https", "HTTPS", "ws", "wss"]))
    method = draw(st.sampled_from(["GET", "POST", "OPTIONS", "TEST_METHOD_NOT_IN_SPEC"]))
    headers = draw(st.lists(st.one_of(
        st.fixed_dictionaries({"name": st.sampled_from(["Cookie", "User-Agent", "x-odd", ":authority", "Accept"]),
                               "value": st.one_of(ANY_TEXT, st.integers(), st.none())}),
        st.tuples(st.just("X-Pair"), ANY_TEXT).map(list), JSON_SCALAR), max_size=6))
    request = {"method": method, "url": f"{scheme}://{host}/{draw(PATH)}", "headers": headers,
               "httpVersion": draw(st.sampled_from(["HTTP/1.1", "h2", "h3", "spdy", "", "K", "2 2"]))}
    post = draw(st.one_of(st.none(), JSON_SCALAR, st.fixed_dictionaries({
        "mimeType": st.sampled_from(["application/x-www-form-urlencoded", "multipart/form-data; boundary=b1",
                                     "text/plain", ""]),
        "text": st.one_of(ANY_TEXT, st.none()), "encoding": st.sampled_from(["base64", "", "utf-8"]),
        "params": st.lists(st.dictionaries(st.sampled_from(["name", "value", "fileName", "contentType"]),
                                           JSON_SCALAR), max_size=3)})))
    if post is not None:
        request["postData"] = post
    entry = {"request": request, "startedDateTime": draw(st.one_of(
        st.datetimes().map(lambda d: d.isoformat() + "Z"), ANY_TEXT, st.none())),
        "time": draw(JSON_SCALAR), "timings": draw(st.one_of(JSON_SCALAR, st.dictionaries(
            st.sampled_from(["blocked", "dns", "connect", "ssl", "send", "wait", "receive"]), JSON_SCALAR))),
        "_junk": draw(JSON_VALUE), "_securityDetails": draw(st.one_of(JSON_SCALAR, st.dictionaries(
            st.sampled_from(["protocol", "subjectName", "sanList", "validFrom"]), JSON_VALUE, max_size=3)))}
    status = draw(st.one_of(st.integers(100, 599), st.sampled_from([0, -1, None, "200", 1000, 10**25, 2.5])))
    if draw(st.booleans()):  # no page-like documents, so no relative URL of a bad entry resolves against them
        entry["response"] = {"status": status, "headers": draw(st.lists(st.fixed_dictionaries(
            {"name": st.sampled_from(["Set-Cookie", "Content-Encoding", "x"]), "value": ANY_TEXT}), max_size=3)),
            "content": {"mimeType": "image/gif", "text": draw(ANY_TEXT),
                        "encoding": draw(st.sampled_from(["base64", None]))}}
    answered = "response" in entry and (status == "200" or isinstance(status, int) and 100 <= status <= 599)
    return entry, ("flow", HOSTS[host], method, int(status) if answered else None)


BAD_ENTRY = st.one_of(
    JSON_SCALAR.map(lambda v: (v, ("skip",))), st.lists(JSON_SCALAR, max_size=3).map(lambda v: (v, ("skip",))),
    st.fixed_dictionaries({"request": JSON_SCALAR}).map(lambda v: (v, ("skip",))),
    st.one_of(st.none(), st.integers(), st.lists(st.integers(), max_size=2)).map(
        lambda u: ({"request": {"method": "GET", "url": u}}, ("skip",))),
    PATH.map(lambda p: ({"request": {"method": "GET", "url": "/" + p}}, ("skip",))),
    st.sampled_from(["https://a.dk:99999/", "https://a.dk:x/", "https://a b.dk/", "https:///x", "ftp://a.dk/",
                     "https://[::zz]/", "gopher://a.dk/", "http://" + "a" * 300 + ".dk/"]).map(
        lambda u: ({"request": {"method": "GET", "url": u}}, ("skip",))),
    st.sampled_from(["", "GE T", "G\nET", None, 7]).map(
        lambda m: ({"request": {"method": m, "url": "https://a.dk/"}}, ("skip",))),
)
IGNORED_ENTRY = st.tuples(st.sampled_from(["data:", "blob:", "about:", "chrome-extension://", "DATA:", "javascript:"]),
                          PATH).map(lambda s: ({"request": {"method": "GET", "url": s[0] + s[1]}}, ("ignore",)))
ENTRIES = st.lists(st.one_of(good_entry(), BAD_ENTRY, IGNORED_ENTRY), max_size=12)


def wrap(doc: dict, how: str) -> bytes:
    """The HAR document as a producer may have written it."""
    text = json.dumps(doc, ensure_ascii=how in ("utf-16", "gzip"))
    if how == "utf-16":
        return text.encode("utf-16")
    data = text.encode("utf-8", "surrogatepass")  # lone surrogates become bytes that are not UTF-8
    return {"plain": data, "bom": codecs.BOM_UTF8 + data, "jsonp": b"onInputData(" + data + b");\n",
            "gzip": gzip.compress(data), "zlib": zlib.compress(data)}[how]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(entries=ENTRIES, how=st.sampled_from(["plain", "bom", "jsonp", "gzip", "zlib", "utf-16"]))
def test_hostile_entries_cost_only_themselves(tmp_path_factory, entries, how):
    path = tmp_path_factory.mktemp("har") / "walk.har"
    path.write_bytes(wrap({"log": {"version": "1.2", "entries": [e for e, _ in entries]}}, how))
    if not entries:
        return
    items = list(read_capture(path))
    assert len(items) == len(entries)
    for index, (item, (_, want)) in enumerate(zip(items, entries)):
        if want[0] == "flow":
            assert isinstance(item, http.HTTPFlow), (index, item)
            assert (item.request.host, item.request.method) == want[1:3]
            assert (item.response.status_code if item.response else None) == want[3]
            assert item.response is not None or item.error.msg.startswith("no response in capture")
            assert item.request.timestamp_start <= item.request.timestamp_end <= \
                   (item.response.timestamp_end if item.response else float("inf"))
            json.dumps(item.metadata)  # plain data only
        elif want[0] == "skip":
            assert isinstance(item, Skipped) and item.index == index and KNOWN_SKIPS.search(item.reason), item
        else:
            assert isinstance(item, Ignored) and item.reason.endswith("(not network traffic)"), item


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(entries=st.lists(JSON_VALUE, max_size=8), pages=st.lists(JSON_VALUE, max_size=2),
       chunk=st.integers(1, 300), indent=st.sampled_from([None, 1, "\t"]), pages_first=st.booleans())
def test_the_stream_reader_sees_what_json_loads_sees(entries, pages, chunk, indent, pages_first):
    log = {"pages": pages, "entries": entries} if pages_first else {"entries": entries, "pages": pages}
    text = json.dumps({"x": [1, {"y": "}]"}], "log": {"version": "1.2", **log}}, indent=indent)
    seen = []
    got = list(har_entries(io.BytesIO(text.encode("utf-8", "surrogatepass")), seen.append, chunk=chunk))
    assert got == json.loads(text)["log"]["entries"] or _same_but_surrogates(got, entries)
    assert len(seen) == len(pages)


def _same_but_surrogates(got, want) -> bool:
    """Lone surrogates written as raw bytes come back as U+FFFD (they are not UTF-8): compare with them replaced."""
    def fix(v):
        if isinstance(v, str):
            return v.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
        if isinstance(v, list):
            return [fix(x) for x in v]
        if isinstance(v, dict):
            return {fix(k): fix(x) for k, x in v.items()}
        return v
    return fix(got) == fix(want)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(entries=st.lists(st.dictionaries(st.sampled_from("abc"), JSON_SCALAR, min_size=1), min_size=1, max_size=6),
       cut=st.floats(0, 1), damage=st.binary(min_size=1, max_size=3), truncate=st.booleans(),
       chunk=st.integers(3, 200))
def test_a_damaged_file_costs_only_the_entries_from_the_damage_on(entries, cut, damage, truncate, chunk):
    text = json.dumps({"log": {"entries": entries}}, ensure_ascii=True).encode()
    at = int(len(text) * cut)
    data = text[:at] if truncate else text[:at] + damage + text[at + len(damage):]
    intact = sum(1 for i in range(len(entries)) if _ends_before(text, entries, i, at))
    got = []
    try:
        for item in har_entries(io.BytesIO(data), chunk=chunk):
            got.append(item)
    except HarError:
        pass
    assert got[:intact] == entries[:intact]
    assert all(isinstance(g, (BrokenEntry, dict, list, str, int, float, bool, type(None))) for g in got)


def _ends_before(text: bytes, entries: list, i: int, at: int) -> bool:
    """Whether entry ``i`` (and the comma after it) lies wholly before byte ``at`` of the document."""
    head = json.dumps({"log": {"entries": entries[: i + 1]}}, ensure_ascii=True).encode()
    return len(head) - 3 + 2 <= at  # "]}}" closes the prefix document; ", " follows the entry
