"""When a HAR entry's request started and its response ended, from ``startedDateTime`` and ``timings``.

Sessions, steps and the report's time line are placed by these times, so they come from the capture, never from
the clock of the machine that analyses it, and they are always finite and in order. Producers differ: ISO 8601
with ``Z``, an offset or none (read as UTC), 3 to 9 fractional digits (Fiddler writes 7); ``-1`` for a phase that
does not apply; no ``timings`` or no ``startedDateTime`` at all in hand-written HARs (k6, ZAP). A missing or
absurd start takes the previous entry's (else the capture's fallback time) and says so in the flow's notes.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timezone

EARLIEST = 631152000.0  # 1990-01-01: before the web, a start is not believed
LATEST = 4102444800.0  # 2100-01-01
MAX_PHASE_MS = 86_400_000.0  # one phase of one request longer than a day is not believed
_FRACTION = re.compile(r"(\.\d{6})\d+")
_OFFSET = re.compile(r"([+-]\d{2})(\d{2})$")
_PHASES_BEFORE_WAIT = ("blocked", "dns", "connect", "send")  # "ssl" is part of "connect" in HAR 1.2


@dataclass(frozen=True, slots=True)
class Times:
    request_start: float
    request_end: float
    response_start: float
    response_end: float


def parse_started(value: object) -> float | None:
    """Seconds since the epoch for a ``startedDateTime``, or None when it is missing or not believable."""
    if not isinstance(value, str) or not 10 <= len(value) <= 64:
        return None
    text = _FRACTION.sub(r"\1", value.strip().replace("z", "Z"))
    text = _OFFSET.sub(r"\1:\2", text)
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    try:
        stamp = when.timestamp()
    except (OverflowError, OSError, ValueError):
        return None
    return stamp if EARLIEST <= stamp <= LATEST else None


def milliseconds(value: object) -> float:
    """A phase length in ms: a finite number from 0 to a day; anything else (-1, null, text, NaN) is 0."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return 0.0
    try:
        ms = float(value)
    except OverflowError:
        return 0.0
    return ms if math.isfinite(ms) and 0.0 <= ms <= MAX_PHASE_MS else 0.0


def entry_times(entry: dict, fallback: float) -> tuple[Times, str | None]:
    """The entry's times, and a note when its start was missing or not believable (``fallback`` used)."""
    start = parse_started(entry.get("startedDateTime"))
    note = None
    if start is None:
        start = fallback
        note = "no usable startedDateTime: placed at the previous entry's time"
    timings = entry.get("timings")
    timings = timings if isinstance(timings, dict) else {}
    before = sum(milliseconds(timings.get(k)) for k in _PHASES_BEFORE_WAIT) / 1000.0
    wait = milliseconds(timings.get("wait")) / 1000.0
    receive = milliseconds(timings.get("receive")) / 1000.0
    # ``time`` is the total; some producers (Firefox, mitmproxy) count "ssl" apart from "connect", so the total
    # can exceed the phases: the end is start + time, the phases are placed back from it.
    total = max(milliseconds(entry.get("time")) / 1000.0, before + wait + receive)
    response_end = start + total
    response_start = response_end - receive
    request_end = max(start, response_start - wait)
    return Times(start, request_end, response_start, response_end), note
