"""What the recorder tells the proxy (record.api.Listener), shown where the tester looks: marks and comments on
flows in mitmweb and mitmproxy's console, and log lines (a new problem once, sessions started and ended, the
policy a session is judged by, recording trouble)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from mitmproxy import ctx, http
from mitmproxy.hooks import UpdateHook

from tredjepart.observe.urls import loggable_url
from tredjepart.proxy.terminal import Terminal
from tredjepart.record.events import Status

logger = logging.getLogger("tredjepart.proxy.addon")

MARK = ":warning:"


class ProxyListener:
    def __init__(self, current: Callable[[], object], terminal: Terminal) -> None:
        self.current = current  # the flow being handed to the recorder now (a verdict for it is not late)
        self.terminal = terminal
        self.ui = False  # whether a UI (mitmweb, mitmproxy's console) shows flows and must hear of late marks
        self._named: dict[str, str | None] = {}  # session id -> the solution last logged for it

    def on_verdict(self, flow: http.HTTPFlow, covered: bool, reason: str) -> None:
        """Mark an uncovered flow for mitmweb and mitmproxy's console; a covered one carries its verdict too."""
        if covered:
            flow.comment = f"tredjepart: covered: {reason}"
        else:
            flow.marked = MARK
            flow.comment = f"tredjepart: {reason or 'third party not covered by the policy'}"
        if self.ui and flow is not self.current():  # marked after the response went out (worker process)
            ctx.master.addons.trigger(UpdateHook([flow]))

    def on_finding(self, finding) -> None:
        self.terminal.finding(finding)  # one line, the first time a session meets the problem

    def on_session(self, view) -> None:
        self.terminal.session(view)
        name = repr(view.name) if view.name else view.id[:8]
        if view.ended is not None:
            self._named.pop(view.id, None)
            if view.name:
                logger.info("tredjepart: session %s ended", name)
            return
        if view.id not in self._named and view.name:
            logger.info("tredjepart: session %s started (%s), policy: %s", name, view.id[:8],
                        view.solution or "chosen by the first page")
        elif view.id in self._named and view.solution != self._named[view.id] and view.solution:
            logger.info("tredjepart: session %s is judged by the policy of %s", name, view.solution)
        self._named[view.id] = view.solution

    def on_status(self, status: Status) -> None:
        if status.note:
            logger.error("tredjepart: %s", status.note)
        if status.failed:
            logger.error("tredjepart: NOT RECORDING: %s (unsaved records go to %s)", status.failed,
                         status.fallback_path)
        elif status.refused:
            logger.warning("tredjepart: %d record(s) refused by the database so far, set aside in %s",
                           status.refused, status.fallback_path)

    @staticmethod
    def too_late(flow: http.HTTPFlow, path: str) -> None:
        """A flow that finished after recording had closed (the proxy shutting down): said, never silently lost."""
        logger.warning("tredjepart: NOT RECORDED (recording into %s had closed): %s %s", path,
                       flow.request.method, loggable_url(flow.request))
        flow.marked = ":x:"
        flow.comment = f"tredjepart: NOT RECORDED (recording into {path} had closed)"

    @staticmethod
    def not_recording(flow: http.HTTPFlow, status: Status) -> None:
        flow.marked = ":x:"
        flow.comment = f"tredjepart: NOT RECORDED in the database ({status.failed}); saved to {status.fallback_path}"
