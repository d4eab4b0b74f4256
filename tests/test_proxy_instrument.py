"""The proxy's side of the in-page instrument, through the real addon in mitmproxy's taddons (recording in-process):
HTML responses instrumented after they are recorded, reports answered on the control host only with a token the
proxy issued, bounded in size, hostile reports refused or isolated, and nothing at all with the option off."""

from __future__ import annotations

import asyncio
import json
import re

import pytest

from conftest import AddonHarness, make_flow

PAGE = b"<!doctype html><html><head><title>Portal</title></head><body><p>hi</p></body></html>"
CSP = "default-src 'self'; script-src 'self'"
UID = "Qm7x2Lr9Vz4Kp1Ws8Nd3"
POLICY = """solution: Portal
first_party: [example-portal.dk]
third_parties:
  - name: Tracker One
    sites: [tracker-one.com]
    basis: written_agreement
    agreement: {reference: "J.nr. 1"}
    allow: [script, xhr]
"""


@pytest.fixture
def proxy(tmp_path):
    policy = tmp_path / "p.yaml"
    policy.write_text(POLICY)
    h = AddonHarness(tmp_path, tredjepart_instrument=True, tredjepart_policy=str(policy))
    yield h
    h.close()


def _page(h: AddonHarness, body: bytes = PAGE, ctype: str = "text/html; charset=utf-8", **kw):
    return h.flow("https://www.example-portal.dk/", resp_body=body,
                  resp_headers=[("Content-Type", ctype), ("Content-Security-Policy", CSP), ("ETag", '"x"')], **kw)


def _token(body: bytes) -> str:
    return re.search(rb'"token":"([A-Za-z0-9_-]+)"', body).group(1).decode()


def _report(h: AddonHarness, token: str, events: list[dict] | None = None, *, body: bytes | None = None,
            length: str | None = None):
    if body is None:
        body = json.dumps({"v": 1, "token": token, "page": "https://www.example-portal.dk/?cpr=0101701234",
                           "frame": "https://www.example-portal.dk", "top": True, "seq": 0, "dropped": 2,
                           "now": 5000, "events": events if events is not None else [
                               {"kind": "localStorage", "op": "write", "key": "t1_uid", "length": len(UID),
                                "value": UID, "script": "https://cdn.tracker-one.com/t.js", "script_kind": "file",
                                "t": 4000}]}).encode()
    f = make_flow("https://tredjepart.proxy/instrument/report", method="POST", req_body=body, status=None,
                  req_headers={"Content-Type": "text/plain"})
    if length is not None:  # what the client declares (the body is not read before the headers are judged)
        f.request.headers["content-length"] = length
    h.addon.requestheaders(f)
    if f.response is None:
        asyncio.run(h.addon.request(f))
    return f.response


def test_an_html_page_is_instrumented_after_it_is_recorded(proxy):
    f = _page(proxy)
    body = f.response.content
    assert body != PAGE and body.startswith(b"<!doctype html><html><head><script nonce=")
    assert f.response.headers["cache-control"] == "no-store" and "etag" not in f.response.headers
    nonce = re.search(rb'nonce="([^"]+)"', body).group(1).decode()
    assert f.response.headers["content-security-policy"] == (
        f"default-src 'self'; script-src 'self' 'nonce-{nonce}'; connect-src 'self' https://tredjepart.proxy")
    db = proxy.db()
    (flow,) = db.table("flows").rows
    assert flow["response_size"] == len(PAGE)  # the wire evidence is the server's response
    (page,) = db.table("instrument_pages").rows
    assert (page["injected"], page["placement"], page["csp_adjusted"], page["flow_id"]) == (1, "head", 1, flow["id"])
    assert db.table("sessions").get(flow["session_id"])["instrumented"] == 1


def test_a_report_with_its_token_becomes_storage_rows_and_findings(proxy):
    token = _token(_page(proxy).response.content)
    assert _report(proxy, token).status_code == 204
    db = proxy.db()
    (row,) = db.table("storage").rows
    assert (row["kind"], row["key_name"], row["party"], row["script_site"], row["frame_site"]) == (
        "localStorage", "t1_uid", "third", "tracker-one.com", "example-portal.dk")
    assert row["page"] == "https://www.example-portal.dk/?cpr=" and row["value_length"] == len(UID)
    (page,) = db.table("instrument_pages").rows
    assert (page["reports"], page["events"], page["dropped"]) == (1, 1, 2)
    rules = {(f["rule"], json.loads(f["details"])["subject"]) for f in db.table("findings").rows}
    assert ("identifier-storage", "localStorage:t1_uid") in rules
    assert ("kind-not-allowed", "storage") in rules  # Tracker One's allow list leaves out 'storage'
    raw = b"".join(p.read_bytes() for p in proxy.db_path.parent.glob("audit.sqlite*"))
    assert UID.encode() not in raw and b"0101701234" not in raw


def test_reports_without_an_issued_token_or_too_large_or_malformed_are_refused(proxy):
    _page(proxy)
    assert _report(proxy, "AbCdEfGhIjKlMnOpQrStUv").status_code == 403  # a token this proxy never issued
    token = _token(_page(proxy).response.content)
    assert _report(proxy, token, length=str(10 << 20)).status_code == 413  # refused on its headers
    assert _report(proxy, token, body=b"[" * 5000).status_code == 400
    assert _report(proxy, token, body=b'{"v": 1, "token": "short"}').status_code == 400
    assert proxy.db().table("storage").count == 0


def test_a_bad_event_is_left_out_and_the_others_kept(proxy):
    token = _token(_page(proxy).response.content)
    events = [{"kind": "localStorage", "op": "write", "key": "<img src=x onerror=alert(1)>", "length": 2,
               "value": "ok", "script": "https://www.example-portal.dk/app.js", "script_kind": "file", "t": 4900},
              {"kind": "nope", "op": "write", "t": 1}, "not an event"]
    assert _report(proxy, token, events).status_code == 204
    db = proxy.db()
    assert [r["key_name"] for r in db.table("storage").rows] == ["<img src=x onerror=alert(1)>"]
    (page,) = db.table("instrument_pages").rows
    assert (page["events"], page["rejected"]) == (1, 2)


def test_non_html_and_left_alone_pages_are_untouched(proxy):
    js = proxy.flow("https://www.example-portal.dk/app.js", resp_body=b"var a;",
                    resp_headers=[("Content-Type", "text/javascript")])
    assert js.response.content == b"var a;" and "cache-control" not in js.response.headers
    fragment = proxy.flow("https://www.example-portal.dk/part", resp_body=b"<li>x</li>",
                          req_headers={"Sec-Fetch-Dest": "empty"}, resp_headers=[("Content-Type", "text/html")])
    assert fragment.response.content == b"<li>x</li>"
    pages = {r["placement"]: r["injected"] for r in proxy.db().table("instrument_pages").rows}
    assert pages == {"not-a-document": 0}


def test_with_the_option_off_nothing_is_injected_or_answered(tmp_path):
    h = AddonHarness(tmp_path)
    try:
        f = _page(h)
        assert f.response.content == PAGE and f.response.headers["etag"] == '"x"'
        response = _report(h, "AbCdEfGhIjKlMnOpQrStUv")
        assert response.status_code == 403  # the control page's own answer: no report route
        db = h.db()
        assert db.table("instrument_pages").count == 0 and db.table("storage").count == 0
        assert [s["instrumented"] for s in db.table("sessions").rows] == [0]
    finally:
        h.close()
