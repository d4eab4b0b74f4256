"""Putting the instrument into an HTML response body: first in ``<head>``, so it runs before any script of the page.

Pure functions on bytes. Only a bounded prefix is read (sniff.MAX_SCAN); the rest of the body is copied as it
is. The insertion point is found the way the HTML parser would: past a byte-order mark, whitespace, comments,
the doctype and processing instructions, past ``<html ...>``; right after ``<head ...>`` when that comes next,
else before whatever comes first (an element or text: the parser then opens the head for our script itself).
Tags are read with the tokenizer's attribute rules, so a ``>`` inside a quoted attribute value is not a tag end.

A charset declared by ``<meta>`` must stay within the first 1024 bytes for the browser to see it; when the
instrument goes in before that ``<meta>``, the same declaration is repeated in front of it. Nothing else of the
page changes: no attribute, no Subresource Integrity, no header (the caller adjusts CSP, see csp.py).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass

from tredjepart.instrument.sniff import View, looks_like_html, view
from tredjepart.instrument.tags import NAME, WS, Attr, comment_end, head_tags, start_tag

DOCUMENT_DESTS = frozenset({"document", "iframe", "frame", "embed", "object"})  # Sec-Fetch-Dest of a document
_LABEL = re.compile(r"^[A-Za-z0-9._:-]{1,40}$")
_HTTP_EQUIV = re.compile(r"http-equiv", re.I)


@dataclass(frozen=True, slots=True)
class Injection:
    body: bytes  # the new body; the original itself when nothing was injected
    injected: bool
    reason: str  # where it went ("head", "document-start"), or why not (SKIP_REASONS)
    offset: int | None = None  # byte offset of the insertion in the original body
    charset: str | None = None  # the body's encoding as read (Python codec name)
    meta_changes: tuple[str, ...] = ()  # what was changed in <meta http-equiv="Content-Security-Policy"> tags


SKIP_REASONS = ("status", "not-html-type", "encoded", "empty", "not-a-document", "charset-not-supported",
                "does-not-look-like-html", "no-insertion-point")


def script_block(script: str | None = None, *, src: str | None = None, nonce: str | None = None) -> str:
    """``<script>`` with the instrument inline (``script``) or loaded from ``src``, with a nonce when the page's
    CSP needs one. The block ends with a line break, so no page script shares a line with the instrument."""
    attrs = f' nonce="{html.escape(nonce)}"' if nonce else ""
    if src is not None:
        return f'<script src="{html.escape(src)}"{attrs}></script>\n'
    if script is None or "</script" in script.lower():
        raise ValueError("an inline instrument script must be given and must not contain '</script'")
    return f"<script{attrs}>{script}</script>\n"


def skip_reason(*, status: int, content_type: str | None, content_encoding: str | None,
                fetch_dest: str | None) -> str | None:
    """Why a response is not instrumented, judged on its head alone; None when its body may be."""
    if not (200 <= status < 300 or 400 <= status < 600) or status in (204, 205, 206):
        return "status"
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media != "text/html":
        return "not-html-type"
    if content_encoding and content_encoding.strip().lower() not in ("identity", ""):
        return "encoded"
    if fetch_dest and fetch_dest.strip().lower() not in DOCUMENT_DESTS:
        return "not-a-document"
    return None


@dataclass(frozen=True, slots=True)
class Place:
    """Where the instrument goes in a body that takes it (locate)."""

    view: View
    index: int  # view index of the insertion
    where: str  # "head" or "document-start"


def locate(body: bytes, *, status: int = 200, content_type: str | None = "text/html",
           content_encoding: str | None = None, fetch_dest: str | None = None) -> Place | Injection:
    """Where the instrument goes in ``body``, or the unchanged body with the reason it does not.

    ``content_encoding`` is the encoding of ``body`` as given (None when the caller decoded it);
    ``fetch_dest`` the request's Sec-Fetch-Dest (None when the client sent none: then the body must have a
    doctype, <html>, <head> or <body>, so HTML fragments fetched by scripts are left alone).
    """
    reason = skip_reason(status=status, content_type=content_type, content_encoding=content_encoding,
                         fetch_dest=fetch_dest)
    if reason:
        return Injection(body, False, reason)
    if not body[:4096].strip() and not body.strip():  # the whole body only when its start is blank
        return Injection(body, False, "empty")
    v = view(body, content_type)
    if v is None:
        return Injection(body, False, "charset-not-supported")
    if not looks_like_html(v, need_document_mark=not fetch_dest):
        return Injection(body, False, "does-not-look-like-html", charset=v.codec)
    point = insertion_point(v.text, complete=v.complete)
    if point is None:
        return Injection(body, False, "no-insertion-point", charset=v.codec)
    return Place(v, *point)


def insert(body: bytes, place: Place, block: str,
           meta_policy: Callable[[str], tuple[str, list[str]]] | None = None) -> Injection:
    """``body`` with ``block`` (script_block) at ``place``. ``meta_policy`` adjusts the policy of each
    ``<meta http-equiv="Content-Security-Policy">`` in the head (csp.policy_adjuster); the tags stay as they are."""
    v, index = place.view, place.index
    if v.meta_end is not None and index < v.meta_end and _LABEL.match(v.label):
        # The <meta> we push down may leave the first 1024 bytes: a copy in front (the script removes it again).
        block = f'<meta charset="{v.label}" data-tredjepart="">' + block
    offset = v.offset(index)
    whole = memoryview(body)  # slices without copies: the body is copied once, by the join
    parts, done, changes = [whole[:offset], v.encode(block)], offset, []
    for attr in meta_policies(v.text, index) if meta_policy else ():
        policy, changed = meta_policy(attr.value)
        if not changed:
            continue
        quoted = attr.start > 0 and v.text[attr.start - 1] in "\"'"
        value = html.escape(policy, quote=True)
        start, end = v.offset(attr.start), v.offset(attr.end)
        parts += [whole[done:start], v.encode(value if quoted else f'"{value}"')]
        done = end
        changes += [f"meta: {c}" for c in changed]
    parts.append(whole[done:])
    return Injection(b"".join(parts), True, place.where, offset, v.codec, tuple(changes))


def inject(body: bytes, block: str, *, status: int = 200, content_type: str | None = "text/html",
           content_encoding: str | None = None, fetch_dest: str | None = None,
           meta_policy: Callable[[str], tuple[str, list[str]]] | None = None) -> Injection:
    """``body`` with ``block`` inserted where locate() says, or unchanged with the reason."""
    place = locate(body, status=status, content_type=content_type, content_encoding=content_encoding,
                   fetch_dest=fetch_dest)
    return place if isinstance(place, Injection) else insert(body, place, block, meta_policy)


def insertion_point(text: str, *, complete: bool = True) -> tuple[int, str] | None:
    """(index, "head" or "document-start") where the instrument goes in ``text`` (a sniff.View's text), or None
    when the view ends before a place is found (``complete``: the view is the whole body)."""
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i] in WS:
            i += 1
        if i >= n:
            break
        if text.startswith("<!--", i):
            end = comment_end(text, i + 4)
            if end is None:
                return None
            i = end
            continue
        if text.startswith(("<!", "<?"), i):  # doctype, bogus comment, processing instruction
            end = text.find(">", i + 2)
            if end < 0:
                return None
            i = end + 1
            continue
        m = NAME.match(text, i + 1) if text[i] == "<" else None
        if m is None or m.group().lower() not in ("html", "head"):
            return i, "document-start"  # an element or text first: the parser opens <head> for our script
        tag = start_tag(text, i)
        if tag is None:
            return None
        if tag.name == "head":
            return tag.end, "head"
        i = tag.end
    return (n, "document-start") if complete else None


def meta_policies(text: str, start: int) -> list[Attr]:
    """The content attributes of the ``<meta http-equiv="Content-Security-Policy">`` tags in the head, from
    ``start`` on (browsers ignore such a tag outside the head)."""
    found = []
    if _HTTP_EQUIV.search(text, start) is None:  # most pages: nothing to walk
        return found
    for tag in head_tags(text, start):
        equiv = tag.attr("http-equiv")
        content = tag.attr("content")
        if tag.name == "meta" and equiv and content and equiv.value.strip().lower() == "content-security-policy":
            found.append(content)
    return found
