"""Every capture in ../shared/data through `analyze`, with what each file must yield: a regression in any reader
shows here as a changed number. Before our own HAR reader, 16 of the 35 files in har-variety/ were refused or cut
short by mitmproxy's (lalibre after 398 of 615 entries, lemonde after 2 of 220, noPages after 11 of 87, ...).

Columns: HTTP flows recorded, of which without a response (request-only entries: the request is the evidence),
entries skipped by reason, entries ignored (no network traffic) by reason, non-HTTP flows by type.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from mitmproxy import http
from mitmproxy.io import FlowReader
from sqlite_utils import Database

from conftest import need_shared
from tredjepart.record.analyze import analyze_file
from tredjepart.record.api import open_recorder
from tredjepart.record.wire import Settings
from tredjepart.record.capture import read_capture

DATA_URL = "data: URL (not network traffic)"
EMPTY_URL = "request.url is empty"

# file: (HTTP flows, of them without response, {skip reason: n}, {ignore reason: n}, {non-HTTP flows by type: n})
EXPECTED = {
    # ../shared/data/har/
    "haralyzer__cnn-chrome.har": (292, 0, {}, {}, {}),
    "mitmproxy__charles.har": (1, 0, {}, {}, {}),
    "mitmproxy__chrome.har": (3, 1, {}, {}, {}),
    "mitmproxy__firefox.har": (14, 0, {}, {}, {}),
    "mitmproxy__safari.har": (19, 0, {}, {}, {}),
    "pagexray__contentTypes_linkedin.har": (23, 0, {}, {}, {}),
    "pagexray__requests_expressen.har": (607, 0, {}, {}, {}),
    "pagexray__www.nytimes.com.har": (328, 0, {}, {}, {}),
    # ../shared/data/har-variety/ (SOURCES.md there says what each producer writes)
    "Lookyloo__capture_samples__user_agent_android_0.har": (28, 0, {}, {}, {}),
    "Lookyloo__har2tree__lalibre_001.har": (614, 1, {EMPTY_URL: 1}, {}, {}),
    "Lookyloo__har2tree__lemonde.har": (194, 4, {}, {DATA_URL: 26}, {}),
    "Netflix__pollyjs__jest-puppeteer_recording.har": (5, 0, {}, {}, {}),
    "SvenskaSpel__har2locust__url-encoded-body-no-text-field.har": (1, 0, {}, {}, {}),
    "gatling__gatling__charles42_redirect-post.har": (2, 0, {}, {}, {}),
    "gatling__gatling__play-chat.har": (10, 0, {}, {}, {}),
    "giacomelli__HarSharp__Sample.har": (60, 3, {}, {}, {}),
    "grafana__har-to-k6__full.har": (8, 8, {}, {}, {}),
    "grafana__har-to-k6__pseudo-headers.har": (1, 1, {}, {}, {}),
    "janodvarko__harviewer__1.har": (1, 0, {}, {}, {}),
    "janodvarko__harviewer__ie11.har": (25, 0, {}, {}, {}),
    "janodvarko__harviewer__images.har": (2, 0, {}, {}, {}),
    "janodvarko__harviewer__multiple-pages.har": (9, 0, {}, {}, {}),
    "janodvarko__harviewer__noPages.har": (87, 0, {}, {}, {}),
    "janodvarko__harviewer__www-cnn-com.har": (22, 0, {}, {}, {}),
    "jarib__har__www.coupons.com-analytics-log.har": (128, 0, {}, {}, {}),
    "jonluca__har-to-openapi__binary-json.har": (1, 0, {}, {}, {}),
    "jonluca__har-to-openapi__request-generator-all-status-and-method.har": (665, 11, {}, {}, {}),
    "microsoft__playwright__har-redirect.har": (3, 0, {}, {}, {}),
    "microsoft__playwright__har-sha1.har": (1, 0, {}, {}, {}),
    "mitmproxy__mitmproxy__with-bom.har": (1, 0, {}, {}, {}),
    "mswjs__source__request-parameters.har": (1, 0, {}, {}, {}),
    "sitespeedio__coach-core__cpuTime.har": (258, 0, {}, {}, {}),
    "sitespeedio__coach-core__cssSize2.har": (304, 0, {}, {}, {}),
    "sitespeedio__coach-core__headerSize2.har": (354, 0, {}, {}, {}),
    "sitespeedio__coach-core__withHtmlContent.har": (108, 0, {}, {}, {}),
    "sitespeedio__sitespeed.io__www-theverge-com.har": (244, 0, {}, {}, {}),
    "the-markup__blacklight-collector__requests.har": (267, 0, {}, {}, {}),
    "webrecorder__har2warc__http2.github.io.har": (21, 0, {}, {}, {}),
    "zaproxy__zap-extensions__cookiesLFWithUsableResponseHeader.har": (1, 0, {}, {}, {}),
    "zaproxy__zap-extensions__noresponse.har": (1, 1, {}, {}, {}),
    "zaproxy__zap-extensions__response-base64.har": (1, 0, {}, {}, {}),
    "sitespeedio__compare__browsertime-firefox-wikipedia.har.gz": (551, 0, {}, {}, {}),
    "alufers__mitmproxy2swagger__test_flows": (4, 0, {}, {}, {}),  # a mitmproxy dump without an extension
    # ../shared/data/mitmproxy-flows/ (mitmproxy's own test files, flow formats 0.11 to 21)
    "dumpfile-011.mitm": (1, 0, {}, {}, {}),
    "dumpfile-018.mitm": (1, 0, {}, {}, {}),
    "dumpfile-019.mitm": (1, 1, {}, {}, {}),
    "dumpfile-10.mitm": (1, 1, {}, {}, {}),
    "dumpfile-19.mitm": (1, 0, {}, {}, {}),
    "dumpfile-7-websocket.mitm": (4, 1, {}, {}, {}),  # and 2 later versions of a flow, not recorded twice
    "dumpfile-7.mitm": (2, 0, {}, {}, {}),
    "flows__corrupted_gzip_body.mitm": (1, 0, {}, {}, {}),
    "flows__diff_data.mitm": (5, 0, {}, {}, {"tcp": 2}),
    "flows__error_log.mitm": (2, 1, {}, {}, {}),
    "flows__event_stream.mitm": (2, 0, {}, {}, {}),
    "flows__incomplete_log.mitm": (4, 4, {}, {}, {}),
    "flows__successful_log.mitm": (2, 0, {}, {}, {}),
    "flows__websocket.mitm": (3, 0, {}, {}, {}),
    "flows__corrupted_gzip_body.har": (1, 0, {}, {}, {}),
    "flows__diff_data.har": (5, 0, {}, {}, {}),
    "flows__error_log.har": (2, 1, {}, {}, {}),
    "flows__event_stream.har": (2, 0, {}, {}, {}),
    "flows__incomplete_log.har": (4, 4, {}, {}, {}),
    "flows__successful_log.har": (2, 0, {}, {}, {}),
    "flows__websocket.har": (3, 0, {}, {}, {}),
    "flows__compressed.zhar": (2, 0, {}, {}, {}),
}
UNREADABLE = {"dumpfile-010.mitm": "cannot read files with flow format version (0, 10)"}


def shared_captures() -> list[Path]:
    base = need_shared()
    skip = {"SOURCES.md", "viewer-license.txt"}
    files = [p for folder in ("har", "har-variety", "mitmproxy-flows") for p in sorted((base / folder).rglob("*"))
             if p.is_file() and "LICENSE" not in p.name and p.name not in skip and not p.name.endswith("license.txt")]
    return files


def test_every_shared_capture_is_in_the_table():
    names = {p.name for p in shared_captures()}
    assert names == set(EXPECTED) | set(UNREADABLE), "a capture was added to ../shared/data: give it its row"


def test_every_shared_capture_yields_what_the_table_says(tmp_path, caplog):
    rec = open_recorder(Settings(str(tmp_path / "a.sqlite"), commit_seconds=0.05))
    with caplog.at_level(logging.WARNING, logger="tredjepart.record.analyze"):
        results = [analyze_file(rec, p) for p in shared_captures()]
    rec.close()
    db = Database(tmp_path / "a.sqlite")
    stored = dict(db.execute("select session_id, count(*) from flows group by session_id").fetchall())
    no_response = dict(db.execute("select session_id, count(*) from flows where status is null and scheme in ('http', 'https') "
                                  "group by session_id").fetchall())
    got, want = {}, {}
    for r in results:
        name = r.path.name
        if name in UNREADABLE:
            assert r.unreadable and r.error.startswith(f"{r.path}: ") and UNREADABLE[name] in r.error
            continue
        got[name] = (r.flows, no_response.get(r.session_id, 0), dict(_reasons(r.skipped)), dict(r.ignored),
                     dict(r.streams))
        want[name] = EXPECTED[name]
        assert r.error is None, r.error
        assert r.incomplete == bool(r.skipped_count) and not r.unreadable
        # every flow read is in the database, a WebSocket's messages as a row of their own
        assert stored.get(r.session_id, 0) == r.flows + sum(r.streams.values()) + r.websocket, name
    assert got == want
    skipped_lines = [m for m in caplog.messages if " skipped: " in m]
    assert skipped_lines == [f"{need_shared('har-variety', 'Lookyloo__har2tree__lalibre_001.har')}: entry 398 "
                             f"(no URL) skipped: {EMPTY_URL}"]
    # the skipped entry is a blind spot of its session: the evidence says it has a hole
    (spot,) = db.query("select * from blind_spots where client = 'capture'")
    assert spot["count"] == 1 and spot["host"] == "unknown" and EMPTY_URL in spot["error"]


def _reasons(skipped):
    from collections import Counter

    return Counter(s.reason for s in skipped)


def _agrees(theirs: http.HTTPFlow, ours: http.HTTPFlow) -> list[str]:
    """Where our flow differs from mitmproxy's for the same entry, beyond the differences we mean."""
    def headers(h):  # mitmproxy adds content-length, keeps pseudo-headers and a content-encoding that no longer applies
        return sorted((k.lower(), v) for k, v in h.fields
                      if k.lower() not in (b"content-length", b"content-encoding") and not k.startswith(b":"))

    out = []
    if theirs.request.method != ours.request.method:
        out.append("method")
    host = theirs.request.host
    if theirs.request.url.split("#")[0].replace(host, host.rstrip("."), 1) != ours.request.url:
        out.append("url")  # fragments never go on the wire; a host's trailing dot is dropped
    if headers(theirs.request.headers) != headers(ours.request.headers):
        out.append("request headers")
    if abs(theirs.request.timestamp_start - ours.request.timestamp_start) > 1e-3:
        out.append("start")
    if theirs.response and theirs.response.status_code and ours.response:
        if theirs.response.status_code != ours.response.status_code:
            out.append("status")
        if headers(theirs.response.headers) != headers(ours.response.headers):
            out.append("response headers")
        if theirs.response.get_content(strict=False) != ours.response.get_content(strict=False):
            out.append("response body")
        if abs(theirs.response.timestamp_end - ours.response.timestamp_end) > 0.05:
            out.append("end")
    elif theirs.response is not None and theirs.response.status_code == 0:
        if ours.response is not None or not ours.error:  # status 0: no response; ours says so
            out.append("status 0 kept as a response")
    return out


