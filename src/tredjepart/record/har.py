"""One HAR entry to one mitmproxy HTTPFlow: our own conversion, because mitmproxy's HAR loader stops at the first
entry it does not like (a request with no response, form fields with no text, a relative URL), and an audit must
not lose the rest of a capture to one odd entry.

``entry_flow`` either returns a flow, raises ``Unusable`` (the entry cannot be placed: skipped, with the reason)
or ``NotNetwork`` (a ``data:`` URL or an extension page: ignored, counted, no error). A request without a response
is still evidence, the request is what the device sent: it becomes a flow with no response and the error
"no response in capture". Everything done to an entry on the way (a body cut or rebuilt, a URL resolved, a time
borrowed) is listed in ``flow.metadata["tredjepart_capture"]["notes"]``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import quote_plus

from mitmproxy import connection, http
from mitmproxy.flow import Error

from tredjepart.record.harbody import as_text, request_body, response_body, to_bytes
from tredjepart.record.harextras import (MAX_MESSAGES, from_cache, is_document, no_response_reason, tls_details,
                                         websocket_data, websocket_messages)
from tredjepart.record.hartime import entry_times
from tredjepart.record.harurl import NotNetwork, Target, Unusable, request_target

__all__ = ["HarContext", "NotNetwork", "Unusable", "entry_flow", "header_list"]

MAX_HEADER_BYTES = 1 << 20  # of one message's headers
MAX_PAGES = 10_000
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}")
_VERSIONS = {"http/1.0": "HTTP/1.0", "1.0": "HTTP/1.0", "http/2": "HTTP/2.0", "http/2.0": "HTTP/2.0", "h2": "HTTP/2.0",
             "h2c": "HTTP/2.0", "spdy": "HTTP/2.0", "http/3": "HTTP/3", "http/3.0": "HTTP/3", "h3": "HTTP/3"}
_CLIENT = ("127.0.0.1", 0)  # a capture does not say which device; analyze gives each file one session


@dataclass(slots=True)
class HarContext:
    """What the entries of one HAR share: page URLs, the last document loaded, the last time seen."""

    file: str
    last_time: float  # the start of the previous entry (at first: a fallback from the capture itself)
    pages: dict[str, str] = field(default_factory=dict)  # page id -> its URL, where the HAR gives one
    document: str | None = None  # URL of the last document (page or frame) loaded

    def add_page(self, page: object) -> None:
        if not isinstance(page, dict) or len(self.pages) >= MAX_PAGES or not isinstance(page.get("id"), str):
            return
        for key in ("_URL", "_url", "title"):  # WebPageTest and sitespeed.io name it; Chrome's title is the URL
            url = page.get(key)
            if isinstance(url, str) and url.startswith(("http://", "https://")):
                self.pages[page["id"]] = url[:4096]
                return

    def base(self, entry: dict) -> str | None:
        ref = entry.get("pageref")
        return (self.pages.get(ref) if isinstance(ref, str) else None) or self.document


def header_list(raw: object) -> tuple[list[tuple[bytes, bytes]], dict[str, str], str | None]:
    """Headers as (name, value) bytes, HTTP/2 pseudo-headers (``:authority`` ...) apart, and a note when cut.
    Takes ``{"name", "value"}`` objects (the spec) and ``[name, value]`` pairs (Slack's export)."""
    pairs: list[tuple[bytes, bytes]] = []
    pseudo: dict[str, str] = {}
    size = 0
    if not isinstance(raw, list):
        return pairs, pseudo, None
    for header in raw:
        if isinstance(header, dict):
            name, value = header.get("name"), header.get("value")
        elif isinstance(header, list) and len(header) == 2:
            name, value = header
        else:
            continue
        if not isinstance(name, str) or not name.strip():
            continue
        value = as_text(value)
        if name.startswith(":"):
            pseudo.setdefault(name.strip().lower(), value.strip()[:4096])
            continue
        pair = (to_bytes(name.strip()), to_bytes(value))
        size += len(pair[0]) + len(pair[1])
        if size > MAX_HEADER_BYTES:
            return pairs, pseudo, f"headers cut after {len(pairs)} ({MAX_HEADER_BYTES} bytes)"
        pairs.append(pair)
    return pairs, pseudo, None


def entry_flow(entry: object, index: int, ctx: HarContext) -> http.HTTPFlow:
    """The flow of one entry of ``log.entries`` (``index`` counts from 0); see the module's docstring."""
    if not isinstance(entry, dict):
        raise Unusable("the entry is not a JSON object")
    req = entry.get("request")
    if not isinstance(req, dict):
        raise Unusable("the entry has no request object")
    notes: list[str] = []
    headers, pseudo, cut = header_list(req.get("headers"))
    target = request_target(req.get("url"), pseudo, _header(headers, b"host"), ctx.base(entry))
    method = req.get("method")
    method = (method.strip() if isinstance(method, str) else "") or pseudo.get(":method", "")
    if not _TOKEN.fullmatch(method):
        raise Unusable("request.method is not an HTTP method" if method else "request.method is missing or not text")
    times, late = entry_times(entry, ctx.last_time)
    body = request_body(req.get("postData"), _header(headers, b"content-type"))
    if body.data:  # HAR holds the decoded body: a Content-Encoding no longer applies to it
        headers = [(k, v) for k, v in headers if k.lower() != b"content-encoding"]
    version = _version(req.get("httpVersion"), bool(pseudo))
    path = target.path if "?" in target.path else target.path + _query(req.get("queryString"), notes)
    request = http.Request(target.host, target.port, method.encode(), target.scheme.encode(),
                           b"" if version.startswith("HTTP/1") else _authority(target).encode(),
                           path.encode("ascii"), version.encode(), http.Headers(headers), body.data, None,
                           times.request_start, times.request_end)
    flow = http.HTTPFlow(_client(times.request_start), _server(target, entry.get("serverIPAddress")))
    flow.timestamp_created = times.request_start
    flow.request = request
    response = entry.get("response")
    status = _status(response)
    if status is None:
        flow.error = Error(no_response_reason(entry, response), timestamp=times.response_end)
    else:
        flow.response = _response(response, status, version, times.response_start, times.response_end, notes)
    notes += [n for n in (target.resolved and f"URL: {target.resolved}", cut and f"request {cut}", late,
                          body.note) if n]
    flow.websocket = websocket_data(entry, status, target.websocket)
    total = websocket_messages(entry)
    if flow.websocket is None and target.websocket:
        notes.append(f"WebSocket upgrade; {total} message(s) in the capture, not analysed")
    elif flow.websocket is not None and len(flow.websocket.messages) < total:
        notes.append(f"WebSocket: {len(flow.websocket.messages)} of {total} message(s) usable (the rest had no "
                     f"data, or were past {MAX_MESSAGES})")
    if from_cache(entry):
        notes.append("served from the browser's cache (no network request this time)")
    flow.metadata["tredjepart_capture"] = {"file": ctx.file, "index": index, "notes": notes}
    if (tls := tls_details(entry)) is not None:
        flow.metadata["tredjepart_tls"] = tls
    ctx.last_time = times.request_start
    if status is not None and 200 <= status < 300 and is_document(entry, headers, _mime(response)):
        ctx.document = f"{target.scheme}://{_authority(target)}{target.path}"
    return flow


def _response(raw: dict, status: int, version: str, start: float, end: float, notes: list[str]) -> http.Response:
    headers, _, cut = header_list(raw.get("headers"))
    body = response_body(raw.get("content"), _header(headers, b"content-type"))
    if body.data:
        headers = [(k, v) for k, v in headers if k.lower() != b"content-encoding"]
    reason = as_text(raw.get("statusText")).strip()[:200] or http.status_codes.RESPONSES.get(status, "")
    notes += [n for n in (cut and f"response {cut}", body.note) if n]
    return http.Response(_version(raw.get("httpVersion"), version.startswith("HTTP/2")).encode(), status,
                         to_bytes(reason), http.Headers(headers), body.data, None, start, end)


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> str | None:
    return next((v.decode("utf-8", "replace") for k, v in headers if k.lower() == name), None)


def _status(response: object) -> int | None:
    """The HTTP status of a response, or None when the entry has none (absent, null, 0, -1, not a number)."""
    if not isinstance(response, dict):
        return None
    status = response.get("status")
    if isinstance(status, str) and status.strip().isdigit() and len(status.strip()) <= 3:
        status = int(status)
    if isinstance(status, float) and status.is_integer():
        status = int(status)
    if isinstance(status, bool) or not isinstance(status, int) or not 1 <= status <= 999:
        return None
    return status


def _version(raw: object, http2: bool) -> str:
    text = raw.strip().lower() if isinstance(raw, str) else ""
    if text in _VERSIONS:
        return _VERSIONS[text]
    return "HTTP/2.0" if http2 and not text.startswith("http/1") else "HTTP/1.1"


def _query(raw: object, notes: list[str]) -> str:
    """A query built from ``queryString`` for an entry whose URL has none (hand-written HARs)."""
    if not isinstance(raw, list) or not raw:
        return ""
    pairs = [p for p in raw[:1000] if isinstance(p, dict) and isinstance(p.get("name"), str)]
    if not pairs:
        return ""
    notes.append("query rebuilt from queryString")
    return "?" + "&".join(f"{quote_plus(to_bytes(p['name']))}={quote_plus(to_bytes(as_text(p.get('value'))))}"
                          for p in pairs)


def _authority(target: Target) -> str:
    host = f"[{target.host}]" if ":" in target.host else target.host
    default = (target.scheme, target.port) in (("http", 80), ("https", 443))
    return host if default else f"{host}:{target.port}"


def _mime(response: object) -> object:
    content = response.get("content") if isinstance(response, dict) else None
    return content.get("mimeType") if isinstance(content, dict) else None


def _client(when: float) -> connection.Client:
    return connection.Client(peername=_CLIENT, sockname=("0.0.0.0", 0), timestamp_start=when)


def _server(target: Target, address: object) -> connection.Server:
    server = connection.Server(address=(target.host, target.port))
    if isinstance(address, str):
        ip = address.strip().strip("[]")
        if 2 <= len(ip) <= 64 and re.fullmatch(r"[0-9A-Fa-f:.]+", ip):
            server.peername = (ip, target.port)
    if target.scheme == "https":
        server.sni = target.host
    return server
