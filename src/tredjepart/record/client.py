"""The recorder interface with the recording done in a worker process (record.worker): the live proxy's default.

The proxy's event loop only snapshots each flow (record.wire) and appends it to a batch; batches go to the worker
through a sender thread (record.process), so the loop never waits on the pipe or on SQLite. What the worker's
recorder tells its listener comes back as replies, read when the pipe is readable (``run``), and is passed on to
the proxy's listener: verdicts on the flows (kept here for a while, by id, to be marked), findings, sessions.

When the worker dies, it is restarted and handed what it had not committed (messages are numbered; the worker
says which it committed), with the active sessions resumed from the database; after ``MAX_RESTARTS`` deaths in a
row recording moves into the proxy's own process. Every change is reported through ``on_status``.
"""

from __future__ import annotations

import asyncio
import logging
import pickle
import time
import uuid
from collections import deque

from mitmproxy import http

from tredjepart.entities.certs import cert_from_mitmproxy
from tredjepart.observe.streams import stream_facts
from tredjepart.record.events import Listener, Status
from tredjepart.record.process import WorkerProcess
from tredjepart.record.sessions import ALL_CLIENTS, SessionView
from tredjepart.record.wire import Settings, snapshot
from tredjepart.store import fallback_path

logger = logging.getLogger(__name__)

PENDING_SECONDS = 10.0  # how long a flow is kept to be marked when its verdict comes, at most
BATCH, DELAY = 64, 0.02  # a batch goes out when it has this many flows, or is this old (seconds)
UNACKED_BYTES = 256 << 20  # what is kept for a restarted worker, at most
MAX_RESTARTS = 3
START_TIMEOUT = 120.0


