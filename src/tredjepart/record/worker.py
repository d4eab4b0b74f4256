"""The recording worker: a process of its own that runs a LocalRecorder, so the proxy keeps its speed.

Observation, detection, judging and SQLite writes cost about a quarter of mitmdump's CPU per request when they
run in the proxy's own process (Python runs one thread at a time, and the proxy's event loop is one of them).
Here they run on another core: the proxy only takes a compact snapshot of each flow (record.wire) and sends
batches down a pipe (record.client). The worker rebuilds each flow and hands it to the same LocalRecorder that
offline analysis uses, so both paths record exactly the same rows.

Messages are ``(seq, verb, args, kwargs)``, ``verb`` a method of the recorder interface; what the recorder tells
its listener goes back as ``Reply`` values. After each commit the worker says which ``seq`` it has committed, so
a restarted worker can be handed what its predecessor had not.
"""

from __future__ import annotations

import gc
import logging
import os
import pickle
import signal
import sys
import time

from tredjepart.record.wire import Reply, Settings, rebuild

logger = logging.getLogger(__name__)

MAX_CERTS = 10_000  # server connections whose certificate the worker remembers

VERBS = frozenset({"record", "record_stream", "record_tls_failure", "start_session", "end_session", "mark_step", "set_policies",
                   "resume", "record_page", "record_storage"})


class ReplyListener:
    """The worker's listener: everything the recorder says becomes a Reply for the proxy."""

    def __init__(self) -> None:
        self.out: list[Reply] = []

    def on_verdict(self, flow, covered: bool, reason: str) -> None:
        self.out.append(Reply("verdict", flow.id, (covered, reason)))

    def on_finding(self, finding) -> None:
        self.out.append(Reply("finding", value=finding))

    def on_session(self, view) -> None:
        self.out.append(Reply("session", value=view))

    def on_status(self, status) -> None:
        self.out.append(Reply("status", value=status))

    def take(self) -> list[Reply]:
        out, self.out = self.out, []
        return out


def serve(conn, settings: Settings) -> None:  # pragma: no cover - runs in the worker process (tested end to end)
    """The worker's main loop. With TREDJEPART_PROFILE_WORKER=FILE set, it writes a cProfile of itself to FILE."""
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
    from tredjepart.record.recorder import LocalRecorder

    # The proxy closes the worker (and, gone, leaves it an end of file): Ctrl-C, or a SIGTERM sent to the whole
    # process group (systemd, timeout(1)), must not cut it short with its last rows unwritten.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="tredjepart worker: %(message)s")
    listener = ReplyListener()
    try:
        rec = LocalRecorder(settings, listener, threaded=False)
    except Exception as e:  # noqa: BLE001 - say why, and stop
        conn.send_bytes(pickle.dumps([Reply("failed", value=f"{type(e).__name__}: {e}")]))
        return
    gc.freeze()  # the owner data and the suffix list live as long as the worker: keep the collector off them
    conn.send_bytes(pickle.dumps([Reply("ready")]))
    seq = committed = 0
    last_commit = time.monotonic()
    while True:
        # Commit at most every commit_seconds, and when the proxy goes quiet; in this thread (see store.writer).
        wait = settings.commit_seconds
        if time.monotonic() - last_commit >= wait or not conn.poll(wait):
            rec.flush()
            last_commit = time.monotonic()
            if seq != committed:
                committed = seq
                listener.out.append(Reply("committed", value=seq))
            if listener.out:
                conn.send_bytes(pickle.dumps(listener.take()))
            if not conn.poll(wait):
                continue
        try:
            batch = pickle.loads(conn.recv_bytes())
        except (EOFError, OSError):  # the proxy is gone without saying goodbye: keep what it sent
            rec.close()
            return
        for seq, verb, args, kwargs in batch:
            if verb == "flush":
                rec.flush()
                committed = seq
                listener.out += [Reply("committed", value=seq), Reply("flushed", value=args[0])]
                continue
            if verb == "close":
                status = rec.close(*args, **kwargs)
                conn.send_bytes(pickle.dumps(listener.take() + [Reply("committed", value=seq),
                                                                 Reply("closed", value=status)]))
                return
            _apply(rec, listener, seq, verb, args, kwargs)
        if listener.out:
            conn.send_bytes(pickle.dumps(listener.take()))


_certs: dict[str, object] = {}  # server connection id -> its certificate's facts (sent once per connection)


def _apply(rec, listener: ReplyListener, seq: int, verb: str, args: tuple, kwargs: dict) -> None:
    """Carry out one message; one that fails is logged and the next goes on."""
    try:
        if verb == "record":
            flow = rebuild(args[0])
            if (cert := args[0][-1]) is not None:
                _certs[flow.server_conn.id] = cert
                if len(_certs) > MAX_CERTS:
                    del _certs[next(iter(_certs))]
            flow.metadata["tredjepart_cert"] = _certs.get(flow.server_conn.id)
            rec.record(flow)
        elif verb in VERBS:
            getattr(rec, verb)(*args, **kwargs)
        elif verb == "sync":
            listener.out.append(Reply("synced", value=args[0]))
        else:
            logger.warning("unknown message %r", verb)
    except Exception as e:  # noqa: BLE001 - one odd flow must not stop the recording
        what = args[0][0] if verb == "record" and args and args[0] else verb
        logger.warning("could not record %s: %s: %s", what, type(e).__name__, e)
