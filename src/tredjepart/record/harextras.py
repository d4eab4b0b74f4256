"""What producers add to a HAR entry beyond the spec (fields starting with ``_``), where it is evidence.

- TLS: Chrome's and Playwright's ``_securityDetails`` (protocol, certificate subject, issuer, SAN list, validity)
  and Firefox's ``_securityState`` become ``flow.metadata["tredjepart_tls"]``, a plain dict, so an owner can be
  read off the certificate later. Bounded: texts are cut, the SAN list is capped.
- Why a request got no response: Chrome's ``_error`` (``net::ERR_BLOCKED_BY_CLIENT``), Splash's ``statusText``.
- ``_fromCache`` (Chrome): served from the browser's cache, so nothing went over the network this time.
- ``_webSocketMessages`` (Chrome, Proxyman): counted; the messages themselves are not modelled yet.
- ``_resourceType`` (Chrome, Playwright): "document" marks the page that later relative URLs resolve against.
Everything else (WebPageTest's scores, initiators, priorities, Polly's ids) is timing or tooling, not evidence.
"""

from __future__ import annotations

import math

MAX_TEXT = 500
MAX_SAN = 200


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
