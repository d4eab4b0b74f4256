"""Bodies of a HAR entry as bytes, bounded.

HAR keeps a body as text (``content.text``, ``postData.text``), base64 when ``encoding`` says so (Chrome, Fiddler,
Firefox, Splash, ZAP), or, for a form, only as its fields (``postData.params`` with no ``text``: Firebug, Charles,
chrome-har, Advanced REST Client), from which the urlencoded or multipart body is rebuilt. A body longer than
``BODY_LIMIT`` is cut there, and the cut is said in the flow's notes, so no single entry can fill the memory of
the flows that follow it (the analysis only fingerprints bodies and reads the first bytes of images).
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from urllib.parse import quote_plus

from mitmproxy.net.http.headers import infer_content_encoding

BODY_LIMIT = 1 << 20  # bytes of one body kept
_B64_LIMIT = (BODY_LIMIT + 2) // 3 * 4  # base64 characters that decode to BODY_LIMIT bytes
_SPACE = re.compile(r"\s+")
_BOUNDARY = re.compile(r"boundary=(?:\"([^\"]{1,200})\"|([^;\s]{1,200}))", re.I)
MAX_PARAMS = 10_000


@dataclass(frozen=True, slots=True)
class Body:
    data: bytes = b""
    note: str | None = None  # what was done to it (cut, rebuilt, dropped), for the flow's notes


def to_bytes(text: str, charset: str = "utf-8") -> bytes:
    """``text`` in ``charset``, else UTF-8; lone surrogates (a JSON "\\udc80" escape) included."""
    if charset != "utf-8":
        try:
            return text.encode(charset)
        except (UnicodeError, LookupError):
            pass
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass")


def charset_of(content_type: object) -> str:
    """The charset a text body was in on the wire, as mitmproxy infers it (declared, else by type, else
    latin-1), so a body rebuilt from HAR text has the bytes and size it had."""
    try:
        return infer_content_encoding(content_type if isinstance(content_type, str) else "") or "utf-8"
    except Exception:  # noqa: BLE001 - a hostile Content-Type must not cost the entry
        return "utf-8"


def request_body(post: object, content_type: str | None = None) -> Body:
    """The request body of a ``postData`` object (absent, null and ``{}`` are an empty body); ``content_type``
    is the request's Content-Type header."""
    if not isinstance(post, dict):
        return Body()
    text = post.get("text")
    if isinstance(text, str) and text:
        return _decoded(text, post.get("encoding"), "request", charset_of(content_type or post.get("mimeType")))
    params = post.get("params")
    if isinstance(params, list) and params:
        mime = post.get("mimeType") if isinstance(post.get("mimeType"), str) else ""
        return _from_params(params, mime)
    return Body()


def response_body(content: object, content_type: str | None = None) -> Body:
    """The response body of a ``content`` object; ``content_type`` is the response's Content-Type header."""
    if not isinstance(content, dict):
        return Body()
    text = content.get("text")
    if isinstance(text, str) and text:
        return _decoded(text, content.get("encoding"), "response",
                        charset_of(content_type or content.get("mimeType")))
    if isinstance(content.get("_file"), str):
        return Body(note="response body kept in a side file of the HAR, not read")
    return Body()


def _decoded(text: str, encoding: object, which: str, charset: str) -> Body:
    if isinstance(encoding, str) and encoding.strip().lower() == "base64":
        return _base64(text, which)
    if len(text) > BODY_LIMIT:  # a character is at least one byte: cut before encoding
        data = to_bytes(text[:BODY_LIMIT], charset)[:BODY_LIMIT]
        return Body(data, f"{which} body cut to {len(data)} of at least {len(text)} bytes")
    data = to_bytes(text, charset)
    if len(data) > BODY_LIMIT:
        return Body(data[:BODY_LIMIT], f"{which} body cut to {BODY_LIMIT} of {len(data)} bytes")
    return Body(data)


def _base64(text: str, which: str) -> Body:
    cut = len(text) > _B64_LIMIT
    chars = _SPACE.sub("", text[:_B64_LIMIT] if cut else text)  # line breaks, as some producers wrap it
    if cut:
        chars = chars[: len(chars) // 4 * 4]
    chars = chars.rstrip("=")
    chars += "=" * (-len(chars) % 4)
    try:
        data = base64.b64decode(chars.replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError):
        return Body(note=f"{which} body is not valid base64: left out")
    if cut:
        return Body(data[:BODY_LIMIT], f"{which} body cut to {min(len(data), BODY_LIMIT)} of about "
                                       f"{len(text.rstrip('=')) * 3 // 4} bytes")
    return Body(data)


def _from_params(params: list, mime: str) -> Body:
    """A form body rebuilt from its fields: multipart when the MIME type says so, else urlencoded."""
    fields = [(as_text(p.get("name")), p) for p in params[:MAX_PARAMS] if isinstance(p, dict)]
    if mime.lower().startswith("multipart/"):
        found = _BOUNDARY.search(mime)
        boundary = (found.group(1) or found.group(2)) if found else "tredjepart-rebuilt-boundary"
        parts = []
        for name, p in fields:
            disposition = f'form-data; name="{_quoted(name)}"'
            if isinstance(p.get("fileName"), str):
                disposition += f'; filename="{_quoted(p["fileName"])}"'
            head = f"--{boundary}\r\nContent-Disposition: {disposition}\r\n"
            if isinstance(p.get("contentType"), str) and p["contentType"]:
                head += f"Content-Type: {p['contentType']}\r\n"
            parts.append(to_bytes(head + "\r\n" + as_text(p.get("value")) + "\r\n"))
        data = b"".join(parts) + to_bytes(f"--{boundary}--\r\n")
    else:
        data = to_bytes("&".join(f"{quote_plus(to_bytes(n))}={quote_plus(to_bytes(as_text(p.get('value'))))}"
                                 for n, p in fields))
    note = f"request body rebuilt from {len(fields)} postData.params (the HAR has no postData.text)"
    if len(data) > BODY_LIMIT:
        return Body(data[:BODY_LIMIT], note + f", cut to {BODY_LIMIT} of {len(data)} bytes")
    return Body(data, note)


def as_text(value: object) -> str:
    """A JSON scalar as text (numbers as written, null and containers as ""); never raises."""
    if isinstance(value, str):
        return value
    if value is None or isinstance(value, (dict, list)):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    try:
        return str(value)
    except ValueError:  # an integer with more digits than Python will print
        return ""


def _quoted(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\r", " ").replace("\n", " ")
