"""Where to look in a request: every place a value can travel to a third party, decoded.

``request_places(parts)`` reads, in this order:

* the URL path (percent-decoded; ``;key=value`` path parameters as DoubleClick writes them, each on its own),
* the query string (each value decoded once; a URL in a value has its own query decoded again),
* the request headers (Referer, where the full page URL leaks, and any other header), except Cookie,
* the Cookie header, one place per cookie,
* the body: a form, JSON (also newline-delimited JSON), multipart parts, lines of text or of ``a=b&c=d`` (as
  Google Analytics batches hits), after undoing gzip, deflate or br; a binary body is skipped unless a decoder
  asks for protobuf,
* the response's Location header (a redirect carries the page on),
* WebSocket messages sent by the client.

Bounds per request: the body is read up to ``bodies.MAX_BODY`` bytes (``bodies.MAX_DECODED`` after
decompression), at most ``MAX_HEADERS`` headers, ``MAX_WEBSOCKET`` messages of at most ``MAX_MESSAGE`` bytes,
and the places and characters ``flatten`` allows. Nothing here keeps a value beyond the returned places.
"""

from __future__ import annotations

import json
from urllib.parse import unquote

from tredjepart.received.bodies import MAX_BODY, body_kind, decode_content, multipart_parts
from tredjepart.received.flatten import Flattener
from tredjepart.received.model import Place, RequestParts
from tredjepart.received.protobuf import decode_protobuf

MAX_HEADERS = 64
MAX_WEBSOCKET = 50
MAX_MESSAGE = 64 * 1024
_SKIP_HEADERS = frozenset({"host", "content-length", "content-type", "content-encoding", "connection", "accept",
                           "accept-encoding", "accept-language", "cache-control", "pragma", "te", "upgrade",
                           "sec-fetch-dest", "sec-fetch-mode", "sec-fetch-site", "sec-fetch-user", "priority",
                           "sec-websocket-key", "sec-websocket-version", "sec-websocket-extensions",
                           ":authority", ":method", ":path", ":scheme"})


def request_places(parts: RequestParts, *, protobuf: bool = False) -> list[Place]:
    """The decoded places of ``parts`` (see the module docstring); ``protobuf`` reads a binary body as one."""
    acc = Flattener()
    path, _, query = parts.target.partition("?")
    _path(acc, path)
    acc.query("query", query)
    cookies = []
    for name, value in parts.headers[:MAX_HEADERS]:
        low = name.lower()
        if low == "cookie":
            cookies.append(value)
        elif low not in _SKIP_HEADERS:
            acc.add("header", low, value)
    for header in cookies:
        for pair in header.split(";"):
            name, sep, value = pair.strip().partition("=")
            if sep:
                acc.add("cookie", name, value)
    if parts.body:
        _body(acc, parts.body, parts.header("content-type"), parts.header("content-encoding"), protobuf)
    if parts.location:
        acc.add("redirect", "location", parts.location)
    for message in parts.websocket[:MAX_WEBSOCKET]:
        text = message[:MAX_MESSAGE]
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace") if b"\x00" not in text else ""
        acc.add("websocket", "", text)
    return acc.places


def _path(acc: Flattener, path: str) -> None:
    acc.add("path", "", unquote(path))
    for segment in path.split("/"):
        if ";" in segment:  # DoubleClick: /activity;src=1;dc_rdid=... or /activity/src=1;type=...
            for param in segment.split(";"):
                name, sep, value = param.partition("=")
                if sep:
                    acc.add("path-param", unquote(name), unquote(value))


def _body(acc: Flattener, raw: bytes, ctype: str | None, encoding: str | None, protobuf: bool) -> None:
    data = decode_content(raw, encoding)
    if data is None:
        return
    if protobuf:
        message = decode_protobuf(data)
        if message is not None:
            acc.json("body", message, "", "", 1)
            return
    kind = body_kind(data, ctype)
    if kind == "multipart":
        for name, content, part_type in multipart_parts(data, ctype):
            if body_kind(content, part_type) != "binary":
                acc.add("body", name, content.decode("utf-8", "replace"))
        return
    if kind == "binary":
        return
    text = data.decode("utf-8", "replace")
    if kind == "form":
        acc.query("body", text.strip())
    elif kind == "json":
        _json_or_lines(acc, text)
    else:
        _lines(acc, text)


def _json_or_lines(acc: Flattener, text: str) -> None:
    try:
        acc.json("body", json.loads(text), "", "", 1)
        return
    except (ValueError, RecursionError):
        pass
    for line in text.splitlines()[:200]:  # newline-delimited JSON (Sentry envelopes)
        line = line.strip()
        if not line:
            continue
        try:
            acc.json("body", json.loads(line), "", "", 1)
        except (ValueError, RecursionError):
            acc.add("body", "", line)


def _lines(acc: Flattener, text: str) -> None:
    for line in text.splitlines()[:500]:
        line = line.strip()
        if not line:
            continue
        if "=" in line and " " not in line and not line.startswith(("{", "[")):
            acc.query("body", line)
        else:
            acc.add("body", "", line)


def parts_from_flow(flow) -> RequestParts:
    """The RequestParts of a mitmproxy HTTPFlow: request as sent, the response's Location, client WebSocket
    messages. Reads ``raw_content`` (still content-encoded): decoding happens, bounded, in ``request_places``."""
    req, resp = flow.request, flow.response
    headers = tuple((n.decode("latin-1"), v.decode("utf-8", "surrogateescape")) for n, v in req.headers.fields)
    location = None
    if resp is not None:
        location = resp.headers.get("location")
    messages: tuple = ()
    ws = getattr(flow, "websocket", None)
    if ws is not None:
        messages = tuple(m.content for m in ws.messages if m.from_client)[:MAX_WEBSOCKET]
    return RequestParts(
        method=req.method, host=req.pretty_host, target=req.path, headers=headers,
        body=(req.raw_content or b"")[:MAX_BODY], location=location, websocket=messages,
        scheme=req.scheme,
    )
