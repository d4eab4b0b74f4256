"""The recording worker process: a flow rebuilt from its snapshot is recorded exactly like the original, and the
worker's replies mark uncovered flows."""

from __future__ import annotations

import dataclasses
import pickle
import time

from conftest import need_shared
from tredjepart.capture import read_capture
from tredjepart.observe import observe
from tredjepart.policy import load_policies
from tredjepart.remote import RemoteRecorder
from tredjepart.snapshot import rebuild, snapshot
from tredjepart.worker import Settings

KEY = b"k" * 32


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


def test_worker_records_and_marks(tmp_path, flow_factory):
    marked, findings = {}, []
    rec = RemoteRecorder(
        Settings(str(tmp_path / "w.sqlite"), load_policies("policies/example-portal.yaml"), cnames=False),
        on_uncovered=lambda f, reason: marked.setdefault(f.id, reason),
        on_finding=lambda sev, rule, msg: findings.append(rule),
    )
    session = rec.start_session("worker test")
    page = flow_factory("https://www.example-portal.dk/", req_headers={"Sec-Fetch-Dest": "document"})
    tracker = flow_factory("https://pixel.tracker-demo.com/p.gif", req_headers={"Sec-Fetch-Dest": "image"})
    for f in (page, tracker):
        rec.record(f)
    assert rec.flush()
    deadline = time.monotonic() + 10
    while tracker.id not in marked and time.monotonic() < deadline:
        rec.poll()
        time.sleep(0.05)
    rec.close()
    assert set(marked) == {tracker.id} and "tracker-demo.com" in marked[tracker.id]
    assert "undeclared-third-party" in findings
    from sqlite_utils import Database

    db = Database(tmp_path / "w.sqlite")
    assert [r["id"] for r in db.table("sessions").rows] == [session.id]  # the proxy's and the worker's id agree
    assert db.table("flows").count == 2 and rec.written > 0
