"""The scanner as the recorder will call it: declared values, patterns and decoders together; findings; masking;
and the promise that no value, in any form, comes out of any of it."""

from __future__ import annotations

import base64
import hashlib
import json
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import make_flow, need_shared
from tredjepart.record.findings import FindingSet
from tredjepart.received import (RequestParts, Scanner, mask_path, parse_identity, parts_from_flow,
                                 received_findings, request_places)
from tredjepart.received.forms import TEXT, identity_forms
from tredjepart.records import FlowRecord

IDENTITY_TEXT = """\
name: Jens Peter Hansen
cpr: "010190-1234"
email: jens.hansen@example.dk
phone: "+45 22 34 56 78"
address: Vestergade 12, 2. tv
postcode: "8000"
birth_date: 1990-01-01
other: {case_number: SAG-2025-004711}
"""
IDENTITY = parse_identity(IDENTITY_TEXT)
SCANNER = Scanner(IDENTITY)
EMAIL_SHA256 = hashlib.sha256(b"jens.hansen@example.dk").hexdigest()


def record(host="www.facebook.com", party="third", flow_id="f1", started=1.0) -> FlowRecord:
    from tredjepart.sites import site_of

    return FlowRecord(id=flow_id, mitm_id=flow_id, started=started, method="GET", url=f"https://{host}/",
                      scheme="https", host=host, port=443, path="/", query_names=(), site=site_of(host),
                      kind="image", client="browser", session_id="s1", party=party)


def pixel_request() -> RequestParts:
    return RequestParts(
        "GET", "www.facebook.com",
        f"/tr/?id=1&ev=PageView&dl=https%3A%2F%2Fportal.dk%2Fansoeg%2Fkontanthjaelp%2F0101901234&ud[em]={EMAIL_SHA256}",
        (("Referer", "https://portal.dk/ansoeg/kontanthjaelp/0101901234"),))


def test_declared_values_are_found_with_form_and_place():
    items = SCANNER.scan(pixel_request())
    declared = {(i.field, i.where, i.form, i.confidence) for i in items if i.source == "declared"}
    assert declared == {
        ("cpr", "query dl", "CPR number without dash", "high"),
        ("cpr", "header referer", "CPR number without dash", "high"),
        ("email", "query ud[em]", "SHA-256 (hex) of e-mail as typed", "high"),
    }


def test_a_pattern_is_not_reported_where_a_declared_value_was_found():
    items = SCANNER.scan(RequestParts("GET", "t.example", "/p?a=jens.hansen%40example.dk&b=other.person%40x.dk"))
    assert {(i.source, i.field, i.where) for i in items} == {("declared", "email", "query a"),
                                                              ("pattern", "email", "query b")}


def test_without_a_declaration_patterns_still_find_cpr_and_email():
    items = Scanner().scan(RequestParts("GET", "t.example", "/p?x=1", (("Referer", "https://portal.dk/sag/010190-1234"),
                                                                       ("X-Mail", "a.b@c.dk"))))
    assert {(i.field, i.where, i.confidence) for i in items if i.source == "pattern"} == {
        ("cpr", "header referer", "medium"), ("email", "header x-mail", "medium")}


def test_weak_values_count_only_in_fields_named_for_them():
    plain = SCANNER.scan(RequestParts("GET", "t.example", "/p?n=8000&zip=8000&q=jens&fn=jens"))
    assert {(i.field, i.where) for i in plain if i.source == "declared"} == {
        ("postcode", "query zip"), ("name", "query fn")}


def test_page_url_in_a_parameter_is_a_viewed_page_with_topics():
    parts = RequestParts("GET", "ads.example.net", "/bid?rf=https%3A%2F%2Fportal.dk%2Fsygedagpenge%2Fansoeg&x=1",
                         (("Referer", "https://portal.dk/sygedagpenge/ansoeg"),))
    items = Scanner().scan(parts)
    page = [i for i in items if i.where == "query rf"]
    assert len(page) == 1 and page[0].type == "viewedPage" and page[0].source == "pattern"
    assert page[0].topics == ("ansøgning", "sygedagpenge")


def test_names_a_request_chose_are_masked_in_where():
    items = SCANNER.scan(RequestParts("POST", "graph.facebook.com", "/v17.0/1/activities",
                                      (("Content-Type", "application/x-www-form-urlencoded"),),
                                      b'ud=%7B%22jens.hansen%40example.dk%22%3A%22x%22%7D&c0101901234=1'))
    wheres = {i.where for i in items}
    assert {"body [email]", "body c[cpr]"} <= wheres
    assert not any("jens" in w or "0101901234" in w for w in wheres)
    named = {(i.field, i.form) for i in items if i.source == "declared"}
    assert ("cpr", "CPR number without dash (the name itself)") in named


