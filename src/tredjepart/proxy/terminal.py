"""The terminal a tester watches during a walkthrough: what tredjepart sees, not mitmproxy's connection log.

- per active session, one status line (flows, third parties, uncovered flows, findings, the current step),
  refreshed in place where the terminal allows (a TTY), else written as a log line when it changed, at most every
  ``QUIET_SECONDS``;
- new findings as they appear (one line each, the first time a session meets them);
- mitmproxy's per-connection chatter ("client connect", "server connect") left out, unless the tester asks for
  mitmproxy's own log (``tredjepart_terminal=mitmproxy``); ``tredjepart proxy`` also turns mitmdump's per-flow
  lines off unless ``--flows`` is given;
- at the end, a summary per session and the exact command that makes the report.
"""

from __future__ import annotations

import logging
import shlex
import sys
import time

from tredjepart.record.sessions import SessionView

logger = logging.getLogger("tredjepart.proxy.addon")

QUIET_SECONDS = 30.0  # without a TTY, a changed status is logged at most this often
CHATTY = ("mitmproxy.proxy.server",)  # loggers whose INFO lines are the connection log


def status_line(view: SessionView) -> str:
    c = view.counts
    name = repr(view.name) if view.name else view.id[:8]
    parts = [f"session {name}", f"{c.get('flows', 0)} flows", f"{c.get('third_parties', 0)} third parties",
             f"{c.get('uncovered', 0)} uncovered", f"{c.get('findings', 0)} findings"]
    if view.steps:
        parts.append(f"step: {view.steps[-1]}")
    return " | ".join(parts)


def summary(views: list[SessionView], db: str) -> list[str]:
    """The lines shown when the proxy stops: each session with solution traffic, and what to run next."""
    walked = [v for v in views
              if v.counts.get("flows", 0) - v.counts.get("background", 0) - v.counts.get("tool", 0) > 0]
    if not walked:
        return [f"tredjepart: no walkthrough was recorded into {db}"]
    lines = [f"tredjepart: recorded {len(walked)} session(s) into {db}:"]
    lines += [f"  {status_line(v)}" + (f" (policy of {v.solution})" if v.solution else "") for v in walked]
    lines.append(f"  the report: tredjepart report {shlex.quote(db)} --format html -o report.html")
    return lines


class ConnectionChatter(logging.Filter):
    """Leaves out mitmproxy's INFO connection log; clears the status line before any other line is written."""

    def __init__(self, terminal: "Terminal") -> None:
        super().__init__()
        self.terminal = terminal

    def filter(self, record: logging.LogRecord) -> bool:
        if self.terminal.quiet_mitmproxy and record.levelno <= logging.INFO and record.name.startswith(CHATTY):
            return False
        self.terminal.clear()
        return True


class Terminal:
    def __init__(self, stream=None) -> None:
        self.stream = stream or sys.stdout
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.quiet_mitmproxy = True
        self.views: dict[str, SessionView] = {}
        self.ended: list[SessionView] = []
        self._shown = ""  # the status text on screen now (TTY)
        self._logged = ("", 0.0)
        self._filter = ConnectionChatter(self)

    def install(self) -> None:
        for handler in logging.getLogger().handlers:
            if self._filter not in handler.filters:
                handler.addFilter(self._filter)

    def uninstall(self) -> None:
        self.clear()
        for handler in logging.getLogger().handlers:
            handler.removeFilter(self._filter)

    def session(self, view: SessionView) -> None:
        if view.ended is not None:
            self.views.pop(view.id, None)
            self.ended = [v for v in self.ended if v.id != view.id] + [view]
        else:
            self.views[view.id] = view

    def finding(self, finding) -> None:
        logger.warning("tredjepart [%s %s] %s", finding.severity, finding.rule, finding.message)

    def refresh(self) -> None:
        """Redraw the status line (TTY), or log it when it changed and a while has passed."""
        text = "  ||  ".join(status_line(v) for v in self.views.values())
        if self.tty:
            if text != self._shown:
                self.stream.write("\r\x1b[K" + text[:400])
                self.stream.flush()
                self._shown = text
        elif text and text != self._logged[0] and time.monotonic() - self._logged[1] >= QUIET_SECONDS:
            self._logged = (text, time.monotonic())
            logger.info("tredjepart: %s", text)

    def clear(self) -> None:
        if self.tty and self._shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._shown = ""

    def goodbye(self, db: str) -> None:
        self.clear()
        for line in summary(self.ended + list(self.views.values()), db):
            logger.info("%s", line)
