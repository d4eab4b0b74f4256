"""Offline analysis: capture files through the same Recorder the live proxy uses. Each file is one session,
timed by the capture's own timestamps.

Nothing is refused for one odd entry: each entry that cannot be used is skipped with one log line (file, index,
URL without query values, reason), counted in the file's result, and recorded as a blind spot of the session
(client ``capture``), so the report says the evidence has a hole; the rest of the file is analysed.

TCP, UDP and DNS flows and WebSocket messages go where the live proxy sends them (``Recorder.record_stream``): a
flow row with their sizes, raw TCP and UDP also a blind spot. mitmproxy saves a flow again when it changes (a
WebSocket's end): the HTTP request is recorded once, from its first version, and a WebSocket's messages from its
last version, once, before the session ends.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from mitmproxy import http

from tredjepart.record.capture import CaptureError, Ignored, Skipped, fallback_time, read_capture
from tredjepart.observe.urls import strip_query_values
from tredjepart.record.skipped import SkippedHosts

logger = logging.getLogger(__name__)

MAX_LISTED = 1000  # skipped entries kept in a result and logged one by one; the rest are counted


@dataclass(slots=True)
class FileResult:
    path: Path
    session_id: str | None = None
    flows: int = 0  # HTTP flows recorded
    skipped: list[Skipped] = field(default_factory=list)  # the first MAX_LISTED entries that could not be used
    skipped_count: int = 0
    ignored: Counter = field(default_factory=Counter)  # entries that are no network traffic, by reason
    streams: Counter = field(default_factory=Counter)  # non-HTTP flows (tcp, udp, dns) recorded, by type
    websocket: int = 0  # recorded HTTP flows that carried a WebSocket (its messages recorded as a stream)
    updates: int = 0  # later versions of a flow already read (mitmproxy files): the first is recorded
    error: str | None = None  # why the file could not be read (to its end)
    read: int = 0  # entries read before that error

    @property
    def unreadable(self) -> bool:
        """The file could not be read at all."""
        return self.error is not None and self.read == 0

    @property
    def incomplete(self) -> bool:
        """Read, but not every entry made it into the evidence (skipped or cut short)."""
        return not self.unreadable and bool(self.error or self.skipped_count)


def analyze_file(recorder, path: str | Path, session_name: str | None = None,
                 on_flow: Callable[[], None] | None = None) -> FileResult:
    """Record one capture as one session; a read error keeps the flows read before it."""
    path = Path(path)
    result = FileResult(path)
    session_id = None
    first = last = None
    holes = SkippedHosts()
    repeats = _Recent()
    sockets = _Sockets(recorder)
    try:
        for item in read_capture(path):
            if isinstance(item, Ignored):
                result.ignored[item.reason] += 1
                continue
            if isinstance(item, Skipped):
                _skip(result, holes, item)
                continue
            if "tredjepart_capture" not in item.metadata and repeats.seen(item.id):
                result.updates += 1  # mitmproxy saves a flow again when it changes (a WebSocket's end)
                sockets.later(item)
                continue
            is_http = isinstance(item, http.HTTPFlow)
            when = item.request.timestamp_start if is_http else item.timestamp_created
            if session_id is None:
                session_id = recorder.start_session(session_name or path.name, when=when,
                                                    source=f"capture:{path.name}")
                result.session_id = session_id
            try:
                recorder.record(item) if is_http else recorder.record_stream(item)
            except Exception as e:  # noqa: BLE001 - one odd flow must not lose the rest of the capture
                index = item.metadata.get("tredjepart_capture", {}).get("index", result.flows + result.skipped_count)
                _skip(result, holes, Skipped(index, _bare_url(item), f"could not be analysed ({type(e).__name__})"))
                continue
            first = when if first is None else min(first, when)
            if not is_http:
                result.streams[item.type] += 1
                last = max(last or when, when)
                continue
            result.flows += 1
            if item.websocket is not None:
                result.websocket += 1
                sockets.first(item)
            end = item.response.timestamp_end if item.response and item.response.timestamp_end else when
            last = max(last or end, end)
            if on_flow:
                on_flow()
    except CaptureError as e:
        result.error, result.read = str(e), e.read
    except Exception as e:  # noqa: BLE001 - a fault of ours in one file must not cost the other files
        logger.exception("%s: reading stopped by an unexpected error", path)
        result.error = f"{path}: reading stopped by an unexpected error ({type(e).__name__}); please report it"
        result.read = result.flows + result.skipped_count + sum(result.ignored.values()) + sum(result.streams.values())
    if result.skipped_count > MAX_LISTED:
        logger.warning("%s: %d more entries skipped, not listed one by one", path, result.skipped_count - MAX_LISTED)
    if session_id is None and result.skipped_count:  # nothing usable, but the holes are evidence too
        last = fallback_time(path)
        session_id = recorder.start_session(session_name or path.name, when=last, source=f"capture:{path.name}")
        result.session_id = session_id
    if session_id is not None:
        for index, url, e in sockets.record_all():
            _skip(result, holes, Skipped(index, url, f"WebSocket messages could not be analysed ({type(e).__name__})"))
        holes.record(recorder, session_id, first if first is not None else last)
        recorder.end_session(when=last)
    return result


class _Recent:
    """The ids of the last flows read, to know a later version of one of them (bounded)."""

    def __init__(self, size: int = 100_000) -> None:
        self.ids: dict[str, None] = {}
        self.size = size

    def seen(self, flow_id: str) -> bool:
        if flow_id in self.ids:
            return True
        self.ids[flow_id] = None
        if len(self.ids) > self.size:
            del self.ids[next(iter(self.ids))]
        return False


class _Sockets:
    """WebSocket flows waiting for their last version; their messages are recorded once, from that version. Bounded:
    past ``size`` flows the oldest is recorded as it is."""

    def __init__(self, recorder, size: int = 10_000) -> None:
        self.recorder = recorder
        self.waiting: dict[str, http.HTTPFlow] = {}
        self.size = size
        self.failed: list[tuple[int, str, Exception]] = []

    def first(self, flow: http.HTTPFlow) -> None:
        self.waiting[flow.id] = flow
        if len(self.waiting) > self.size:
            self._record(self.waiting.pop(next(iter(self.waiting))))

    def later(self, flow) -> None:
        if flow.id in self.waiting and isinstance(flow, http.HTTPFlow) and flow.websocket is not None:
            self.waiting[flow.id] = flow

    def record_all(self) -> list[tuple[int, str, Exception]]:
        """Record every waiting flow's messages; (index, URL, error) of those that failed."""
        while self.waiting:
            self._record(self.waiting.pop(next(iter(self.waiting))))
        return self.failed

    def _record(self, flow: http.HTTPFlow) -> None:
        try:
            self.recorder.record_stream(flow)
        except Exception as e:  # noqa: BLE001 - one odd flow must not lose the rest of the capture
            self.failed.append((flow.metadata.get("tredjepart_capture", {}).get("index", -1), _bare_url(flow), e))


def _skip(result: FileResult, holes: SkippedHosts, item: Skipped) -> None:
    result.skipped_count += 1
    holes.add(item.index, item.url, item.reason)
    if result.skipped_count <= MAX_LISTED:
        result.skipped.append(item)
        logger.warning("%s: entry %d (%s) skipped: %s", result.path, item.index, item.url or "no URL", item.reason)


def _bare_url(flow) -> str:
    req = getattr(flow, "request", None)
    if not isinstance(req, http.Request):
        return ""
    try:
        return strip_query_values(req.scheme, req.pretty_host, req.port, req.path)[0][:200]
    except Exception:  # noqa: BLE001 - only for a log line
        return ""