@pytest.mark.parametrize("name", sorted(n for n in EXPECTED if n.endswith(".har") and not n.startswith("dump")))
def test_our_har_flows_agree_with_mitmproxys_where_it_can_read_the_file(name):
    """Where mitmproxy's own HAR reader reads a file to its end, our flows carry the same method, URL, headers,
    response bodies and times, entry by entry. (Request bodies differ where we mean it: base64 postData is
    decoded, and postData.params are rebuilt when postData.text is empty.)"""
    path = next(p for p in shared_captures() if p.name == name)
    try:
        with open(path, "rb") as f:
            theirs = list(FlowReader(f).stream())
    except Exception:  # noqa: BLE001 - mitmproxy refuses it: the table above covers the file
        pytest.skip("mitmproxy's reader cannot read this file")
    ours = [x for x in read_capture(path) if isinstance(x, http.HTTPFlow)]
    assert len(ours) == len(theirs)
    differences = {i: d for i, (a, b) in enumerate(zip(theirs, ours)) if (d := _agrees(a, b))}
    assert differences == {}


ONE_OF_EACH = {"Lookyloo__har2tree__lalibre_001.har", "Lookyloo__har2tree__lemonde.har", "janodvarko__harviewer__1.har",
               "giacomelli__HarSharp__Sample.har", "sitespeedio__compare__browsertime-firefox-wikipedia.har.gz",
               "alufers__mitmproxy2swagger__test_flows", "flows__diff_data.mitm", "flows__compressed.zhar",
               "dumpfile-010.mitm", "dumpfile-7-websocket.mitm", "grafana__har-to-k6__full.har"}


