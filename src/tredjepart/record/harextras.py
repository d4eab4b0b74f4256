"""What producers add to a HAR entry beyond the spec (fields starting with ``_``), where it is evidence.

- TLS: Chrome's and Playwright's ``_securityDetails`` (protocol, certificate subject, issuer, SAN list, validity)
  and Firefox's ``_securityState`` become ``flow.metadata["tredjepart_tls"]``, a plain dict, so an owner can be
  read off the certificate later. Bounded: texts are cut, the SAN list is capped.
- Why a request got no response: Chrome's ``_error`` (``net::ERR_BLOCKED_BY_CLIENT``), Splash's ``statusText``.
- ``_fromCache`` (Chrome): served from the browser's cache, so nothing went over the network this time.
- ``_webSocketMessages`` (Chrome, mitmproxy, Proxyman): the messages of a WebSocket, made the flow's WebSocket (at
  most MAX_MESSAGES, each cut at MAX_MESSAGE bytes), recorded as the live proxy records one.
- ``_resourceType`` (Chrome, Playwright): "document" marks the page that later relative URLs resolve against.
Everything else (WebPageTest's scores, initiators, priorities, Polly's ids) is timing or tooling, not evidence.
"""

from __future__ import annotations

import math

MAX_TEXT = 500
MAX_SAN = 200
MAX_MESSAGES = 10_000  # WebSocket messages read from one entry
MAX_MESSAGE = 64 * 1024  # bytes kept of each


def tls_details(entry: dict) -> dict | None:
    """The entry's TLS facts as a plain dict, or None when the producer wrote none."""
    out: dict = {}
    details = entry.get("_securityDetails")
    if isinstance(details, dict):
        for key, name in (("protocol", "protocol"), ("subjectName", "subject"), ("issuer", "issuer"),
                          ("cipher", "cipher"), ("keyExchange", "key_exchange")):
            if isinstance(details.get(key), str) and details[key]:
                out[name] = details[key][:MAX_TEXT]
        san = details.get("sanList")
        if isinstance(san, list):
            out["san"] = [s[:MAX_TEXT] for s in san[:MAX_SAN] if isinstance(s, str)]
        for key, name in (("validFrom", "valid_from"), ("validTo", "valid_to")):
            value = details.get(key)
            if isinstance(value, (int, float)) and not isinstance(value, bool) and _finite(value):
                out[name] = float(value)
    state = entry.get("_securityState")
    if isinstance(state, str) and state:
        out["state"] = state[:MAX_TEXT]
    if out:
        out["source"] = "HAR _securityDetails" if isinstance(details, dict) else "HAR _securityState"
    return out or None


def no_response_reason(entry: dict, response: object) -> str:
    """Why an entry has no response, in the producer's words where it gave any."""
    why = entry.get("_error")
    if not (isinstance(why, str) and why) and isinstance(response, dict):
        why = response.get("_error") or response.get("statusText")
    why = why.strip()[:200] if isinstance(why, str) else ""
    status = response.get("status") if isinstance(response, dict) else None
    if status not in (None, 0, -1, "", "0") and not why:
        shown = status if isinstance(status, str) else json_number(status)
        why = f"status {shown[:30]} is not an HTTP status"
    return f"no response in capture ({why})" if why else "no response in capture"


def json_number(value: object) -> str:
    try:
        return str(value)
    except ValueError:  # an integer too long to print
        return "(a very long number)"


def from_cache(entry: dict) -> bool:
    cache = entry.get("_fromCache")
    return isinstance(cache, str) and cache.lower() in ("memory", "disk")


def websocket_messages(entry: dict) -> int:
    messages = entry.get("_webSocketMessages")
    return len(messages) if isinstance(messages, list) else 0


def websocket_data(entry: dict, status: int | None, upgrade: bool):
    """The WebSocket of an entry that opened one (status 101, a ws/wss URL or Chrome's resource type) with its
    ``_webSocketMessages``; None for any other entry. Messages that are not objects are left out; binary ones
    (opcode 2) are base64 in Chrome's HAR and kept as their decoded bytes where they decode."""
    from mitmproxy import websocket

    messages = entry.get("_webSocketMessages")
    kind = entry.get("_resourceType")
    if not isinstance(messages, list) or not (status == 101 or upgrade or
                                              (isinstance(kind, str) and kind.lower() == "websocket")):
        return None
    data = websocket.WebSocketData()
    for m in messages[:MAX_MESSAGES]:
        if not isinstance(m, dict) or not isinstance(m.get("data"), str):
            continue
        opcode = 2 if m.get("opcode") == 2 else 1
        text = m["data"][:MAX_MESSAGE * 2]
        content = _binary(text) if opcode == 2 else text.encode("utf-8", "surrogateescape")
        when = m.get("time")
        when = float(when) if isinstance(when, (int, float)) and math.isfinite(when) else None
        data.messages.append(websocket.WebSocketMessage(opcode, m.get("type") == "send",
                                                        content[:MAX_MESSAGE], when))
    return data


def _binary(text: str) -> bytes:
    import base64
    import binascii

    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return text.encode("utf-8", "surrogateescape")


def is_document(entry: dict, request_headers: list[tuple[bytes, bytes]], mime: object) -> bool:
    """Whether the entry loaded a document (a page or frame), whose URL later relative URLs resolve against."""
    kind = entry.get("_resourceType")
    if isinstance(kind, str):
        return kind.lower() == "document"
    for name, value in request_headers:
        if name.lower() == b"sec-fetch-dest":
            return value.lower() in (b"document", b"iframe")
    return isinstance(mime, str) and mime.lower().startswith("text/html")


def _finite(value: int | float) -> bool:
    try:
        return math.isfinite(float(value))
    except OverflowError:
        return False
