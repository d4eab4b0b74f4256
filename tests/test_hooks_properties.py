"""Property tests at the proxy's hooks: hostile flows (undecodable bytes in every header, status codes and ports
beyond 64 bits, odd methods and paths, NaN times, errors) between good ones, through the addon's own request,
response and error hooks, in-process. No hook raises, and nothing is lost: every good flow is in the database,
and every hostile one is either in it or set aside in the fallback file, counted as refused."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings, strategies as st
from sqlite_utils import Database

from conftest import AddonHarness, make_flow
from test_observe_properties import any_text, hostile_flows

HOOKS = settings(max_examples=40, deadline=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
UA = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0", "Sec-Fetch-Dest": "document"}


async def _through_hooks(h: AddonHarness, f) -> None:
    await h.addon.request(f)
    if f.metadata.get("tredjepart_control"):
        return
    (h.addon.error if f.error is not None and f.response is None else h.addon.response)(f)


async def _walk(tmp: str, flows: list):
    """The flows through one proxy's hooks in one event loop, as mitmdump runs them; the recording's status."""
    h = AddonHarness(Path(tmp))
    try:
        for f in flows:
            await _through_hooks(h, f)
        return h.addon.recorder.status()
    finally:
        h.close()


@HOOKS
@given(st.lists(hostile_flows, min_size=1, max_size=4))
def test_hostile_flows_through_the_hooks_lose_nothing(hostile):
    with tempfile.TemporaryDirectory() as tmp:
        good = [make_flow(f"https://www.example-portal.dk/g{i}", req_headers=UA) for i in range(4)]
        status = asyncio.run(_walk(tmp, [good[0], good[1], *hostile, good[2], good[3]]))
        db = Database(Path(tmp) / "audit.sqlite")
        ids = {r["mitm_id"] for r in db.query("select mitm_id from flows")}
        assert {g.id for g in good} <= ids, "a good flow was lost next to a hostile one"
        set_aside = Path(tmp) / "audit.sqlite.unsaved.jsonl"
        text = set_aside.read_text() if set_aside.exists() else ""
        for f in hostile:
            assert f.id in ids or f.id in text, "a hostile flow vanished: neither recorded nor set aside"
        assert status.refused == 0 or text


@HOOKS
@given(method=st.one_of(st.binary(max_size=12), st.sampled_from([b"POST", b"G\xffT", b"\x00"])),
       path=st.one_of(st.binary(max_size=300), st.sampled_from([b"/", b"/start?name=%ff", b"/step?label=\xff"])),
       body=st.binary(max_size=500), name=any_text)
def test_control_page_answers_any_request_and_records_none(method, path, body, name):
    """The control page (the proxy answers it itself) takes whatever a client sends: it answers, never raises
    out of the request hook, and no request to it becomes evidence."""
    from mitmproxy import http

    with tempfile.TemporaryDirectory() as tmp:
        h = AddonHarness(Path(tmp))
        try:
            f = make_flow("http://tredjepart.proxy/", req_headers={"X-Name": name.encode("utf-8", "surrogateescape")
                                                                   .decode("latin-1")})
            f.request.data.method = method
            f.request.data.path = path
            f.request.data.content = body
            f.response = None
            asyncio.run(h.addon.request(f))
            assert isinstance(f.response, http.Response) and f.metadata.get("tredjepart_control")
            h.addon.response(f)
            h.addon.recorder.flush()
        finally:
            h.close()
        assert Database(Path(tmp) / "audit.sqlite").table("flows").count == 0
