"""Recording in a separate process, so the proxy keeps its speed.

Observation, detection, judging and SQLite writes cost about a quarter of mitmdump's CPU per request when they
run in the proxy's own process (Python runs one thread at a time, and the proxy's event loop is one of them).
Here they run in a worker process, on another core: the proxy only takes a compact snapshot of each flow
(``snapshot.snapshot``, a few microseconds), buffers it and sends batches down a pipe (``remote.RemoteRecorder``). The worker rebuilds the flow
(``snapshot.rebuild``) and hands it to the same ``pipeline.Recorder`` that offline analysis uses, so both paths record
exactly the same rows.

What the worker says back (``Reply``): the verdict on each uncovered flow (the addon then marks the flow in
mitmweb/mitmproxy), new findings (logged once), a database that could not be written, and answers to flushes.
Marks therefore arrive a few milliseconds after the response went out: a flow saved by ``save_stream_file`` at
response time does not carry them (the database and the report always do).
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import pickle
import signal
import sys
import threading
import time
from dataclasses import dataclass, field

from tredjepart.snapshot import rebuild

logger = logging.getLogger(__name__)

COMMIT_SECONDS = 0.5  # the worker commits this often, at most (a hard kill loses at most this much)


@dataclass(slots=True)
class Reply:
    kind: str  # "uncovered", "finding", "failed", "flushed", "closed"
    flow_id: str = ""
    text: str = ""
    severity: str = ""
    rule: str = ""


@dataclass(slots=True)
class Settings:
    db: str
    policies: list = field(default_factory=list)  # policy.Policy objects, validated by the proxy
    entities: list[str] = field(default_factory=list)
    store_values: bool = False
    background_hosts: tuple[str, ...] = ()
    cnames: bool = True


def serve(conn, settings: Settings) -> None:  # pragma: no cover - runs in the worker process (tested end to end)
    """The worker's main loop: batches of (verb, args) in, replies out, until told to close.

    With TREDJEPART_PROFILE_WORKER=FILE in the environment, the worker writes a cProfile of itself to FILE.
    """
    out = os.environ.get("TREDJEPART_PROFILE_WORKER")
    if not out:
        return _serve(conn, settings)
    import cProfile

    profile = cProfile.Profile()
    try:
        return profile.runcall(_serve, conn, settings)
    finally:
        profile.dump_stats(out)


def _serve(conn, settings: Settings) -> None:  # pragma: no cover - runs in the worker process
    from tredjepart.cname import CnameResolver
    from tredjepart.entities import load_entities
    from tredjepart.pipeline import Recorder

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # already ignored since its start (WorkerClient); stays so
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="tredjepart worker: %(message)s")
    rec = Recorder.open(settings.db, policies=settings.policies,
                        entities=load_entities(settings.entities), store_values=settings.store_values,
                        background_hosts=settings.background_hosts,
                        cnames=CnameResolver() if settings.cnames else None, threaded=False)
    gc.freeze()  # the owner data and the suffix list live as long as the worker: keep the collector off them
    conn.send_bytes(pickle.dumps([Reply("ready")]))
    failed_told = False
    committed = time.monotonic()
    while True:
        # Commit at most every COMMIT_SECONDS, and when the proxy goes quiet; in this thread (see store.writer).
        if time.monotonic() - committed >= COMMIT_SECONDS or not conn.poll(COMMIT_SECONDS):
            rec.writer.flush()
            committed = time.monotonic()
            if not conn.poll(COMMIT_SECONDS):
                continue
        try:
            batch = pickle.loads(conn.recv_bytes())
        except (EOFError, OSError):  # the proxy is gone without saying goodbye: keep what it sent
            rec.close()
            return
        replies: list[Reply] = []
        for verb, args in batch:
            if verb == "flow":
                try:
                    result = rec.record(rebuild(args))
                except Exception as e:  # noqa: BLE001 - one odd flow must not stop the recording
                    logger.warning("could not record flow %s: %s", args[0], e)
                    continue
                if result.uncovered:
                    replies.append(Reply("uncovered", args[0], result.reason or ""))
                replies += [Reply("finding", text=f.message, severity=f.severity, rule=f.rule)
                            for f in result.new_findings]
            elif verb == "tls":
                replies += [Reply("finding", text=f.message, severity=f.severity, rule=f.rule)
                            for f in rec.record_tls_failure(*args)]
            elif verb == "start":
                rec.start_session(*args)
            elif verb == "end":
                rec.end_session(*args)
            elif verb == "step":
                rec.mark_step(*args)
            elif verb == "policies":
                rec.set_policies(args)
            elif verb == "flush":
                rec.writer.flush()
                replies.append(Reply("flushed", text=str(args)))
            elif verb == "close":
                rec.close()
                conn.send_bytes(pickle.dumps(replies + [Reply("closed", text=str(rec.writer.written))]))
                return
        if rec.writer.failed and not failed_told:
            failed_told = True
            replies.append(Reply("failed", text=rec.writer.failed))
        if replies:
            conn.send_bytes(pickle.dumps(replies))


class WorkerClient:
    """The proxy's end: starts the worker, buffers messages, sends them in batches, reads replies."""

    def __init__(self, settings: Settings, *, batch: int = 64, delay: float = 0.02,
                 start_timeout: float = 120.0) -> None:
        ctx = multiprocessing.get_context("spawn")  # a clean interpreter: no copy of the proxy's threads
        self._conn, child = ctx.Pipe()
        self.process = ctx.Process(target=serve, args=(child, settings), name="tredjepart-recorder", daemon=True)
        # Ctrl-C in a terminal signals the whole process group. The proxy then shuts down and tells the worker to
        # close; the worker must not die half-way through its queue (or while it is still starting), so it
        # starts with SIGINT ignored, which a new Python process keeps.
        main = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if main else None
        try:
            self.process.start()
        finally:
            if main:
                signal.signal(signal.SIGINT, previous)
        child.close()
        self._out: list[tuple] = []
        self._first = 0.0
        self.batch, self.delay = batch, delay
        self.failed: str | None = None
        self.written = 0
        # Wait until the worker can take flows, so the proxy never blocks on a full pipe at start-up.
        if not any(r.kind == "ready" for r in self.wait_for("ready", start_timeout)):
            self.process.kill()
            raise ValueError(f"the recording process did not start: {self.failed or 'no answer'}")

    def send(self, verb: str, args=None, *, now: bool = False) -> None:
        if not self._out:
            self._first = time.monotonic()
        self._out.append((verb, args))
        if now or len(self._out) >= self.batch or time.monotonic() - self._first >= self.delay:
            self.push()

    def push(self) -> None:
        """Send what is buffered."""
        if self._out:
            out, self._out = self._out, []
            try:
                self._conn.send_bytes(pickle.dumps(out, protocol=pickle.HIGHEST_PROTOCOL))
            except (OSError, ValueError) as e:
                self.failed = self.failed or f"the recording process is gone ({e})"

    def replies(self) -> list[Reply]:
        """Replies that have arrived, without waiting."""
        got: list[Reply] = []
        try:
            while self._conn.poll():
                got += pickle.loads(self._conn.recv_bytes())
        except (EOFError, OSError):
            self.failed = self.failed or "the recording process stopped"
        for r in got:
            if r.kind == "failed":
                self.failed = r.text
        return got

    def fileno(self) -> int:
        return self._conn.fileno()

    def wait_for(self, kind: str, timeout: float) -> list[Reply]:
        """Replies until one of ``kind`` arrives (flush, close), or the timeout."""
        got: list[Reply] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not self.failed:
            if self._conn.poll(min(0.5, max(0.0, deadline - time.monotonic()))):
                batch = self.replies()
                got += batch
                if any(r.kind == kind for r in batch):
                    break
            elif not self.process.is_alive():
                self.failed = self.failed or "the recording process stopped"
        return got

    def close(self, timeout: float = 120.0) -> list[Reply]:
        self.send("close", now=True)
        got = self.wait_for("closed", timeout)
        for r in got:
            if r.kind == "closed":
                self.written = int(r.text or 0)
        self.process.join(10)
        if self.process.is_alive():
            self.process.kill()
        self._conn.close()
        return got
