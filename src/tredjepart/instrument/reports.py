"""Reports posted by the instrument, read as hostile input: any page can post to the control host, and a page
that wants to mislead the audit can post anything. A batch is JSON (instrument.js writes it) and is taken apart
into plain StorageEvents with every size, type and count bounded. A batch that is not a report at all is
refused with a reason (ReportError); a single bad event is left out with its reason and the others are kept.

The value of a write travels only this far: ``StorageEvent.value`` is transient (the caller hashes it with the
database's key, evidence.storage_record, and drops it). Whether the batch's token is one the proxy issued, and
so which page and session it belongs to, is the caller's check.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit
from dataclasses import dataclass, field

from tredjepart.instrument.script import MAX_VALUE

MAX_BODY = 256 * 1024  # bytes of one posted batch
MAX_EVENTS = 200  # events in one batch (the script sends at most 50)
MAX_KEY = 4096  # characters of a key or URL as posted (the script cuts at 2048)
MAX_URL = 8192  # characters of a page or script URL
MAX_STACK = 8
MAX_REJECTED = 20  # reasons kept for left-out events (the count is always kept)

KINDS = ("cookie", "localStorage", "sessionStorage", "indexedDB", "cache", "beacon", "fetch", "xhr")
_STORAGE_OPS = frozenset({"read", "write", "delete", "clear"})
OPERATIONS = {
    "cookie": frozenset({"read", "write", "delete"}),
    "localStorage": _STORAGE_OPS,
    "sessionStorage": _STORAGE_OPS,
    "indexedDB": frozenset({"open", "delete", "write", "clear"}),
    "cache": frozenset({"open", "delete", "has", "match", "put", "add", "delete-entry"}),
    "beacon": frozenset({"send"}),
}
_METHOD = re.compile(r"^[A-Z][A-Z0-9_-]{0,19}$")  # fetch and xhr: the operation is the HTTP method
SCRIPT_KINDS = ("file", "inline", "eval", "extension")
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


class ReportError(ValueError):
    """A posted batch that is not a usable report; the message says why."""


@dataclass(frozen=True, slots=True)
class StorageEvent:
    page_url: str  # the page (document) the instrument ran in, as the page said
    frame_origin: str  # its origin ("null" for an opaque one)
    top_level: bool  # the top-level document, not a frame
    kind: str  # one of KINDS
    operation: str  # one of OPERATIONS[kind], or the HTTP method for fetch and xhr
    key: str | None  # cookie, item, database/store or cache name, or the request URL; None: all (clear, reads)
    value_length: int | None  # length of the value written (or read, or of a request body), when known
    script_url: str | None  # the calling script (innermost frame of the stack), None when the stack named none
    script_kind: str | None  # one of SCRIPT_KINDS
    stack: tuple[str, ...]  # the other scripts on the stack, innermost first
    age_ms: float  # how long before the batch was sent the event happened
    value: str | None = field(default=None, repr=False, compare=False)  # transient: hash it, never store it


@dataclass(frozen=True, slots=True)
class Batch:
    token: str
    page_url: str
    frame_origin: str
    top_level: bool
    seq: int  # the batch's number within its document
    dropped: int  # events the document did not report since the last batch (over its budget)
    events: tuple[StorageEvent, ...]
    rejected: int = 0  # events left out here
    reasons: tuple[str, ...] = ()  # why (the first MAX_REJECTED)


def parse_batch(body: bytes) -> Batch:
    """The batch in a posted body, or ReportError with the reason it is not one."""
    if len(body) > MAX_BODY:
        raise ReportError(f"report of {len(body)} bytes, more than {MAX_BODY}")
    try:
        data = json.loads(body, parse_constant=_no_constant)
    except (ValueError, RecursionError) as e:
        raise ReportError(f"not JSON: {str(e)[:100]}") from None
    if not isinstance(data, dict) or data.get("v") != 1:
        raise ReportError("not a version 1 instrument report")
    token = data.get("token")
    if not isinstance(token, str) or not _TOKEN.match(token):
        raise ReportError("no valid token")
    page, frame = _text(data, "page", MAX_URL), _text(data, "frame", MAX_URL)
    top, seq, dropped, now = data.get("top"), _count(data, "seq"), _count(data, "dropped"), _number(data, "now")
    events = data.get("events")
    if page is None or frame is None or not isinstance(top, bool) or None in (seq, dropped, now):
        raise ReportError("page, frame, top, seq, dropped or now missing or of the wrong type")
    if not isinstance(events, list) or len(events) > MAX_EVENTS:
        raise ReportError(f"events must be a list of at most {MAX_EVENTS}")
    kept, reasons, rejected = [], [], 0
    for i, item in enumerate(events):
        try:
            kept.append(_event(item, page, frame, top, now))
        except ReportError as e:
            rejected += 1
            if len(reasons) < MAX_REJECTED:
                reasons.append(f"event {i}: {e}")
    return Batch(token, page, frame, top, seq, dropped, tuple(kept), rejected, tuple(reasons))


def _event(item, page: str, frame: str, top: bool, now: float) -> StorageEvent:
    if not isinstance(item, dict):
        raise ReportError("not an object")
    kind, op = item.get("kind"), item.get("op")
    if kind not in KINDS:
        raise ReportError(f"unknown kind {str(kind)[:40]!r}")
    if not isinstance(op, str) or not (op in OPERATIONS[kind] if kind in OPERATIONS else _METHOD.match(op)):
        raise ReportError(f"operation {str(op)[:40]!r} is not one of {kind}'s")
    key = _optional_text(item, "key", MAX_KEY)
    script = _optional_text(item, "script", MAX_URL)
    script_kind = item.get("script_kind")
    if script_kind is not None and script_kind not in SCRIPT_KINDS or (script is None) != (script_kind is None):
        raise ReportError("script and script_kind must be given together, script_kind one of " + ", ".join(SCRIPT_KINDS))
    length = item.get("length")
    if length is not None and (type(length) is not int or not 0 <= length < 1 << 53):
        raise ReportError("length must be a non-negative integer")
    stack = item.get("stack", [])
    if not isinstance(stack, list) or not all(isinstance(s, str) and len(s) <= MAX_URL for s in stack):
        raise ReportError("stack must be a list of URLs")
    t = _number(item, "t")
    if t is None:
        raise ReportError("t must be a number")
    doc = _optional_text(item, "doc", MAX_URL)  # a frame's document, reported by its parent's instrument
    if doc is not None:
        try:
            parts = urlsplit(doc)
        except ValueError:
            raise ReportError("doc must be an http(s) URL") from None
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ReportError("doc must be an http(s) URL")
        page, frame, top = doc, f"{parts.scheme}://{parts.netloc}", False
    value = _optional_text(item, "value", MAX_VALUE * 2)
    if value is not None and (len(value) > MAX_VALUE or length is not None and js_length(value) != length):
        value = None  # longer than the script sends, or not the value measured: keep the length only
    return StorageEvent(page, frame, top, kind, op, key, length, script, script_kind, tuple(stack[:MAX_STACK]),
                        min(max(now - t, 0.0), 86_400_000.0), value)


def js_length(text: str) -> int:
    """A string's length as JavaScript counts it (UTF-16 code units)."""
    return len(text) if text.isascii() else len(text.encode("utf-16-le", "surrogatepass")) // 2


def _no_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def _text(data: dict, name: str, limit: int) -> str | None:
    value = data.get(name)
    return value if isinstance(value, str) and len(value) <= limit else None


def _optional_text(item: dict, name: str, limit: int) -> str | None:
    value = item.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ReportError(f"{name} must be text")
    if len(value) > limit:
        raise ReportError(f"{name} longer than {limit} characters")
    return value


def _count(data: dict, name: str) -> int | None:
    value = data.get(name)
    return value if type(value) is int and 0 <= value < 1 << 53 else None


def _number(data: dict, name: str) -> float | None:
    value = data.get(name)
    return float(value) if type(value) in (int, float) and 0 <= value < 1e15 else None
