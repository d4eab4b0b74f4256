"""A HAR file read entry by entry, in bounded memory.

``json.load`` of a HAR holds the whole document and then every flow made from it: 539 MB for a 100,000-entry HAR,
3.9 GB for a million. Here the document's outer structure (``{"log": {..., "entries": [...]}}``) is walked by hand
and each entry is parsed on its own by the C scanner of Python's ``json`` (``raw_decode``), so memory is bounded by
the largest single entry, whatever the number of entries, and one entry that is not valid JSON is skipped (its
end found by matching brackets) instead of ending the file. (``ijson``, the usual streaming parser, was tried and
left out: its C backend crashes the process on a 5,000-digit number, refuses any integer over 64 bits, such as
the status of a hostile ``HTTP/1.1 99999999999999999999`` that mitmproxy's own HAR export writes as a number,
and raises on a lone surrogate escape; it is also about twice as slow.)

Numbers too long for Python's ``int`` stay text, ``NaN``/``Infinity`` (written by Python's ``json.dumps``) become
null, raw control characters in strings are accepted. ``log.pages`` go to ``on_page`` wherever they are (Chrome
and most tools write them before the entries, Splash after).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from tredjepart.record.hartext import json_text

CHUNK = 1 << 16  # characters read at a time
MAX_VALUE = 256 << 20  # characters of one entry held at once; a larger one ends the file
_WS = re.compile(r"[ \t\n\r]*")
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{},]|"')


def _int(text: str) -> int | str:
    return int(text) if len(text) <= 4000 else text  # Python refuses to read longer integers


_DECODER = json.JSONDecoder(strict=False, parse_int=_int, parse_constant=lambda name: None)


class HarError(ValueError):
    """The file is not a HAR, or cannot be read past some point; the message says which and where."""


@dataclass(frozen=True, slots=True)
class BrokenEntry:
    """An entry that is not valid JSON (the file goes on after it)."""

    reason: str


def har_entries(stream: BinaryIO, on_page: Callable[[object], None] = lambda page: None,
                chunk: int = CHUNK) -> Iterator[object]:
    """Each item of ``log.entries`` (a dict, unless the file is odd, or a BrokenEntry), in file order. Raises
    HarError when the file holds no ``log.entries``, or cannot be read on (after yielding what came before)."""
    text = _Text(json_text(stream, chunk), chunk)
    if text.peek() != "{":
        raise HarError("JSON but not a HAR file (the document is not an object with a 'log')" if text.peek()
                       else "empty file, not a capture")
    found_log = found_entries = False
    for key in text.members():
        if key != "log" or text.peek() != "{":
            text.item()
            continue
        found_log = True
        for name in text.members():
            if name in ("entries", "pages") and text.peek() == "[":
                found_entries |= name == "entries"
                for item in text.items():
                    if name == "entries":
                        yield item
                        text.count += 1
                    elif not isinstance(item, BrokenEntry):
                        on_page(item)
            else:
                text.item()
    if not found_entries:
        raise HarError("JSON but not a HAR file (" + ("no log.entries list)" if found_log else "no 'log' object)"))


class _Text:
    """The document's characters, read as needed; ``pos`` is where reading stands."""

    def __init__(self, chunks: Iterator[str], chunk: int) -> None:
        self.chunks, self.chunk = chunks, chunk
        self.buf, self.pos = "", 0
        self.eof = False
        self.lines = 0  # newlines in the text already dropped from the buffer
        self.column = 0  # characters on the buffer's first line that were dropped
        self.count = 0  # entries yielded, for messages

    def more(self, at_least: int = 1) -> bool:
        """Read at least ``at_least`` more characters (fewer at the end); False when there are none. Positions
        in the buffer stay valid (only ``peek`` drops what has been read)."""
        if len(self.buf) - self.pos > MAX_VALUE:
            raise HarError(f"an entry larger than {MAX_VALUE >> 20} M characters at {self.where()}; "
                           "not read further")
        added = []
        size = 0
        while size < at_least and not self.eof:
            piece = next(self.chunks, None)
            if piece is None:
                self.eof = True
            else:
                added.append(piece)
                size += len(piece)
        self.buf += "".join(added)
        return size > 0

    def where(self, pos: int | None = None) -> str:
        pos = self.pos if pos is None else pos
        newline = self.buf.rfind("\n", 0, pos)
        column = pos - newline if newline >= 0 else self.column + pos + 1
        return f"line {self.lines + self.buf.count(chr(10), 0, pos) + 1} column {column}{self.after()}"

    def after(self, joint: str = ",") -> str:
        return f"{joint} after {self.count} {'entry' if self.count == 1 else 'entries'}" if self.count else ""

    def peek(self) -> str:
        """The next character that is not white space ("" at the end)."""
        if self.pos > (1 << 20) or self.pos > len(self.buf) // 2:  # drop what has been read
            newlines = self.buf.count("\n", 0, self.pos)
            self.lines += newlines
            self.column = self.pos - self.buf.rfind("\n", 0, self.pos) - 1 if newlines else self.column + self.pos
            self.buf, self.pos = self.buf[self.pos:], 0
        while True:
            self.pos = _WS.match(self.buf, self.pos).end()
            if self.pos < len(self.buf) or not self.more(self.chunk):
                return self.buf[self.pos:self.pos + 1]

    def expect(self, char: str) -> None:
        found = self.peek()
        if found != char:
            if not found:
                raise HarError(f"the JSON ends early{self.after("")} (a truncated HAR?)")
            raise HarError(f"not valid JSON at {self.where()}: expected {char!r}")
        self.pos += 1

    def members(self) -> Iterator[str]:
        """The keys of the object that starts here; the caller reads each value before asking for the next key."""
        self.expect("{")
        if self.peek() == "}":
            self.pos += 1
            return
        while True:
            if self.peek() != '"':
                self.expect('"')
            try:
                key = self.value()
            except json.JSONDecodeError as e:
                raise HarError(f"the JSON ends early{self.after('')} (a truncated HAR?)" if self.eof else
                               f"not valid JSON at {self.where(e.pos)} ({e.msg})") from None
            self.expect(":")
            yield key
            if self.peek() == "}":
                self.pos += 1
                return
            self.expect(",")

    def items(self) -> Iterator[object]:
        """The items of the array that starts here."""
        self.expect("[")
        while self.peek() != "]":
            yield self.item()
            if self.peek() == "]":
                break
            self.expect(",")
        self.pos += 1

    def item(self) -> object:
        """One value, or a BrokenEntry when it is not valid JSON but its end can be found."""
        self.peek()
        start = self.pos
        try:
            return self.value()
        except (json.JSONDecodeError, RecursionError) as e:
            why = "nested too deeply" if isinstance(e, RecursionError) else e.msg
            where = self.where(getattr(e, "pos", start))
            if not self.skip(start):
                if self.eof:
                    raise HarError(f"the JSON ends early{self.after("")} (a truncated HAR?)") from None
                raise HarError(f"not valid JSON at {where} ({why}); not read further") from None
            return BrokenEntry(f"not valid JSON ({why})")

    def value(self) -> object:
        """One complete JSON value at ``pos`` (after ``peek``); reads more text until it is complete."""
        while True:
            try:
                value, end = _DECODER.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as e:
                cut = e.msg.startswith("Unterminated string") or e.pos >= len(self.buf) - 8
                if cut and self.more(max(self.chunk, len(self.buf) - self.pos)):
                    continue
                raise
            if end == len(self.buf) and not self.eof and self.more(self.chunk):
                continue  # a number may go on in the next chunk
            self.pos = end
            return value

    def skip(self, start: int) -> bool:
        """Move past the value at ``start`` by matching brackets; False when its end cannot be found."""
        self.pos = start
        depth, scanned = 0, 0  # how far past ``pos`` the scan has got
        while True:
            for token in _TOKEN.finditer(self.buf, self.pos + scanned):
                t = token.group()
                if t == '"':  # a string that goes on past the buffer: read more, scan on from its start
                    scanned = token.start() - self.pos
                    break
                if t[0] == '"':
                    continue
                if t in "[{":
                    depth += 1
                elif t in "]}":
                    depth -= 1
                    if depth <= 0:  # the end of this value, or of the array around a scalar
                        self.pos = token.end() if depth == 0 else token.start()
                        return True
                elif depth == 0:  # "," after a scalar
                    self.pos = token.start()
                    return True
            else:
                scanned = len(self.buf) - self.pos
            if not self.more(max(self.chunk, scanned)):
                return False
