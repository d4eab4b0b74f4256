"""Request bodies as text a scanner can read: content-encodings undone (gzip, deflate, br, and gzip data sent
without saying so), the kind of body told from its content type and its first bytes, multipart split into parts.

Bounded: at most ``MAX_BODY`` bytes of a body are read, at most ``MAX_DECODED`` bytes come out of decompression
(a zip bomb stops there), and a body that is not text (NUL bytes, or invalid UTF-8 in more than a few places) is
reported as binary and skipped, unless a decoder asks for protobuf.
"""

from __future__ import annotations

import re
import zlib

MAX_BODY = 256 * 1024
MAX_DECODED = 1024 * 1024
MAX_PARTS = 32  # multipart parts read
_GZIP_MAGIC = b"\x1f\x8b"
_BOUNDARY = re.compile(r'boundary="?([^";]{1,200})"?', re.I)


def decode_content(body: bytes, content_encoding: str | None) -> bytes | None:
    """The body with its content-encodings undone (and gzip sniffed when undeclared); None when it cannot be."""
    data = body[:MAX_BODY]
    for coding in reversed([c.strip().lower() for c in (content_encoding or "").split(",") if c.strip()]):
        if coding == "identity":
            continue
        data = _decompress(data, coding)
        if data is None:
            return None
    if data.startswith(_GZIP_MAGIC):
        unzipped = _decompress(data, "gzip")
        if unzipped is not None:
            data = unzipped
    return data


def _decompress(data: bytes, coding: str) -> bytes | None:
    try:
        if coding in ("gzip", "x-gzip"):
            return _zlib(data, 16 + zlib.MAX_WBITS)
        if coding == "deflate":
            try:
                return _zlib(data, zlib.MAX_WBITS)
            except zlib.error:
                return _zlib(data, -zlib.MAX_WBITS)  # raw deflate, as some clients send it
        if coding == "br":
            import brotli

            try:
                out = brotli.Decompressor().process(data, output_buffer_limit=MAX_DECODED)
            except TypeError:  # pragma: no cover - brotli before 1.2 cannot bound its output
                return None
            return out[:MAX_DECODED]
    except Exception:  # noqa: BLE001 - a body we cannot decode is a body we do not read
        return None
    return None


def _zlib(data: bytes, wbits: int) -> bytes:
    d = zlib.decompressobj(wbits)
    return d.decompress(data, MAX_DECODED)


def body_kind(data: bytes, content_type: str | None) -> str:
    """"form", "json", "multipart", "text" or "binary" for a decoded body."""
    ctype = (content_type or "").split(";")[0].strip().lower()
    if ctype.startswith("multipart/"):
        return "multipart"
    if b"\x00" in data[:4096]:
        return "binary"
    head = data[:64].lstrip()
    if ctype.endswith("json") or head[:1] in (b"{", b"["):
        return "json"
    if ctype == "application/x-www-form-urlencoded":
        return "form"
    text = data[:4096].decode("utf-8", "replace")
    if text.count("\ufffd") > 4:
        return "binary"
    return "text"


def multipart_parts(data: bytes, content_type: str | None) -> list[tuple[str, bytes, str | None]]:
    """(field name, content, content type) of each part of a multipart body, at most MAX_PARTS."""
    m = _BOUNDARY.search(content_type or "")
    if not m:
        return []
    delimiter = b"--" + m.group(1).encode("latin-1", "replace")
    out = []
    for chunk in data.split(delimiter)[1:MAX_PARTS + 1]:
        if chunk.startswith(b"--"):
            break
        head, _, content = chunk.lstrip(b"\r\n").partition(b"\r\n\r\n")
        headers = head.decode("latin-1").lower()
        name = re.search(r'name="([^"]{0,100})"', head.decode("utf-8", "replace"))
        ctype = re.search(r"content-type:\s*([^\r\n]+)", headers)
        out.append((name.group(1) if name else "", content.removesuffix(b"\r\n"), ctype.group(1) if ctype else None))
    return out
