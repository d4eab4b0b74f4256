"""Reading captures: HAR (Chrome, Firefox, Safari, WebPageTest, Charles), zlib-compressed HAR (.zhar) and
mitmproxy flow files, all with mitmproxy's own reader (``mitmproxy.io.FlowReader``), so an offline analysis sees
exactly the flows the live proxy would have seen.

``read_capture`` yields HTTP flows and raises ``CaptureError`` naming the file and what is wrong. A file that
breaks off half-way yields the flows before the break, then raises: what was read is still analysed.
"""

from __future__ import annotations

import io
import json
import zlib
from collections.abc import Iterator
from pathlib import Path

from mitmproxy import exceptions, http
from mitmproxy.io import FlowReader


class CaptureError(ValueError):
    """A capture that cannot be read (or read to its end); the message starts with the file name."""


def read_capture(path: str | Path, skipped: list[str] | None = None) -> Iterator[http.HTTPFlow]:
    """The HTTP flows of one capture file, in order. Non-HTTP flows (TCP, UDP, DNS) are counted in ``skipped``."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise CaptureError(f"{path}: cannot read: {e.strerror or e}") from e
    if not data.strip():
        raise CaptureError(f"{path}: empty file, not a capture")
    if path.suffix.lower() == ".zhar" or data[:1] in (b"\x78",):
        try:
            data = zlib.decompress(data)
        except zlib.error as e:
            if path.suffix.lower() == ".zhar":
                raise CaptureError(f"{path}: not a zlib-compressed HAR: {e}") from e
    reader = FlowReader(io.BytesIO(data))
    count = 0
    try:
        for flow in reader.stream():
            if isinstance(flow, http.HTTPFlow):
                count += 1
                yield flow
            elif skipped is not None:
                skipped.append(type(flow).__name__)
    except exceptions.FlowReadException as e:
        raise CaptureError(f"{path}: {_explain(data, e)}" + (f" (after {count} flows)" if count else "")) from e
    if count == 0 and not skipped:
        raise CaptureError(f"{path}: no HTTP flows in this capture")


def _explain(data: bytes, e: exceptions.FlowReadException) -> str:
    """What is wrong, as precisely as we can say it."""
    text = str(e)
    if data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{":
        try:
            doc = json.loads(data.decode("utf-8-sig"))
        except UnicodeDecodeError:
            return "not a HAR file: not UTF-8 text"
        except json.JSONDecodeError as j:
            return f"line {j.lineno} column {j.colno}: not valid JSON ({j.msg}); is the HAR truncated?"
        if not isinstance(doc, dict) or "log" not in doc or "entries" not in doc.get("log", {}):
            return "JSON but not a HAR file (no log.entries)"
        return f"a HAR entry mitmproxy cannot read: {e.__cause__ or text}"
    if "cannot read files with flow format version" in text:
        return f"{text} Open and save it with an older mitmproxy to convert it."
    if text in ("Invalid data format.", ""):
        return "not a mitmproxy flow file or HAR (or it is truncated)"
    return text
