"""``pipeline.Recorder``'s interface for the addon, with the recording done in the worker process
(tredjepart.worker): flows go out as snapshots, marks and findings come back as replies."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from mitmproxy import http

from tredjepart.snapshot import snapshot
from tredjepart.worker import Reply, Settings, WorkerClient

PENDING_SECONDS = 10.0  # how long the proxy keeps a flow to mark it when the worker's verdict comes


@dataclass(slots=True)
class LiveResult:
    """What the proxy learns at once about a flow recorded in the worker: nothing yet (marks come later)."""

    uncovered: bool = False
    reason: str | None = None
    new_findings: list = field(default_factory=list)


class RemoteRecorder:
    """``pipeline.Recorder``'s interface, for the addon, with the recording done in a worker process.

    ``sessions`` mirrors the session commands for the control page (names and steps; ids are the worker's own).
    ``on_uncovered(flow, reason)`` and ``on_finding(severity, rule, message)`` are called as replies arrive.
    """

    def __init__(self, settings: Settings, *, on_uncovered, on_finding) -> None:
        from tredjepart.sessions import SessionTracker

        self.client = WorkerClient(settings)
        self.sessions = SessionTracker()
        self.writer = self  # the addon reads .failed, .written, .path, .fallback_path and calls .flush()
        self.path = settings.db
        self.fallback_path = f"{settings.db}.unsaved.jsonl"
        self.policies = settings.policies
        self.entities = None
        self._pending: dict[str, tuple[float, http.HTTPFlow]] = {}  # in order of arrival
        self._on_uncovered, self._on_finding = on_uncovered, on_finding

    @property
    def failed(self) -> str | None:
        return self.client.failed

    @property
    def written(self) -> int:
        return self.client.written

    def record(self, f: http.HTTPFlow, source: str = "live") -> LiveResult:
        client = f.client_conn.peername[0] if f.client_conn.peername else "unknown"
        self.sessions.session_for(client, f.request.timestamp_start, source)
        self._pending[f.id] = (time.monotonic(), f)
        self.client.send("flow", snapshot(f))  # replies are read by poll(), on a timer
        return LiveResult()

    def handle(self, replies: list[Reply]) -> None:
        for r in replies:
            if r.kind == "uncovered" and r.flow_id in self._pending:
                self._on_uncovered(self._pending.pop(r.flow_id)[1], r.text)
            elif r.kind == "finding":
                self._on_finding(r.severity, r.rule, r.text)

    def start_session(self, name, when=None, client=None, policy_name=None, source="live"):
        when = time.time() if when is None else when
        session, _ = self.sessions.start(name, when, client, policy_name, source)
        self.client.send("start", (name, when, client, policy_name, source, session.id), now=True)  # same id
        return session

    def end_session(self, when=None, client=None):
        when = time.time() if when is None else when
        self.client.send("end", (when, client), now=True)
        return self.sessions.end(when, client)

    def mark_step(self, label, when=None, client=None):
        when = time.time() if when is None else when
        self.client.send("step", (label, when, client), now=True)
        return self.sessions.step(label, when, client)[0]

    def set_policies(self, policies) -> None:
        self.policies = policies
        self.client.send("policies", policies, now=True)

    def record_tls_failure(self, host, client, error, when=None, source="live") -> list:
        self.client.send("tls", (host, client, error, time.time() if when is None else when, source))
        return []

    def flush(self, timeout: float = 30.0) -> bool:
        self.client.send("flush", "flush", now=True)
        got = self.client.wait_for("flushed", timeout)
        self.handle(got)
        return any(r.kind == "flushed" for r in got)

    def poll(self) -> None:
        """Send what is buffered and act on what has come back (called by a timer)."""
        self.client.push()
        self.handle(self.client.replies())
        # Flows the worker found covered get no reply: forget them once their verdict is surely in, so the proxy
        # does not hold on to old flows (and the garbage collector does not keep walking them).
        horizon = time.monotonic() - PENDING_SECONDS
        while self._pending:
            key, (when, _) = next(iter(self._pending.items()))
            if when > horizon:
                break
            del self._pending[key]

    def close(self, when=None) -> None:
        self.handle(self.client.close())
