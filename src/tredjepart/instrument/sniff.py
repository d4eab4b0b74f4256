"""Reading the start of an HTML body the way a browser would, without decoding all of it.

The instrument goes into the page's bytes, so the proxy must know how the browser will decode them: a byte-order
mark first, then the charset of the Content-Type header, then a ``<meta charset>`` in the first 1024 bytes
(the HTML standard's prescan), else windows-1252. Markup is found in a *view*: a str over a bounded prefix in
which every character stands for one code unit, so an index maps straight back to a byte offset. For the
ASCII-compatible encodings the web uses (UTF-8, windows-125x, ISO-8859-x, Shift_JIS, EUC, GBK/GB18030, Big5),
no byte of a multi-byte character can be ``<``, ``>``, a quote or ``-``, so markup read byte by byte is markup.
UTF-16 is read unit by unit. Stateful encodings (ISO-2022-*, UTF-7, HZ) are not touched.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

MAX_SCAN = 64 * 1024  # bytes of a body that are ever looked at
PRESCAN = 1024  # where browsers look for <meta charset>

_STATEFUL = ("iso2022", "utf_7", "hz", "utf_32")
_META_CHARSET = re.compile(r"""<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([a-z0-9._:-]{1,40})""", re.I)
_CT_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([a-z0-9._:-]{1,40})""", re.I)


@dataclass(frozen=True, slots=True)
class View:
    text: str  # one character per code unit of the prefix; non-ASCII units are "\x80"
    base: int  # byte offset of text[0] (after a byte-order mark)
    unit: int  # bytes per code unit: 1, or 2 for UTF-16
    codec: str  # Python codec name of the body's encoding
    label: str  # the charset as the document or header named it
    source: str  # where the charset came from: "bom", "header", "meta" or "default"
    meta_end: int | None  # view index just after the <meta> that declared the charset (source "meta")
    complete: bool  # the view covers the whole body

    def offset(self, index: int) -> int:
        """The byte offset of view index ``index``."""
        return self.base + index * self.unit

    def encode(self, text: str) -> bytes:
        return text.encode(self.codec)


def _codec(label: str) -> str | None:
    try:
        return codecs.lookup(label.strip().lower()).name.replace("-", "_")
    except (LookupError, ValueError):
        return None


def header_charset(content_type: str | None) -> str | None:
    """The charset parameter of a Content-Type header value, or None."""
    if not content_type:
        return None
    _, _, params = content_type.partition(";")
    m = _CT_CHARSET.search(params)
    return m.group(1) if m else None


def meta_charset(prefix: bytes) -> tuple[str, int] | None:
    """(label, end offset) of the first <meta> declaring a charset in the first 1024 bytes (ASCII-compatible)."""
    m = _META_CHARSET.search(prefix[:PRESCAN].decode("latin-1"))
    if m is None:
        return None
    end = prefix.find(b">", m.end())
    return m.group(1), (end + 1 if 0 <= end < PRESCAN else m.end())


def view(body: bytes, content_type: str | None = None) -> View | None:
    """A view of the start of ``body``, or None when its encoding cannot be edited safely."""
    prefix = body[:MAX_SCAN]
    complete = len(body) <= MAX_SCAN
    if prefix.startswith(b"\xef\xbb\xbf"):
        return _byte_view(prefix, 3, "utf-8", "utf-8", "bom", None, complete)
    if prefix.startswith((b"\xff\xfe", b"\xfe\xff")):
        codec = "utf_16_le" if prefix[0] == 0xFF else "utf_16_be"
        return _utf16_view(prefix, 2, codec, "bom", complete)
    label = header_charset(content_type)
    codec = _codec(label) if label else None
    if codec:
        if codec.startswith("utf_16"):
            return _utf16_view(prefix, 0, "utf_16_be" if codec.endswith("be") else "utf_16_le", "header", complete)
        return _byte_view(prefix, 0, codec, label, "header", None, complete)
    found = meta_charset(prefix)
    if found and (codec := _codec(found[0])):
        if codec.startswith("utf_16"):  # the HTML standard: a <meta> naming UTF-16 means UTF-8
            codec = "utf-8"
        return _byte_view(prefix, 0, codec, found[0], "meta", found[1], complete)
    return _byte_view(prefix, 0, "cp1252", "windows-1252", "default", None, complete)


def _byte_view(prefix: bytes, base: int, codec: str, label: str, source: str, meta_end: int | None,
               complete: bool) -> View | None:
    name = codecs.lookup(codec).name.replace("-", "_")
    if name.startswith(_STATEFUL) or "<script>\n".encode(name, "replace") != b"<script>\n":
        return None
    text = prefix[base:].decode("latin-1")
    end = None if meta_end is None else meta_end - base
    return View(text, base, 1, name, label, source, end, complete)


def _utf16_view(prefix: bytes, base: int, codec: str, source: str, complete: bool) -> View:
    units = prefix[base:]
    units = units[: len(units) // 2 * 2]
    low, high = (units[0::2], units[1::2]) if codec == "utf_16_le" else (units[1::2], units[0::2])
    ascii_units = bytes(lo if hi == 0 and lo < 0x80 else 0x80 for lo, hi in zip(low, high))
    return View(ascii_units.decode("latin-1"), base, 2, codec, codec, source, None, complete)


_HTML_START = re.compile(r"[\t\n\f\r ]*<(?:[a-z]|!|\?)", re.I)
_DOCUMENT_MARK = re.compile(r"<(?:!doctype\s+html|html[\s>/]|head[\s>/]|body[\s>/])", re.I)


def looks_like_html(v: View, *, need_document_mark: bool) -> bool:
    """Whether the view reads as HTML: no NUL (binary), and a doctype, ``<html>``, ``<head>`` or ``<body>`` in it, or
    (unless ``need_document_mark``: a response nothing says is a document) at least markup first. A JSON or
    plain-text body sent as text/html is not HTML."""
    text = v.text
    if "\x00" in text[:1024]:
        return False
    if _DOCUMENT_MARK.search(text):
        return True
    return not need_document_mark and _HTML_START.match(text) is not None
