"""The recording worker process: a flow rebuilt from its snapshot is recorded exactly like the original, and the
worker's replies mark uncovered flows."""

from __future__ import annotations

import dataclasses
import pickle
import time

from conftest import need_shared
import pytest
from sqlite_utils import Database

from tredjepart.record.capture import read_capture
from tredjepart.observe import observe
from tredjepart.policy import load_policies
from tredjepart.record.api import open_recorder
from tredjepart.record.wire import Settings, rebuild, snapshot

KEY = b"k" * 32
SOLUTION = "Eksempelportalen"


def test_rebuilt_flows_observe_identically():
    har = need_shared("har", "pagexray__www.nytimes.com.har")
    flows = list(read_capture(har))
    assert len(flows) == 328
    for f in flows:
        g = rebuild(pickle.loads(pickle.dumps(snapshot(f))))
        a, b = observe(f, "s", KEY), observe(g, "s", KEY)
        assert dataclasses.asdict(a.flow) == dataclasses.asdict(b.flow)
        assert [dataclasses.asdict(c) for c in a.cookies] == [dataclasses.asdict(c) for c in b.cookies]
        assert [s.sha256 for s in a.scripts] == [s.sha256 for s in b.scripts]


@pytest.mark.parametrize("url,ctype,size", [
    ("https://cdn.tracker-demo.com/big.png", "image/png", 3 << 20),
    ("https://cdn.tracker-demo.com/video.mp4", "video/mp4", 2 << 20),
    ("https://cdn.tracker-demo.com/bundle.js", "application/javascript", 18 << 20),
    ("https://cdn.tracker-demo.com/bundle.js", "text/plain", 2 << 20),
], ids=["image", "video", "huge-script", "script-as-text"])
def test_big_bodies_keep_their_size_and_hash_in_the_worker(flow_factory, url, ctype, size):
    """The worker is sent bodies up to 1 MiB (scripts up to 16 MiB): what it is not sent still counts, with the
    size and, for a script, the SHA-256 taken in the proxy."""
    body = (b"\x89PNG\r\n\x1a\n" + b"x" * size)[:size]
    dest = {"Sec-Fetch-Dest": "script"} if url.endswith(".js") else {}
    f = flow_factory(url, req_headers=dest, resp_headers={"Content-Type": ctype}, resp_body=body)
    g = rebuild(pickle.loads(pickle.dumps(snapshot(f))))
    assert g.response.raw_content is None or len(g.response.raw_content) < size
    a, b = observe(f, "s", KEY), observe(g, "s", KEY)
    assert b.flow.response_size == a.flow.response_size == size
    assert [(s.size, s.sha256) for s in b.scripts] == [(s.size, s.sha256) for s in a.scripts]
    if url.endswith(".js"):
        assert b.scripts and b.scripts[0].size == size


class Heard:
    """A listener that keeps what the recorder said."""

    def __init__(self) -> None:
        self.verdicts, self.findings, self.sessions, self.statuses = {}, [], [], []

    def on_verdict(self, flow, covered, reason):
        self.verdicts[flow.id] = (covered, reason)

    def on_finding(self, finding):
        self.findings.append(finding.rule)

    def on_session(self, view):
        self.sessions.append(view)

    def on_status(self, status):
        self.statuses.append(status)


@pytest.mark.parametrize("process", [True, False], ids=["worker", "in-thread"])
def test_both_transports_record_mark_and_report_sessions_alike(tmp_path, flow_factory, process):
    heard = Heard()
    rec = open_recorder(Settings(str(tmp_path / "w.sqlite"), load_policies("policies/example-portal.yaml")), heard,
                        process=process)
    session_id = rec.start_session("worker test")
    page = flow_factory("https://www.example-portal.dk/", req_headers={"Sec-Fetch-Dest": "document"})
    tracker = flow_factory("https://pixel.tracker-demo.com/p.gif", req_headers={"Sec-Fetch-Dest": "image"})
    for f in (page, tracker):
        rec.record(f)
    assert rec.flush()
    deadline = time.monotonic() + 10
    while tracker.id not in heard.verdicts and time.monotonic() < deadline:
        if process:
            rec.poll()
        time.sleep(0.05)
    view = rec.session_of("192.0.2.10")
    assert (view.id, view.name, view.solution) == (session_id, "worker test", SOLUTION)
    status = rec.close()
    assert set(heard.verdicts) == {tracker.id} and heard.verdicts[tracker.id][0] is False
    assert "tracker-demo.com" in heard.verdicts[tracker.id][1]
    assert "undeclared-third-party" in heard.findings
    assert heard.sessions[-1].ended is not None and heard.sessions[-1].counts["flows"] == 2
    db = Database(tmp_path / "w.sqlite")
    assert [r["id"] for r in db.table("sessions").rows] == [session_id]  # the proxy's and the worker's id agree
    assert db.table("flows").count == 2 and status.written > 0 and status.failed is None


def test_worker_mode_lets_go_of_a_flow_without_verdict_once_the_worker_has_committed_it(tmp_path, flow_factory):
    """A first-party flow gets no verdict; the proxy must not keep it (and its bodies) for long after the worker
    has committed it, while a third-party flow recorded before it still gets its mark."""
    import gc
    import weakref

    heard = Heard()
    rec = open_recorder(Settings(str(tmp_path / "w.sqlite"), load_policies("policies/example-portal.yaml")), heard,
                        process=True)
    try:
        tracker = flow_factory("https://pixel.tracker-demo.com/p.gif", req_headers={"Sec-Fetch-Dest": "image"})
        page = flow_factory("https://www.example-portal.dk/", req_headers={"Sec-Fetch-Dest": "document"})
        rec.record(tracker)
        rec.record(page)
        held = weakref.ref(page)
        del page
        assert rec.flush()  # handles the replies up to the commit of both flows
        gc.collect()
        assert held() is None
        assert heard.verdicts[tracker.id][0] is False
    finally:
        rec.close()
