"""What a recorder tells its listener, and how often: a session's view at once when the session changed (started,
first page, policy, step, ended) and at most once a second when only its counts moved; the recording's status
whenever the writer's state changes (failing, rows refused, waiting for a lock)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

from tredjepart.record.events import Listener, Status
from tredjepart.record.sessions import Session

VIEW_SECONDS = 1.0


class Teller:
    def __init__(self, listener: Listener, status: Callable[[], Status]) -> None:
        self.listener = listener
        self._status = status
        self._viewed: dict[str, float] = {}  # session id -> when its view was last reported
        self._told: tuple = (None, 0, None)  # (failed, refused, waiting) last reported

    def session(self, session: Session | None, changed: bool) -> None:
        """Report the session's view: at once when it changed, else (only its counts moved) once a second."""
        if session is not None:
            now = time.monotonic()
            if changed or now - self._viewed.get(session.id, 0.0) >= VIEW_SECONDS:
                self._viewed[session.id] = now
                self.listener.on_session(session.view())
            if session.ended is not None:
                self._viewed.pop(session.id, None)
        self.status()

    def status(self) -> None:
        status = self._status()
        state = (status.failed, status.refused, status.note)
        if state != self._told:
            self._told = state
            try:
                self.listener.on_status(status)
            except Exception as exc:  # telling must never stop recording or closing; say it where it can be seen
                print(f"tredjepart: could not report the recording's status ({exc!r}): {status}", file=sys.stderr)
