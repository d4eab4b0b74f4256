"""Values from traffic made storable: what SQLite refuses is turned, at the one place every row passes, into what
it takes, losing as little as possible.

Traffic is hostile and sloppy. Header values are decoded with ``surrogateescape`` (observe.headers), so a
non-UTF-8 byte in a cookie name, a User-Agent or a Host becomes a lone surrogate, which Python's sqlite3 refuses to
bind; a number read from a header or a status line can be larger than SQLite's 64-bit INTEGER. Either used to make
SQLite refuse a whole batch of rows. Here:

- text with lone surrogates keeps every valid character; each undecodable byte becomes ``\\xNN`` (the escape Python
  itself prints), and any other lone surrogate ``\\udNNN``; nothing is dropped, and the result is valid UTF-8;
- an integer beyond 64 bits is clamped to the nearest 64-bit value (``INT_MIN``/``INT_MAX``), which for a cookie's
  lifetime is what RFC 6265 section 5.2.2 asks anyway (the latest representable time);
- a float that is not a number becomes NULL (SQLite would store NULL for it too, silently).

``storable`` is called on every value the writer binds (store.writer).
"""

from __future__ import annotations

import math

INT_MAX = (1 << 63) - 1
INT_MIN = -(1 << 63)


def storable_text(text: str) -> str:
    """``text`` as valid UTF-8 text: undecodable bytes (lone surrogates) escaped as ``\\xNN``."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        pass
    try:  # surrogateescape'd bytes (U+DC80..U+DCFF) back to the bytes they stood for
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # other lone surrogates (from JSON "\ud800" escapes): name them
        raw = text.encode("utf-8", "backslashreplace")
    return raw.decode("utf-8", "backslashreplace")


def storable_int(number: int) -> int:
    """``number`` clamped to SQLite's 64-bit INTEGER range."""
    if INT_MIN <= number <= INT_MAX:
        return number
    return INT_MAX if number > 0 else INT_MIN


def storable(value):
    """Any value of a row, made bindable by sqlite3 (see the module's docstring); others pass unchanged."""
    kind = type(value)
    if kind is str:
        return value if value.isascii() else storable_text(value)
    if kind is int:
        return value if INT_MIN <= value <= INT_MAX else storable_int(value)
    if kind is float:
        return None if math.isnan(value) else value
    return value


def storable_row(values) -> tuple:
    """A row's values, each made storable."""
    return tuple(map(storable, values))