def test_decoder_items_carry_reasons_and_topics():
    items = SCANNER.scan(pixel_request())
    dl = next(i for i in items if i.where == "query dl" and i.source == "decoder")
    assert dl.type == "viewedPage" and dl.reason.startswith("https://developers.facebook.com/")
    assert dl.topics == ("ansøgning", "kontanthjælp")


# --- findings ---------------------------------------------------------------------------------------------------

def test_first_party_flows_give_no_findings():
    assert received_findings(record(party="first"), SCANNER.scan(pixel_request())) == []


def test_third_party_findings_one_per_field_and_one_for_the_page():
    findings = received_findings(record(), SCANNER.scan(pixel_request()))
    by_rule = {(f.rule, f.details["subject"]): f for f in findings}
    assert set(by_rule) == {("personal-data-to-third-party", "declared:cpr"),
                            ("personal-data-to-third-party", "declared:email"),
                            ("page-url-to-third-party", "page-url")}
    cpr = by_rule[("personal-data-to-third-party", "declared:cpr")]
    assert cpr.severity == "error" and cpr.site == "facebook.com" and cpr.host is None
    assert cpr.details["wheres"] == ["header referer", "query dl"]
    assert cpr.details["forms"] == ["CPR number without dash"]
    page = by_rule[("page-url-to-third-party", "page-url")]
    assert page.severity == "warning" and page.details["topics"] == ["ansøgning", "kontanthjælp"]


def test_repeats_merge_into_one_finding_per_field_and_party():
    merged = FindingSet()
    for n in range(3):
        for f in received_findings(record(flow_id=f"f{n}", started=float(n)), SCANNER.scan(pixel_request())):
            merged.add(f)
    personal = [f for f in merged.findings() if f.rule == "personal-data-to-third-party"]
    assert len(personal) == 2 and all(f.evidence == ["f0", "f1", "f2"] for f in personal)


def test_low_confidence_gives_no_finding_but_a_documented_field_does():
    items = Scanner().scan(RequestParts("GET", "www.facebook.com", f"/tr/?id=1&ud[em]={EMAIL_SHA256}&n=0101901231"))
    findings = received_findings(record(), items)
    assert [f.details["subject"] for f in findings] == ["decoder:emailAddress"]


# --- masking ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path,masked", [
    ("/sag/0101901234/status", "/sag/[cpr]/status"),
    ("/sag/010190-1234", "/sag/[cpr]"),
    ("/u/jens.hansen%40example.dk/profile", "/u/[email]/profile"),
    (f"/h/{EMAIL_SHA256}", "/h/[email]"),
    ("/c/SAG-2025-004711/docs", "/c/[other.case_number]/docs"),
    ("/p/" + base64.b64encode(b"jens.hansen@example.dk").decode().rstrip("="), "/p/[email]"),
    ("/x/2203851236/y", "/x/[cpr]/y"),  # a pattern, undeclared
    ("/x/other.person%40x.dk", "/x/[email]"),
    ("/static/app.js", "/static/app.js"),
    ("/a%20b/c", "/a%20b/c"),  # untouched segments stay exactly as sent
])
def test_mask_path(path, masked):
    assert SCANNER.mask_path(path) == masked


def test_mask_url_masks_path_and_parameter_names():
    assert SCANNER.mask_url("https://portal.dk/sag/0101901234?jens.hansen%40example.dk=&step=") == \
        "https://portal.dk/sag/[cpr]?[email]=&step="


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["sag", "0101901234", "010190-1234", "jens.hansen%40example.dk", "x%2Fy", "%",
                                 "SAG-2025-004711", "a;b=c", "", "å", EMAIL_SHA256]), max_size=6),
       st.text(max_size=20))
def test_masked_paths_never_hold_a_declared_value(segments, noise):
    path = "/" + "/".join(segments) + "/" + quote(noise)
    masked = SCANNER.mask_path(path)
    for value in ("0101901234", "010190-1234", "jens.hansen", EMAIL_SHA256, "SAG-2025-004711"):
        assert value not in masked
    assert mask_path(masked, SCANNER.index) == masked


# --- nothing leaks ----------------------------------------------------------------------------------------------

def _planted_requests() -> list[RequestParts]:
    """Requests carrying every form of the planted identity, in every place."""
    out = []
    needles = identity_forms(IDENTITY)
    forms = [n.exact if n.kind == TEXT else n.key for n in needles]
    for chunk in range(0, len(forms), 40):
        batch = forms[chunk:chunk + 40]
        query = "&".join(f"p{i}={quote(v, safe='')}" for i, v in enumerate(batch))
        body = json.dumps({f"k{i}": v for i, v in enumerate(batch)}).encode()
        out.append(RequestParts("POST", "www.facebook.com", f"/tr/?{query}",
                                (("Referer", f"https://portal.dk/sag/{quote(batch[0], safe='')}"),
                                 ("Cookie", "; ".join(f"c{i}={quote(v, safe='')}" for i, v in enumerate(batch))),
                                 ("Content-Type", "application/json")), body,
                                location=f"https://portal.dk/next?v={quote(batch[-1], safe='')}",
                                websocket=(json.dumps(batch),)))
    return out


