"""mitmproxy flow files (``mitmdump -w``), read flow by flow.

A flow file is a sequence of tnetstrings, one per flow, each framed by its length, so one flow that mitmproxy
cannot load (a field a later version renamed, a broken record) can be skipped and the next one read, where
mitmproxy's own ``FlowReader`` stops the whole file. Every flow format mitmproxy itself can migrate is read (0.11
and later, mitmproxy 0.11 of 2014 to today's); 0.10 and older are refused with the version named. HTTP, TCP, UDP
and DNS flows are all yielded as what they are; WebSocket messages stay on their HTTP flow.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from mitmproxy import flow as mflow
from mitmproxy import version
from mitmproxy.io import compat, tnetstring

from tredjepart.record.harurl import shown

MAX_RECORD = 256 << 20  # bytes of one flow record; a larger one is skipped, not loaded
_READ = 1 << 20


class MitmError(ValueError):
    """The file cannot be read (on) as a flow file; the message says why."""


@dataclass(frozen=True, slots=True)
class BadRecord:
    """One flow of the file that could not be loaded."""

    index: int
    url: str
    reason: str


def mitm_flows(stream: BinaryIO) -> Iterator[mflow.Flow | BadRecord]:
    """Each flow of the file in order, or a BadRecord for a flow that cannot be loaded; raises MitmError when the
    framing breaks (after the flows before it) or the file's first flow has a format this mitmproxy cannot read."""
    index = 0
    while True:
        framed = _record(stream, index)
        if framed is None:
            return
        if isinstance(framed, BadRecord):
            yield framed
            index += 1
            continue
        try:
            state = tnetstring.loads(framed)
        except Exception:  # noqa: BLE001 - a record that is no tnetstring at all
            state = None
        if not isinstance(state, dict):
            if index == 0:
                raise MitmError("not a mitmproxy flow file or HAR (or it is damaged at its start)")
            yield BadRecord(index, "", "the flow record is damaged (not a tnetstring mapping)")
            index += 1
            continue
        try:
            yield mflow.Flow.from_state(compat.migrate_flow(state))
        except Exception as e:  # noqa: BLE001 - one flow mitmproxy cannot load must not stop the rest
            reason = _reason(e)
            if index == 0 and "cannot read files with flow format version" in reason:
                raise MitmError(f"{reason} Open and save it with an older mitmproxy to convert it.") from None
            yield BadRecord(index, _url(state), reason)
        index += 1


def _record(stream: BinaryIO, index: int) -> bytes | BadRecord | None:
    """The next framed record (its tnetstring, prefix and type included), None at the end of the file."""
    prefix = b""
    while True:
        c = stream.read(1)
        if not c:
            if prefix:
                raise MitmError(f"the file ends inside flow {index} (truncated?)")
            return None
        if c == b":":
            break
        if not c.isdigit() or len(prefix) >= 12:
            raise MitmError("not a mitmproxy flow file or HAR (or it is truncated)" if index == 0 else
                            f"the data after flow {index - 1} is not a flow record (a damaged file?)")
        prefix += c
    if not prefix:
        raise MitmError(f"flow {index} has no length")
    length = int(prefix)
    if length > MAX_RECORD:
        _discard(stream, length + 1, index)
        return BadRecord(index, "", f"flow record of {length} bytes is over the limit of {MAX_RECORD}")
    body = _exactly(stream, length + 1)
    if len(body) < length + 1:
        raise MitmError(f"the file ends inside flow {index} (truncated?)")
    return prefix + b":" + body


def _exactly(stream: BinaryIO, n: int) -> bytes:
    parts, left = [], n
    while left:
        data = stream.read(min(left, _READ))
        if not data:
            break
        parts.append(data)
        left -= len(data)
    return b"".join(parts)


def _discard(stream: BinaryIO, n: int, index: int) -> None:
    while n:
        data = stream.read(min(n, _READ))
        if not data:
            raise MitmError(f"the file ends inside flow {index} (truncated?)")
        n -= len(data)


def _reason(e: Exception) -> str:
    if isinstance(e, RecursionError):
        return "the flow record is nested too deeply"
    text = str(e).strip().splitlines()[0][:200] if str(e).strip() else ""
    if "cannot read files with flow format version" in text:
        return text.rstrip(".") + f" ({version.MITMPROXY} reads flow formats 0.11 to {version.FLOW_FORMAT_VERSION})."
    detail = f": missing {text}" if isinstance(e, KeyError) and len(text) < 40 else ""  # other texts may quote data
    return f"mitmproxy cannot load this flow ({type(e).__name__}{detail})"


def _url(state: dict) -> str:
    """The request URL of a flow's state, best effort, for the log line (no query values)."""
    request = state.get(b"request") or state.get("request")  # keys are bytes in old flow formats
    if not isinstance(request, dict):
        return ""
    scheme, host, port, path = (_text(request.get(k.encode(), request.get(k))) for k in ("scheme", "host", "port",
                                                                                         "path"))
    return shown(f"{scheme}://{host}:{port}{path}") if host else ""


def _text(value: object) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else "" if value is None else str(value)
