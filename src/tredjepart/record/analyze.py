"""Offline analysis: capture files through the same Recorder the live proxy uses. Each file is one session,
timed by the capture's own timestamps."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tredjepart.record.capture import CaptureError, read_capture
from tredjepart.record.api import Recorder

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class FileResult:
    path: Path
    session_id: str | None = None
    flows: int = 0
    skipped: list[str] = field(default_factory=list)  # non-HTTP flows
    error: str | None = None  # why the file could not be read (to its end)


def analyze_file(recorder: Recorder, path: str | Path, session_name: str | None = None,
                 on_flow: Callable[[], None] | None = None) -> FileResult:
    """Record one capture as one session; a read error keeps the flows read before it."""
    path = Path(path)
    result = FileResult(path)
    session_id = None
    last = None
    try:
        for flow in read_capture(path, result.skipped):
            when = flow.request.timestamp_start
            if session_id is None:
                session_id = recorder.start_session(session_name or path.name, when=when,
                                                    source=f"capture:{path.name}")
                result.session_id = session_id
            try:
                recorder.record(flow)
            except Exception as e:  # noqa: BLE001 - one odd flow must not lose the rest of the capture
                logger.warning("%s: flow %d (%s) could not be analysed: %s", path, result.flows + 1,
                               flow.request.pretty_url.split("?", 1)[0][:120], e)
            result.flows += 1
            last = max(last or when, flow.response.timestamp_end if flow.response and
                       flow.response.timestamp_end else when)
            if on_flow:
                on_flow()
    except CaptureError as e:
        result.error = str(e)
    if session_id is not None:
        recorder.end_session(when=last)
    return result
