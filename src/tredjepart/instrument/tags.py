"""Just enough of the HTML tokenizer to edit the start of a page safely: comments, start tags with their
attributes (a ``>`` inside a quoted value is not a tag end), and the head's elements with their raw-text content
skipped (a ``<meta>`` written inside a script's string is not a ``<meta>``).

Everything works on a sniff.View's text (one character per code unit, markup in ASCII) and never looks past its
end: what is not complete in the view is reported as unknown (None), never guessed.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

WS = "\t\n\f\r "
NAME = re.compile(r"[A-Za-z][^\t\n\f\r />]*")
_ATTR_NAME = re.compile(r"[^\t\n\f\r />][^\t\n\f\r /=>]*")
RAW_TEXT = frozenset({"script", "style", "title", "textarea", "noscript", "template", "xmp", "noframes"})
HEAD_ELEMENTS = frozenset({"meta", "link", "base", "title", "style", "script", "noscript", "template", "basefont",
                           "bgsound"})


@dataclass(frozen=True, slots=True)
class Attr:
    name: str  # lower case
    value: str  # entities decoded
    start: int  # view index of the raw value (inside the quotes), or of where it would go
    end: int


@dataclass(frozen=True, slots=True)
class Tag:
    name: str  # lower case
    start: int  # index of "<"
    end: int  # index after ">"
    attrs: tuple[Attr, ...]

    def attr(self, name: str) -> Attr | None:
        return next((a for a in self.attrs if a.name == name), None)  # the first wins, as in the parser


def comment_end(text: str, i: int) -> int | None:
    """Index after the comment whose ``<!--`` ends at ``i`` (``<!-->`` and ``<!--->`` close at once)."""
    if text.startswith(">", i):
        return i + 1
    if text.startswith("->", i):
        return i + 2
    ends = [e + len(tok) for tok in ("-->", "--!>") if (e := text.find(tok, i)) >= 0]
    return min(ends) if ends else None


def start_tag(text: str, i: int) -> Tag | None:
    """The start tag at ``i`` (``text[i] == "<"``), or None when there is none or it does not end in the view."""
    m = NAME.match(text, i + 1)
    if m is None:
        return None
    j, n, attrs = m.end(), len(text), []
    while j < n:
        c = text[j]
        if c in WS or c == "/":
            j += 1
            continue
        if c == ">":
            return Tag(m.group().lower(), i, j + 1, tuple(attrs))
        a = _ATTR_NAME.match(text, j)
        name, j = a.group().lower(), a.end()
        while j < n and text[j] in WS:
            j += 1
        if j >= n or text[j] != "=":
            attrs.append(Attr(name, "", j, j))
            continue
        j += 1
        while j < n and text[j] in WS:
            j += 1
        if j >= n:
            return None
        if text[j] in "\"'":
            close = text.find(text[j], j + 1)
            if close < 0:
                return None
            attrs.append(Attr(name, html.unescape(text[j + 1:close]), j + 1, close))
            j = close + 1
            continue
        k = j
        while k < n and text[k] not in WS and text[k] != ">":
            k += 1
        attrs.append(Attr(name, html.unescape(text[j:k]), j, k))
        j = k
    return None


def head_tags(text: str, i: int):
    """The start tags of the document head from ``i`` on (Tag), until the head ends: ``</head>``, ``<body>``, any
    element that does not belong in a head, text, or the end of the view. Raw-text content is skipped."""
    n = len(text)
    while i < n:
        while i < n and text[i] in WS:
            i += 1
        if i >= n or text[i] != "<":
            return
        if text.startswith("<!--", i):
            end = comment_end(text, i + 4)
            if end is None:
                return
            i = end
            continue
        if text.startswith(("<!", "<?", "</"), i):
            if text[i + 1:i + 6].lower() == "/head":
                return
            end = text.find(">", i + 2)
            if end < 0:
                return
            i = end + 1
            continue
        tag = start_tag(text, i)
        if tag is None or tag.name not in HEAD_ELEMENTS and tag.name not in ("html", "head"):
            return
        yield tag
        i = tag.end
        if tag.name in RAW_TEXT:
            close = _raw_text_end(text, i, tag.name)
            if close is None:
                return
            i = close


def _raw_text_end(text: str, i: int, name: str) -> int | None:
    """Index after ``</name>`` closing raw text that starts at ``i`` (case-insensitive)."""
    m = re.compile(rf"</{name}[\t\n\f\r />]", re.I).search(text, i)
    if m is None:
        return None
    end = text.find(">", m.end() - 1)
    return end + 1 if end >= 0 else None
