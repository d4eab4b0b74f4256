"""What a recorder tells the one who opened it: a ``Listener`` hears verdicts, findings, session changes and the
recording's ``Status``. Kept apart from ``record.api`` so that both transports can speak it without importing the
constructor that chooses between them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from mitmproxy import http

from tredjepart.record.sessions import SessionView
from tredjepart.records import Finding


@dataclass(frozen=True, slots=True)
class Status:
    """How recording goes: rows written and refused, why it stopped (``failed``), where unsaved rows went."""

    path: str
    written: int = 0
    refused: int = 0
    failed: str | None = None
    fallback_path: str | None = None
    note: str | None = None  # something the tester should know (a worker restarted, recording moved in-process)


class Listener(Protocol):
    def on_verdict(self, flow: http.HTTPFlow, covered: bool, reason: str) -> None:
        """A third-party flow was judged (covered or not, and why)."""

    def on_finding(self, finding: Finding) -> None:
        """A problem the session had not met before."""

    def on_session(self, view: SessionView) -> None:
        """A session started, changed (first page, policy, step, counts) or ended."""

    def on_status(self, status: Status) -> None:
        """Recording changed state: it failed, refused rows, or recovered."""


class NoListener:
    """A listener that ignores everything (offline analysis reads the database afterwards)."""

    def on_verdict(self, flow, covered, reason) -> None:
        pass

    def on_finding(self, finding) -> None:
        pass

    def on_session(self, view) -> None:
        pass

    def on_status(self, status) -> None:
        pass
