"""The one recorder interface the proxy, offline analysis and crawls talk to, and the one constructor.

Two transports stand behind it: ``record.recorder.LocalRecorder`` records in the caller's thread (offline analysis,
crawls, tests, ``tredjepart_process=false``); ``record.client.WorkerRecorder`` sends compact snapshots to a worker
process that runs a LocalRecorder (the live proxy, so recording never costs the proxy's event loop). What the
recorder learns comes back through a ``Listener``: verdicts on third-party flows, new findings, session changes and
trouble. In-thread, the listener is called before ``record`` returns; with the worker, a few milliseconds later.

Session truth lives in the recorder: the proxy never tracks sessions itself. It learns them from ``on_session``
(a ``SessionView`` each time a session changes) and asks ``session_of(client)`` for the latest it was told.
"""

from __future__ import annotations

from typing import Protocol

from mitmproxy import http

from tredjepart.record.events import Listener, NoListener, Status
from tredjepart.record.sessions import SessionView
from tredjepart.record.wire import Settings

__all__ = ["Listener", "NoListener", "Recorder", "Status", "check_decoders", "check_identity", "check_owner_lists",
           "open_recorder"]


class Recorder(Protocol):
    """What every recorder does. ``when`` defaults to now; ``client`` None means every client."""

    def record(self, flow: http.HTTPFlow) -> None: ...

    def record_stream(self, flow) -> None:
        """A TCP, UDP or DNS flow, or the messages of a WebSocket (at its end)."""

    def record_tls_failure(self, host: str | None, client: str | None, error: str | None,
                           when: float | None = None) -> None: ...

    def record_blind_spots(self, spots: list) -> None:
        """Blind spots found outside a flow (detect.model.BlindSpot rows: a capture's skipped entries)."""

    def record_page(self, mitm_id: str, client: str | None, url: str, injected: bool, placement: str,
                    csp_changes: tuple[str, ...] = (), charset: str | None = None, when: float | None = None) -> None:
        """An HTML response the in-page instrument was put into, or not (``placement`` says where, or why not)."""

    def record_storage(self, batch, mitm_id: str, client: str | None, when: float | None = None) -> None:
        """A report batch of the in-page instrument (instrument.Batch) from the page of flow ``mitm_id``."""

    def start_session(self, name: str, *, client: str | None = None, policy_name: str | None = None,
                      when: float | None = None, source: str = "live") -> str: ...

    def end_session(self, *, client: str | None = None, when: float | None = None) -> None: ...

    def mark_step(self, label: str, *, client: str | None = None, when: float | None = None) -> None: ...

    def set_policies(self, policies: list) -> None: ...

    def session_of(self, client: str | None) -> SessionView | None: ...

    def status(self) -> Status: ...

    async def sync(self, timeout: float = 2.0) -> None:
        """Return once everything sent so far has been applied (the listener has heard of it)."""

    async def run(self) -> None:
        """Background work while the proxy runs (the worker's replies); cancelled when the proxy is done."""

    def flush(self, timeout: float = 30.0) -> bool: ...

    def close(self, when: float | None = None) -> Status: ...


def check_owner_lists(paths: list[str]) -> None:
    """Read users' owner lists (ValueError naming the file when one is bad), so the proxy can refuse the option
    before a recorder loads them."""
    from tredjepart.entities import load_entities

    if paths:
        load_entities(list(paths))


def check_identity(path: str) -> None:
    """Read a declared test identity (ValueError with FILE:LINE when it is bad); the values are dropped at once:
    the recorder reads the file itself, and nothing of it crosses to the worker but the path."""
    from tredjepart.received import load_identity

    load_identity(path)


def check_decoders(paths: list[str]) -> None:
    """Read users' endpoint decoder files (ValueError naming the file and the decoder when one is bad)."""
    from tredjepart.received import load_decoders

    if paths:
        load_decoders(list(paths))


def open_recorder(settings: Settings, listener: Listener | None = None, *, process: bool = False,
                  entities=None, cnames=None, threaded: bool = True) -> Recorder:
    """The recorder for ``settings``: in a worker process (``process``) or in this thread.

    ``entities`` (an already loaded owner index) and ``cnames`` (a resolver) may be passed to an in-thread
    recorder; otherwise it loads the owners from ``settings.entities`` and resolves with the system's DNS when
    ``settings.cnames``. ``threaded`` writes SQLite from a thread of its own (in-thread recorders only).
    """
    listener = listener or NoListener()
    if process:
        from tredjepart.record.client import WorkerRecorder

        return WorkerRecorder(settings, listener)
    from tredjepart.record.recorder import LocalRecorder

    return LocalRecorder(settings, listener, entities=entities, cnames=cnames, threaded=threaded)
