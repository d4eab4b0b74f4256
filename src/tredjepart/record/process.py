"""The worker process seen from the proxy: start it, send it batches without ever blocking the event loop, read
its replies without waiting.

Sending: ``conn.send_bytes`` blocks when the pipe is full (a worker busy with a slow disk or a locked database),
and a blocked event loop is a frozen proxy. So batches go to a queue that a sender thread drains; the event loop
only appends to the queue. Receiving: ``replies()`` reads only what has arrived (the proxy's loop is woken when
the pipe is readable, see record.client).
"""

from __future__ import annotations

import logging
import multiprocessing
import pickle
import queue
import signal
import sys
import threading
import time
from contextlib import contextmanager

from tredjepart.record.wire import Reply, Settings
from tredjepart.record.worker import serve

logger = logging.getLogger(__name__)

_STOP = object()


@contextmanager
def _no_main():
    """Start a spawned child without the parent's main script: spawn runs it again in the child (for mitmdump
    that is all of mitmproxy's tool, about 25 MiB the worker never uses). The worker's entry point is a module's
    function, so the child needs no ``__main__`` of the parent's."""
    main = sys.modules.get("__main__")
    saved = {k: vars(main)[k] for k in ("__file__", "__spec__") if k in vars(main)} if main else {}
    if saved:
        vars(main).pop("__file__", None)
        main.__spec__ = None
    try:
        yield
    finally:
        if saved:
            vars(main).update(saved)


class WorkerProcess:
    def __init__(self, settings: Settings) -> None:
        ctx = multiprocessing.get_context("spawn")  # a clean interpreter: no copy of the proxy's threads
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=serve, args=(child, settings), name="tredjepart-recorder", daemon=True)
        # Ctrl-C in a terminal signals the whole process group. The proxy then shuts down and tells the worker to
        # close; the worker must not die half-way through its queue (or while it is still starting), so it
        # starts with SIGINT ignored, which a new Python process keeps.
        main = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if main else None
        try:
            with _no_main():
                self.process.start()
        finally:
            if main:
                signal.signal(signal.SIGINT, previous)
        child.close()
        self.dead: str | None = None  # why the worker is gone, once it is
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._sender = threading.Thread(target=self._send_loop, name="tredjepart-sender", daemon=True)
        self._sender.start()

    def send(self, data: bytes) -> None:
        """Queue one pickled batch for the worker; never blocks."""
        self._queue.put(data)

    def _send_loop(self) -> None:
        while (data := self._queue.get()) is not _STOP:
            try:
                self.conn.send_bytes(data)
            except (OSError, ValueError) as e:
                self.dead = self.dead or f"the recording process is gone ({e})"
                return

    def fileno(self) -> int:
        return self.conn.fileno()

    def replies(self) -> list[Reply]:
        """Replies that have arrived, without waiting."""
        got: list[Reply] = []
        try:
            while self.conn.poll():
                got += pickle.loads(self.conn.recv_bytes())
        except (EOFError, OSError):
            self.dead = self.dead or self._exit_reason()
        if not got and self.dead is None and not self.process.is_alive():
            self.dead = self._exit_reason()
        return got

    def wait_for(self, kind: str, timeout: float) -> list[Reply]:
        """Replies until one of ``kind`` arrives, the worker dies, or the timeout (start-up, flush, close)."""
        got: list[Reply] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.dead is None:
            try:
                readable = self.conn.poll(min(0.5, max(0.0, deadline - time.monotonic())))
            except (EOFError, OSError):
                readable = False
            batch = self.replies() if readable else []
            got += batch
            if any(r.kind in (kind, "failed") for r in batch):
                break
            if not readable and not self.process.is_alive():
                got += self.replies()
                self.dead = self.dead or self._exit_reason()
        return got

    def _exit_reason(self) -> str:
        code = self.process.exitcode
        return f"the recording process stopped (exit code {code})" if code is not None else \
            "the recording process stopped"

    def stop(self, timeout: float = 10.0) -> None:
        """Let the sender finish, then end the process (it has closed itself when it was told to)."""
        self._queue.put(_STOP)
        self._sender.join(timeout)
        self.process.join(timeout)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(5)
        self.conn.close()