def test_no_value_or_form_of_the_identity_appears_in_any_output():
    texts = [repr(SCANNER), repr(SCANNER.index), repr(IDENTITY), str(IDENTITY)]
    for parts in _planted_requests():
        items = SCANNER.scan(parts)
        assert any(i.source == "declared" for i in items)
        texts.append(repr(items))
        texts.append(repr(received_findings(record(), items)))
        texts.append(SCANNER.mask_path(parts.target.partition("?")[0]))
    blob = "\n".join(texts)
    needles = identity_forms(IDENTITY)
    secrets = {n.exact.lower() for n in needles if n.kind == TEXT and len(n.exact) >= 6}
    secrets |= {n.key.lower() for n in needles if n.kind != TEXT}
    secrets |= {"0101901234", "jens.hansen@example.dk", "22345678", "vestergade", "sag-2025-004711"}
    low = blob.lower()
    leaked = sorted(s for s in secrets if s in low)
    assert leaked == []


def test_scanning_a_mitmproxy_flow():
    flow = make_flow("https://www.google-analytics.com/g/collect?v=2&tid=G-1&cid=1.2&dl=https%3A%2F%2Fportal.dk%2F"
                     "sag%2F0101901234", req_headers={"Referer": "https://portal.dk/"})
    items = SCANNER.scan(parts_from_flow(flow))
    assert {("declared", "cpr", "query dl"), ("decoder", "", "query dl")} <= {
        (i.source, i.field, i.where) for i in items}


def test_every_request_of_the_shared_captures():
    """Real traffic from foreign sites: nothing of the (fictitious) identity may be found there, no pattern of
    medium confidence but e-mail addresses may either, and no request may take long or fail."""
    import glob
    import time
    from urllib.parse import urlsplit

    root = need_shared("har")
    files = glob.glob(str(root.parent / "**" / "*.har"), recursive=True)
    total, slow, found = 0, 0.0, []
    for name in files:
        try:
            data = json.loads(open(name, "rb").read().decode("utf-8-sig"))
        except ValueError:
            continue  # one of the shared files is not JSON: the HAR reader's concern, not this one's
        for entry in data["log"]["entries"]:
            r = entry["request"]
            u = urlsplit(r["url"])
            body = ((r.get("postData") or {}).get("text") or "").encode("utf-8", "surrogateescape")
            parts = RequestParts(r["method"], u.hostname or "", (u.path or "/") + (f"?{u.query}" if u.query else ""),
                                 tuple((h["name"], h["value"]) for h in r.get("headers", [])), body)
            start = time.process_time()  # CPU time: other load on the machine does not count
            items = SCANNER.scan(parts)
            slow = max(slow, time.process_time() - start)
            total += 1
            found += [(i.field, u.hostname, i.where) for i in items if i.source == "declared"]
            found += [(i.field, u.hostname, i.where) for i in items if i.source == "pattern" and i.field == "cpr"]
    assert total > 4000
    assert found == []
    assert slow < 1.0  # the slowest takes milliseconds; this catches a runaway, not a slow machine


# --- the report's summary ---------------------------------------------------------------------------------------

def test_data_types_group_by_kind_and_source_with_every_place_form_and_flow():
    from tredjepart.received import data_types

    entries = [(f"f{n}", item) for n in range(3) for item in SCANNER.scan(pixel_request())]
    summary = data_types(entries)
    first = summary[0]
    assert (first["type"], first["source"], first["field"]) == ("cprNumber", "declared", "cpr")
    assert first["label_da"] == "CPR-nummer" and first["where"] == ["header referer", "query dl"]
    assert first["flows"] == ["f0", "f1", "f2"] and first["flow_count"] == 3
    page = next(e for e in summary if e["type"] == "viewedPage" and e["source"] == "decoder")
    assert page["topics"] == ["ansøgning", "kontanthjælp"] and page["reasons"][0].startswith("https://")
    kinds = [e["type"] for e in summary]
    assert kinds.index("viewedPage") < kinds.index("propertyId")  # personal, then pages, then the rest
    json.dumps(summary)  # JSON-ready
    assert "0101901234" not in json.dumps(summary)


def test_client_websocket_messages_of_a_real_flow_dump_are_read():
    from mitmproxy.io import FlowReader

    path = need_shared("mitmproxy-flows", "flows__websocket.mitm")
    with open(path, "rb") as f:
        flows = [fl for fl in FlowReader(f).stream() if getattr(fl, "websocket", None)]
    assert flows
    for flow in flows:
        parts = parts_from_flow(flow)
        sent = [m for m in flow.websocket.messages if m.from_client]
        assert len(parts.websocket) == len(sent)
        places = [p for p in request_places(parts) if p.location == "websocket"]
        assert bool(places) == any(m.content.strip() for m in sent)
        SCANNER.scan(parts)
