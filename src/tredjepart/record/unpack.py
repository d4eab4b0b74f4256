"""Opening a capture: undo its compression and tell what it is, from its bytes rather than its name.

Producers and people name files freely: a gzip-compressed HAR may be ``.har.gz``, ``.har`` or have no extension
(Browsertime, sitespeed.io), mitmproxy's compressed HAR is ``.zhar`` (zlib), a mitmproxy dump is ``.mitm``,
``.flows`` or has no extension at all. So the gzip magic and a valid zlib header are sniffed, and the
decompressed text is classified by its first bytes: JSON (with a byte order mark, UTF-16 or a JSONP wrapper)
is a HAR, a tnetstring length prefix is a mitmproxy flow file. Decompression streams: no whole file in memory.
"""

from __future__ import annotations

import codecs
import gzip
import io
import re
import zlib
from typing import BinaryIO

HEAD = 4096
_JSONP = re.compile(rb"[A-Za-z_$][\w$.]{0,200}\s*\(")


class _Zlib(io.RawIOBase):
    """A zlib stream, decompressed as it is read (at most 1 MiB of output at a time)."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.z = zlib.decompressobj()
        self.buffer = b""
        self.at = 0

    def readable(self) -> bool:
        return True

    def readinto(self, target) -> int:
        while self.at >= len(self.buffer):
            if self.z.eof:
                return 0
            data = self.z.unconsumed_tail or self.raw.read(1 << 16)
            if not data:
                raise EOFError("the compressed data ends early")
            self.buffer, self.at = self.z.decompress(data, 1 << 20), 0
        n = min(len(target), len(self.buffer) - self.at)
        target[:n] = self.buffer[self.at:self.at + n]
        self.at += n
        return n


class Prefixed:
    """A stream whose first bytes were already read (to sniff them): they come first, then the rest."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        self.head, self.rest = head, rest

    def read(self, n: int = -1) -> bytes:
        if self.head:
            if n < 0:
                data, self.head = self.head + self.rest.read(), b""
                return data
            data, self.head = self.head[:n], self.head[n:]
            return data if len(data) == n else data + self.rest.read(n - len(data))
        return self.rest.read(n)

    def close(self) -> None:
        self.rest.close()


def _is_zlib(head: bytes) -> bool:
    return len(head) >= 2 and head[0] & 0x0F == 8 and head[0] >> 4 <= 7 and (head[0] << 8 | head[1]) % 31 == 0


def open_capture(raw: BinaryIO) -> tuple[str, str, Prefixed]:
    """(kind, compression, stream) for an open file: kind "har", "mitm", "empty" or "unknown"; compression
    "gzip", "zlib" or "". Raises OSError, EOFError or zlib.error when the compressed data is broken."""
    head = raw.read(HEAD)
    compression = ""
    stream: BinaryIO = raw
    if head[:2] == b"\x1f\x8b":
        compression, stream = "gzip", gzip.GzipFile(fileobj=Prefixed(head, raw))  # type: ignore[arg-type]
    elif _is_zlib(head):
        try:
            zlib.decompressobj().decompress(head, 64)
            compression = "zlib"
            stream = io.BufferedReader(_Zlib(Prefixed(head, raw)))  # type: ignore[arg-type]
        except zlib.error:
            pass
    if compression:
        head = stream.read(HEAD)
    return kind_of(head), compression, Prefixed(head, stream)


def kind_of(head: bytes) -> str:
    """What the first bytes of a (decompressed) capture say it is."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or head[:2] in (b"{\x00", b"\x00{"):
        return "har"  # UTF-16 JSON
    text = head.removeprefix(codecs.BOM_UTF8).lstrip()
    if not text:
        return "empty"
    if text[:1] in (b"{", b"["):
        return "har"
    if text[:1].isdigit() and head[:1].isdigit():
        return "mitm"
    if _JSONP.match(text):
        return "har"
    return "unknown"
