"""Values of a request flattened into ``Place``s, with what hides inside a value unwrapped: a JSON document in a
string, a URL in a parameter (its query decoded again), a base64 blob that decodes to text.

Bounded: at most ``MAX_PLACES`` places and ``MAX_CHARS`` characters of text per request, each text cut to
``MAX_TEXT`` characters, nesting at most ``MAX_DEPTH`` deep, at most ``MAX_BLOBS`` base64 blobs decoded.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from urllib.parse import unquote_plus, urlsplit

from tredjepart.received.model import Place

MAX_PLACES = 600
MAX_CHARS = 256 * 1024
MAX_TEXT = 32 * 1024
MAX_DEPTH = 4
MAX_BLOBS = 24
MIN_BLOB = 16  # characters: a shorter base64-looking value is not decoded
_BLOB = re.compile(r"^[A-Za-z0-9+/_-]{16,}={0,2}$")


class Flattener:
    """Collects the places of one request."""

    def __init__(self) -> None:
        self.places: list[Place] = []
        self.chars = 0
        self.blobs = 0
        self.truncated = False

    def full(self) -> bool:
        if len(self.places) >= MAX_PLACES or self.chars >= MAX_CHARS:
            self.truncated = True
            return True
        return False

    def add(self, location: str, name: str, text: str, layer: str = "", depth: int = 0,
            shown: str | None = None) -> None:
        """One value, and whatever it holds (JSON, a URL's query, a base64 blob decoded). A JSON document in a
        value is replaced by its scalars, leaving an empty place that marks where it was."""
        if not text or self.full():
            return
        text = text[:MAX_TEXT]
        head = text.lstrip()[:1]
        if head in ("{", "[") and len(text) > 2 and depth < MAX_DEPTH:
            try:
                node = json.loads(text)
            except (ValueError, RecursionError):
                node = None
            if isinstance(node, (dict, list)):
                self.places.append(Place(location, name[:200], "", layer, _cut(shown)))
                self.json(location, node, name, layer or "JSON in a value", depth + 1, shown)
                return
        self.places.append(Place(location, name[:200], text, layer, _cut(shown)))
        self.chars += len(text)
        if depth >= MAX_DEPTH:
            return
        if "=" in text and (text.startswith(("http://", "https://", "/")) or "?" in text[:2048]):
            self._url(location, name, text, depth, shown)
        elif _BLOB.match(text) and self.blobs < MAX_BLOBS:
            decoded = _unbase64(text)
            if decoded is not None:
                self.blobs += 1
                self.add(location, name, decoded, "base64", depth + 1, shown)

    def query(self, location: str, query: str, prefix: str = "", layer: str = "", depth: int = 0,
              shown_prefix: str | None = None) -> None:
        """The pairs of a query string (``a=1&b=2``), each value decoded once as a server would."""
        for pair in query.split("&"):
            if self.full():
                return
            if not pair:
                continue
            name, _, value = pair.partition("=")
            name = _unquote(name)
            shown = None if shown_prefix is None else f"{shown_prefix}{name}"
            self.add(location, f"{prefix}{name}", _unquote(value), layer, depth, shown)

    def json(self, location: str, node, prefix: str, layer: str, depth: int, shown: str | None = None) -> None:
        """Every scalar of a JSON document, named by its key path: list positions as numbers in the name (what
        decoders match) and as * in the shown name (what people read)."""
        stack = [(prefix, prefix if shown is None else shown, node, depth)]
        while stack and not self.full():
            path, seen, node, d = stack.pop()
            if d > MAX_DEPTH + 16:
                continue
            if isinstance(node, dict):
                items = list(node.items())[:500]
                stack.extend((_join(path, str(k)), _join(seen, str(k)), v, d + 1) for k, v in reversed(items))
            elif isinstance(node, list):
                stack.extend((_join(path, str(i)), _join(seen, "*"), v, d + 1)
                             for i, v in reversed(list(enumerate(node[:500]))))
            elif isinstance(node, str):
                self.add(location, path, node, layer, min(d, MAX_DEPTH - 1), seen if seen != path else None)
            elif isinstance(node, (int, float)) and not isinstance(node, bool):
                self.add(location, path, str(node), layer, MAX_DEPTH, seen if seen != path else None)

    def _url(self, location: str, name: str, text: str, depth: int, shown: str | None) -> None:
        try:
            query = urlsplit(text).query if "://" in text[:12] else text.partition("?")[2]
        except ValueError:
            return
        if query:
            self.query(location, query, f"{name}?" if name else "?", "URL in a value", depth + 1,
                       None if shown is None else f"{shown}?")


def _unquote(text: str) -> str:
    return unquote_plus(text) if "%" in text or "+" in text else text


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _cut(shown: str | None) -> str | None:
    return None if shown is None else shown[:200]


def _unbase64(text: str) -> str | None:
    """The text a base64 or base64url blob decodes to, when it is readable text; else None."""
    s = text.rstrip("=")
    s += "=" * (-len(s) % 4)
    try:
        raw = base64.b64decode(s.replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError):
        return None
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    printable = sum(c.isprintable() or c in "\r\n\t" for c in decoded)
    return decoded if decoded and printable >= 0.95 * len(decoded) else None
