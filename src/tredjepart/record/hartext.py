"""The characters of a HAR file, whatever its encoding and wrapping.

Real HAR files are not all plain UTF-8 JSON: some start with a UTF-8 byte order mark (Fiddler, HarSharp, some
Chrome exports), Windows tools may write UTF-16, a capture can hold a byte that is not UTF-8 (replaced by U+FFFD
rather than ending the file), and HAR Viewer's .harp files wrap the JSON in a JSONP call, ``onInputData({...});``
(the reader stops after the top-level object, so the closing ``);`` needs no handling).
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from typing import BinaryIO

_JSONP = re.compile(r"\s*[A-Za-z_$][\w$.]{0,200}\s*\(")


def encoding_of(head: bytes) -> str:
    """The text encoding of a JSON document from its first bytes: UTF-16 by its BOM or NUL pattern, else UTF-8."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if len(head) >= 2 and head[1:2] == b"\x00" and head[:1] != b"\x00":
        return "utf-16-le"
    if len(head) >= 2 and head[:1] == b"\x00" and head[1:2] != b"\x00":
        return "utf-16-be"
    return "utf-8-sig"


def json_text(stream: BinaryIO, chunk: int) -> Iterator[str]:
    """The document's text in pieces of about ``chunk`` characters, without BOM or JSONP wrapper."""
    first = stream.read(max(chunk, 4096))  # enough to see a BOM and a JSONP wrapper whole
    decoder = codecs.getincrementaldecoder(encoding_of(first))("replace")
    text = decoder.decode(first)
    wrapper = _JSONP.match(text) if text.lstrip()[:1] not in ("{", "[") else None
    if wrapper:
        text = text[wrapper.end():]
    while True:
        if text:
            yield text
        data = stream.read(chunk)
        if not data:
            break
        text = decoder.decode(data)
    rest = decoder.decode(b"", final=True)
    if rest:
        yield rest
