"""Image dimensions from the first bytes of a body (GIF, PNG, WebP, JPEG headers); an image is never decoded."""

from __future__ import annotations

import struct

from mitmproxy import http

IMAGE_HEAD = 64 * 1024  # bytes of a response body read for image headers


def image_head(resp: http.Response) -> bytes:
    """The first IMAGE_HEAD bytes of a response body, decoded where it is compressed (small bodies only)."""
    if "content-encoding" not in resp.headers:
        return resp.raw_content[:IMAGE_HEAD]
    if len(resp.raw_content) > 1024 * 1024:
        return b""
    return (resp.get_content(strict=False) or b"")[:IMAGE_HEAD]


def image_size(head: bytes) -> tuple[str | None, int | None, int | None]:
    """(format, width, height) from the first bytes of an image; (None, None, None) when not recognised."""
    try:
        if head[:6] in (b"GIF87a", b"GIF89a") and len(head) >= 10:
            w, hgt = struct.unpack("<HH", head[6:10])
            return "gif", w, hgt
        if head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR" and len(head) >= 24:
            w, hgt = struct.unpack(">II", head[16:24])
            return "png", w, hgt
        if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
            return _webp(head)
        if head[:2] == b"\xff\xd8":
            return _jpeg(head)
    except struct.error:
        pass
    return None, None, None


def _webp(head: bytes) -> tuple[str | None, int | None, int | None]:
    chunk = head[12:16]
    if chunk == b"VP8 " and len(head) >= 30 and head[23:26] == b"\x9d\x01\x2a":
        w, hgt = struct.unpack("<HH", head[26:30])
        return "webp", w & 0x3FFF, hgt & 0x3FFF
    if chunk == b"VP8L" and len(head) >= 25 and head[20] == 0x2F:
        bits = int.from_bytes(head[21:25], "little")
        return "webp", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X" and len(head) >= 30:
        return "webp", int.from_bytes(head[24:27], "little") + 1, int.from_bytes(head[27:30], "little") + 1
    return "webp", None, None


_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def _jpeg(head: bytes) -> tuple[str | None, int | None, int | None]:
    i, n = 2, len(head)
    while i + 4 <= n:
        if head[i] != 0xFF:
            return "jpeg", None, None
        marker = head[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        length = struct.unpack(">H", head[i + 2:i + 4])[0]
        if marker in _SOF and i + 9 <= n:
            hgt, w = struct.unpack(">HH", head[i + 5:i + 9])
            return "jpeg", w, hgt
        if length < 2:
            break
        i += 2 + length
    return "jpeg", None, None