def test_the_analyze_command_reads_the_captures_of_every_kind(tmp_path):
    """One capture of each kind and oddity (skipped, ignored, JSONP, BOM, gzip, zlib, no extension, non-HTTP,
    repeated flows, request-only, too old) through `tredjepart analyze` itself: a line per readable file with the
    table's numbers, the unreadable file named, and exit 2 (a file could not be read at all)."""
    from click.testing import CliRunner

    from tredjepart.cli import main

    files = [p for p in shared_captures() if p.name in ONE_OF_EACH]
    assert len(files) == len(ONE_OF_EACH)
    r = CliRunner().invoke(main, ["analyze", *map(str, files), "--db", str(tmp_path / "all.sqlite")])
    assert r.exit_code == 2, r.output
    lines = {line.split(": ", 1)[0]: line for line in r.stdout.splitlines()}
    for path in files:
        if path.name in UNREADABLE:
            assert f"error: {path}: " in r.stderr and str(path) not in lines
            continue
        flows, _, skipped, ignored, streams = EXPECTED[path.name]
        line = lines[str(path)]
        assert line.startswith(f"{path}: {flows} flow")
        assert (f"{sum(skipped.values())} entr" in line) == bool(skipped)
        assert (f"{sum(ignored.values())} ignored" in line) == bool(ignored)
        assert all(f"{n} {kind.upper()} flow(s)" in line for kind, n in streams.items())
    assert "incomplete: " in r.stderr and "lalibre_001.har: 1 entry skipped" in r.stderr
