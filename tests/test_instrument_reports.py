"""Reports from the page: hostile batches refused with a reason, bad events isolated, and events turned into
storage records that keep no value (only its keyed hash, length and shape) and no query value."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlite_utils import Database

from tredjepart.hashing import keyed_hash
from tredjepart.instrument.evidence import bare_url, page_record, storage_records
from tredjepart.instrument.inject import Injection
from tredjepart.instrument.reports import MAX_BODY, MAX_EVENTS, ReportError, js_length, parse_batch
from tredjepart.store.rows import to_row
from tredjepart.store.schema import migrate

KEY = b"k" * 32
TOKEN = "AbCdEfGhIjKlMnOpQrStUv"


def event(**kw) -> dict:
    base = {"kind": "localStorage", "op": "write", "key": "_uid", "length": 20, "value": "Zq81mXv2Lp0sWt7Yh4Nc",
            "script": "https://cdn.tracker.example/t.js?v=3&uid=Zq81", "script_kind": "file",
            "stack": ["https://www.portal.dk/app.js?session=s3cr3t"], "t": 900}
    return {**base, **kw}


def batch(events=None, **kw) -> bytes:
    data = {"v": 1, "token": TOKEN, "page": "https://www.portal.dk/sag?cpr=0101701234#frag",
            "frame": "https://www.portal.dk", "top": True, "seq": 0, "dropped": 0, "now": 1000,
            "events": [event()] if events is None else events, **kw}
    return json.dumps(data).encode()


def test_a_good_batch():
    b = parse_batch(batch())
    assert (b.token, b.page_url, b.frame_origin, b.top_level, b.seq, b.rejected) == (
        TOKEN, "https://www.portal.dk/sag?cpr=0101701234#frag", "https://www.portal.dk", True, 0, 0)
    e = b.events[0]
    assert (e.kind, e.operation, e.key, e.value_length, e.script_kind, e.age_ms) == (
        "localStorage", "write", "_uid", 20, "file", 100.0)
    assert e.value == "Zq81mXv2Lp0sWt7Yh4Nc" and "Zq81mXv2" not in repr(e)


@pytest.mark.parametrize("body, reason", [
    (b"", "not JSON"),
    (b"\xff\xfe{", "not JSON"),
    (b"[" * 100_000, "not JSON"),
    (b'{"v": 1, "now": NaN}', "not JSON"),
    (b"[]", "not a version 1"),
    (b'{"v": 2}', "not a version 1"),
    (b'{"v": 1, "token": "short"}', "no valid token"),
    (batch(top="yes"), "wrong type"),
    (batch(seq=-1), "wrong type"),
    (batch(page=None), "wrong type"),
    (batch(now=1e300), "wrong type"),
    (batch(events={"a": 1}), "events must be a list"),
    (batch(events=[event()] * (MAX_EVENTS + 1)), "events must be a list"),
    (b" " * (MAX_BODY + 1), "more than"),
])
def test_garbage_is_refused_with_a_reason(body, reason):
    with pytest.raises(ReportError, match=reason):
        parse_batch(body)


def test_bad_events_are_left_out_and_the_rest_kept():
    events = [event(), event(kind="webSQL"), event(op="steal"), event(length=-1), event(key=["a"]),
              event(script=None), event(stack="x"), event(t="soon"), "not an object",
              event(kind="fetch", op="get"), event(kind="fetch", op="POST", key="https://api.example/x", value=None),
              event(kind="cache", op="delete-entry", key="https://cdn.example/app.js", value=None, length=None)]
    b = parse_batch(batch(events))
    assert [(e.kind, e.operation) for e in b.events] == [("localStorage", "write"), ("fetch", "POST"),
                                                         ("cache", "delete-entry")]
    assert b.rejected == 9 and len(b.reasons) == 9
    assert b.reasons[0] == "event 1: unknown kind 'webSQL'"


def test_values_that_do_not_match_their_length_are_not_hashed():
    b = parse_batch(batch([event(length=21), event(value="x" * 5000, length=5000), event(value="😀", length=2)]))
    assert [e.value for e in b.events] == [None, None, "😀"]
    assert js_length("😀a") == 3


def test_records_keep_no_value_and_no_query_value():
    b = parse_batch(batch([event(), event(kind="fetch", op="GET", key="https://api.tracker.example/c?id=Zq81#x",
                                          value=None, length=None, script_kind="inline",
                                          script="https://www.portal.dk/sag?cpr=0101701234")]))
    first, second = storage_records(b, hmac_key=KEY, session_id="s1", step_id=None, received=5000.0)
    assert first.value_hash == keyed_hash(KEY, "Zq81mXv2Lp0sWt7Yh4Nc") and first.value_shape == "base64"
    assert first.page == "https://www.portal.dk/sag?cpr="
    assert first.script_url == "https://cdn.tracker.example/t.js?v=&uid="
    assert first.script_site == "tracker.example" and first.frame_site == "portal.dk"
    assert first.stack == ("https://www.portal.dk/app.js?session=",)
    assert first.time == pytest.approx(4999.9)
    assert second.key_name == "https://api.tracker.example/c?id=" and second.value_hash is None
    assert second.script_site == "portal.dk" and second.script_kind == "inline"
    assert first.id != second.id and first.id == storage_records(b, hmac_key=KEY, session_id="s1", step_id=None,
                                                                 received=1.0)[0].id
    text = json.dumps([to_row(first), to_row(second)])
    for secret in ("Zq81mXv2Lp0sWt7Yh4Nc", "0101701234", "s3cr3t", "Zq81", "frag"):
        assert secret not in text


def test_records_fit_the_storage_table():
    db = Database(memory=True)
    migrate(db)
    b = parse_batch(batch([event(), event(kind="cookie", op="read", key=None, value=None, length=12),
                           event(key="\ud800lone", value="v\ud800", length=2)]))
    rows = [to_row(r) for r in storage_records(b, hmac_key=KEY, session_id="s1", step_id=None, received=1.0)]
    from tredjepart.store.storable import storable_row
    db.execute("insert into sessions (id, source, started) values ('s1', 'live', 0)")
    for row in rows:
        db.execute(f"insert into storage ({', '.join(row)}) values ({', '.join('?' * len(row))})",
                   storable_row(row.values()))
    assert db.table("storage").count == 3
    assert db.execute("select stack from storage limit 1").fetchone()[0] == '["https://www.portal.dk/app.js?session="]'
    injection = Injection(b"", True, "head", 15, "utf_8", ("meta: connect-src: x added",))
    page = to_row(page_record(injection=injection, csp=None, flow_id=None, session_id="s1", step_id=None,
                              time=1.0, url="https://www.portal.dk/?a=1"))
    db.table("instrument_pages").insert(page)
    assert db.table("instrument_pages").get(page["id"])["csp_changes"] == '["meta: connect-src: x added"]'


@pytest.mark.parametrize("url, bare", [
    ("https://www.portal.dk/a?x=1&y=2#f", "https://www.portal.dk/a?x=&y="),
    ("http://h.example:8080/p", "http://h.example:8080/p"),
    ("blob:https://www.portal.dk/5f1c-uuid", "blob:https://www.portal.dk/5f1c-uuid"),
    ("data:text/javascript,alert(document.cookie)", "data:"),
    ("chrome-extension://abcdef/content.js?x=1", "chrome-extension://abcdef/content.js?x="),
    ("about:srcdoc", "about:"),
    ("https://[::1]:99999/x", None),
    ("not a url", None),
    ("", None),
])
def test_bare_url(url, bare):
    assert bare_url(url) == bare


_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
                     lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children,
                                                                                        max_size=4), max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_are_refused_cleanly(body):
    try:
        parse_batch(body)
    except ReportError:
        pass


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(_JSON, st.builds(event, kind=st.sampled_from(["cookie", "cache", "xhr", "x"]),
                                           op=st.sampled_from(["read", "write", "GET", "open", "match", ""]),
                                           key=st.one_of(st.none(), st.text(max_size=50)),
                                           value=st.one_of(st.none(), st.text(max_size=30)),
                                           length=st.one_of(st.none(), st.integers(-5, 40)),
                                           t=st.one_of(st.integers(0, 2000), st.floats(allow_nan=False, allow_infinity=False),
                                                       st.text(max_size=3)))),
                max_size=30), _JSON)
def test_hostile_events_are_each_kept_or_left_out(events, extra):
    b = parse_batch(batch(events, extra=extra))
    assert len(b.events) + b.rejected == len(events)
    for r in storage_records(b, hmac_key=KEY, session_id="s", step_id=None, received=1e9):
        assert r.kind in ("cookie", "cache", "xhr") and (r.key_name is None or len(r.key_name) <= 200)


def test_an_event_from_a_frames_document():
    doc = event(doc="https://hjaelp.portal.dk/widget?id=7")
    b = parse_batch(batch([doc, event(doc="javascript:alert(1)"), event(doc="https://[::1")]))
    e = b.events[0]
    assert (e.page_url, e.frame_origin, e.top_level) == ("https://hjaelp.portal.dk/widget?id=7",
                                                          "https://hjaelp.portal.dk", False)
    assert b.rejected == 2 and "doc must be an http(s) URL" in b.reasons[0]