class WorkerRecorder:
    def __init__(self, settings: Settings, listener: Listener) -> None:
        self.settings, self.listener = settings, listener
        self._status = Status(settings.db, fallback_path=str(fallback_path(settings.db)))
        self._pending: dict[str, tuple[float, http.HTTPFlow, int]] = {}  # (when, flow, seq), in order of arrival
        self._views: dict[str, SessionView] = {}  # the worker's latest report of each active session
        self._syncs: dict[str, asyncio.Future] = {}
        self._out: list[tuple] = []
        self._first = 0.0
        self._seq = 0
        self._unacked: deque[tuple[int, bytes]] = deque()
        self._unacked_bytes = 0
        self._restarts = 0
        self._local = None  # the in-process recorder recording falls back to
        self._certs_sent: dict[str, None] = {}  # server connections whose certificate went to the worker
        self.worker = self._start()

    # --- the recorder interface -----------------------------------------------------------------------------

    def record(self, flow: http.HTTPFlow) -> None:
        if self._local is not None:
            return self._local.record(flow)
        self._send("record", snapshot(flow, self._cert(flow)))
        self._pending[flow.id] = (time.monotonic(), flow, self._seq)

    def _cert(self, flow: http.HTTPFlow):
        """The server certificate's facts with the first flow of each TLS server connection, else None."""
        server = flow.server_conn
        if not server.certificate_list or server.id in self._certs_sent:
            return None
        self._certs_sent[server.id] = None
        if len(self._certs_sent) > 10_000:
            del self._certs_sent[next(iter(self._certs_sent))]
        return cert_from_mitmproxy(server.certificate_list[0])

    def record_stream(self, flow) -> None:
        if self._local is not None:
            return self._local.record_stream(flow)
        facts = stream_facts(flow)
        if facts is not None:
            self._send("record_stream", facts)
            self._pending[facts.id] = (time.monotonic(), flow, self._seq)

    def record_tls_failure(self, host, client, error, when=None) -> None:
        self._send("record_tls_failure", host, client, error, time.time() if when is None else when)

    def record_blind_spots(self, spots) -> None:
        self._send("record_blind_spots", list(spots))

    def record_page(self, mitm_id, client, url, injected, placement, csp_changes=(), charset=None,
                    when=None) -> None:
        self._send("record_page", mitm_id, client, url, injected, placement, tuple(csp_changes), charset,
                   time.time() if when is None else when)

    def record_storage(self, batch, mitm_id, client, when=None) -> None:
        """A report batch (instrument.Batch): its values cross the pipe only to be hashed by the worker."""
        self._send("record_storage", batch, mitm_id, client, time.time() if when is None else when)

    def start_session(self, name, *, client=None, policy_name=None, when=None, source="live") -> str:
        session_id = uuid.uuid4().hex  # made here, so the caller knows it at once
        self._send("start_session", name, now=True, client=client, policy_name=policy_name,
                   when=time.time() if when is None else when, source=source, session_id=session_id)
        return session_id

    def end_session(self, *, client=None, when=None) -> None:
        self._send("end_session", now=True, client=client, when=time.time() if when is None else when)

    def mark_step(self, label, *, client=None, when=None) -> None:
        self._send("mark_step", label, now=True, client=client, when=time.time() if when is None else when)

    def set_policies(self, policies) -> None:
        self.settings.policies = list(policies)
        self._send("set_policies", list(policies), now=True)

    def session_of(self, client: str | None) -> SessionView | None:
        if self._local is not None:
            return self._local.session_of(client)
        active = [v for v in self._views.values() if v.ended is None]
        return next((v for v in active if v.client == ALL_CLIENTS), None) or \
            next((v for v in active if client and v.client == client), None)

    def status(self) -> Status:
        return self._local.status() if self._local is not None else self._status

    async def sync(self, timeout: float = 2.0) -> None:
        if self._local is not None:
            return
        token = uuid.uuid4().hex
        future = self._syncs[token] = asyncio.get_running_loop().create_future()
        self._send("sync", token, now=True)
        try:
            await asyncio.wait_for(future, timeout)
        except TimeoutError:
            logger.debug("tredjepart: the recording process did not answer within %ss", timeout)
        finally:
            self._syncs.pop(token, None)

    async def run(self) -> None:
        """Read replies as they arrive and send what is buffered, until cancelled."""
        loop = asyncio.get_running_loop()
        readable = asyncio.Event()
        fd = None
        try:
            while self._local is None:
                if fd != self.worker.fileno():
                    if fd is not None:
                        loop.remove_reader(fd)
                    fd = self.worker.fileno()
                    loop.add_reader(fd, readable.set)
                try:
                    await asyncio.wait_for(readable.wait(), DELAY)
                except TimeoutError:
                    pass
                readable.clear()
                self.poll()
        finally:
            if fd is not None:
                loop.remove_reader(fd)

    def flush(self, timeout: float = 30.0) -> bool:
        if self._local is not None:
            return self._local.flush(timeout)
        token = uuid.uuid4().hex
        self._send("flush", token, now=True)
        got = self.worker.wait_for("flushed", timeout)
        self._handle(got)
        return any(r.kind == "flushed" and r.value == token for r in got)

    def close(self, when=None) -> Status:
        if self._local is not None:
            return self._local.close(when)
        self._send("close", now=True, when=when)
        self._handle(self.worker.wait_for("closed", START_TIMEOUT))
        self.worker.stop()
        if self.worker.dead and not self._status.failed:
            logger.error("tredjepart: %s before it closed", self.worker.dead)
        return self._status

    # --- the wire -------------------------------------------------------------------------------------------

    def poll(self) -> None:
        """Send what is buffered and act on what has come back (called when the pipe is readable, or a timer)."""
        if self._out and time.monotonic() - self._first >= DELAY:
            self._push()
        self._handle(self.worker.replies())
        if self.worker.dead:
            self._revive(self.worker.dead)
        # Flows that got no verdict (first party, background) are forgotten once it would surely have come.
        horizon = time.monotonic() - PENDING_SECONDS
        while self._pending:
            key, (when, _, _) = next(iter(self._pending.items()))
            if when > horizon:
                break
            del self._pending[key]

    def _send(self, verb: str, *args, now: bool = False, **kwargs) -> None:
        if self._local is not None:
            getattr(self._local, verb)(*args, **kwargs)
            return
        if not self._out:
            self._first = time.monotonic()
        self._seq += 1
        self._out.append((self._seq, verb, args, kwargs))
        if now or len(self._out) >= BATCH or time.monotonic() - self._first >= DELAY:
            self._push()

    def _push(self) -> None:
        out, self._out = self._out, []
        data = pickle.dumps(out, protocol=pickle.HIGHEST_PROTOCOL)
        self._unacked.append((out[-1][0], data))
        self._unacked_bytes += len(data)
        while self._unacked_bytes > UNACKED_BYTES and len(self._unacked) > 1:
            self._unacked_bytes -= len(self._unacked.popleft()[1])
        self.worker.send(data)

    def _handle(self, replies) -> None:
        for r in replies:
            if r.kind == "verdict":
                if (pending := self._pending.pop(r.flow_id, None)) is not None:
                    self.listener.on_verdict(pending[1], *r.value)
            elif r.kind == "finding":
                self.listener.on_finding(r.value)
            elif r.kind == "session":
                self._views[r.value.id] = r.value
                if r.value.ended is not None:
                    self._views.pop(r.value.id)
                self.listener.on_session(r.value)
            elif r.kind in ("status", "closed"):
                self._status = r.value
                self.listener.on_status(r.value)
            elif r.kind == "committed":
                while self._unacked and self._unacked[0][0] <= r.value:
                    self._unacked_bytes -= len(self._unacked.popleft()[1])
                # The worker sends a message's verdict before it says the message is committed: a flow still
                # waiting here got none (first party, background). Holding it (its bodies) longer costs memory.
                while self._pending and next(iter(self._pending.values()))[2] <= r.value:
                    del self._pending[next(iter(self._pending))]
            elif r.kind == "synced" and (future := self._syncs.get(r.value)) and not future.done():
                future.set_result(None)

    # --- start and restart ----------------------------------------------------------------------------------

    def _start(self) -> WorkerProcess:
        """A new worker, ready to take flows (the proxy waits for it, so a bad setting fails at start-up)."""
        worker = WorkerProcess(self.settings)
        got = worker.wait_for("ready", START_TIMEOUT)
        failed = next((r.value for r in got if r.kind == "failed"), None)
        if not any(r.kind == "ready" for r in got):
            worker.stop(1)
            raise ValueError(f"the recording process did not start: {failed or worker.dead or 'no answer'}")
        return worker

    def _revive(self, why: str) -> None:
        """The worker died: start another and hand it what was not committed; after repeated deaths, record in
        this process instead. Nothing queued is lost either way."""
        self._restarts += 1
        resend = [data for _, data in self._unacked]
        if self._out:
            self._push()  # the buffered batch joins what is resent
            resend.append(self._unacked[-1][1])
        active = [v.id for v in self._views.values() if v.ended is None]
        if self._restarts <= MAX_RESTARTS:
            note = f"{why}; restarted it ({self._restarts} of {MAX_RESTARTS}), {len(resend)} batch(es) resent"
            self.worker.stop(1)
            self.worker = self._start()
            self.worker.send(pickle.dumps([(0, "resume", (active,), {})]))
            for data in resend:
                self.worker.send(data)
        else:
            note = f"{why} again; recording now runs inside the proxy's process"
            self.worker.stop(1)
            self._local = self._fall_back(active, resend)
        self._status = Status(self._status.path, self._status.written, self._status.refused, self._status.failed,
                              self._status.fallback_path, note)
        self.listener.on_status(self._status)  # the proxy's listener logs the note: said once

    def _fall_back(self, active: list[str], resend: list[bytes]):
        from tredjepart.record.recorder import LocalRecorder
        from tredjepart.record.wire import rebuild

        local = LocalRecorder(self.settings, self.listener)
        local.resume(active)
        for data in resend:
            for _, verb, args, kwargs in pickle.loads(data):
                if verb == "record":
                    local.record(rebuild(args[0]))
                elif verb not in ("sync", "flush", "close"):
                    getattr(local, verb)(*args, **kwargs)
        return local
