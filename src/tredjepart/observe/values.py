"""Request values as keyed hashes: what ID-sync detection compares against identifier cookies. No value is kept
in clear; a value and each part of it split on ``SPLIT`` (":", "&", "|", "." and a few more) are hashed."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from urllib.parse import unquote, unquote_plus

from mitmproxy import http

from tredjepart.hashing import keyed_hash
from tredjepart.observe.kinds import media_type
from tredjepart.observe.paths import mask_name, request_target

logger = logging.getLogger(__name__)

MAX_BODY = 64 * 1024  # request bodies larger than this are not read
MAX_VALUES = 512  # hashed request values per flow
MIN_PART = 8  # parts shorter than this are not hashed: too short to identify anyone
SPLIT = re.compile(r"[:&|.=,;/]")  # the delimiters values are split on (":", "&", "|", "." and a few more)
_FORM_TYPES = ("application/x-www-form-urlencoded",)
_TEXT_TYPES = ("text/plain", "text/ping")


@dataclass(frozen=True, slots=True)
class HashedValue:
    """One request value (or a part of it), as a keyed hash."""

    where: str  # "query", "path" or "body"
    name: str  # parameter name (masked like query names); "path[2]" for the third path segment; "a.b" for JSON
    hash: str
    length: int
    part: bool = False  # a part of the value split on SPLIT, not the whole value


class _Values:
    def __init__(self, key: bytes) -> None:
        self.key = key
        self.out: list[HashedValue] = []
        self.seen: set[tuple[str, str, str]] = set()
        self.truncated = False

    def add(self, where: str, name: str, value: str) -> None:
        if not value or self.truncated:
            return
        name = name if where == "path" else mask_name(name, self.key)  # a name can carry a secret too
        variants = dict.fromkeys([value, unquote(value)])
        for v in variants:
            self._one(where, name, v, part=False)
            if len(v) > MIN_PART:
                for p in SPLIT.split(v):
                    if len(p) >= MIN_PART and p != v:
                        self._one(where, name, p, part=True)

    def _one(self, where: str, name: str, value: str, part: bool) -> None:
        if len(self.out) >= MAX_VALUES:
            self.truncated = True
            return
        hv = HashedValue(where, name, keyed_hash(self.key, value), len(value), part)
        k = (where, hv.name, hv.hash)
        if k not in self.seen:
            self.seen.add(k)
            self.out.append(hv)


def request_values(req: http.Request, key: bytes) -> tuple[tuple[HashedValue, ...], bool]:
    """Keyed hashes of every query value, path segment and small form/JSON/text body value (and their parts),
    for ID-sync detection; whether the per-flow cap cut the list short."""
    acc = _Values(key)
    path, query = request_target(req.path)
    _query(acc, "query", query)
    for i, segment in enumerate(s for s in path.split("/") if s):
        if acc.truncated:
            break
        acc.add("path", f"path[{i}]", unquote(segment))
    raw = req.raw_content or b""
    if raw and len(raw) <= MAX_BODY:
        try:
            _body(acc, media_type(req.headers.get("content-type")), req.get_content(strict=False) or b"")
        except Exception:  # noqa: BLE001 - a body we cannot read is a body we do not hash
            logger.debug("tredjepart: unreadable request body", exc_info=True)
    return tuple(acc.out), acc.truncated


def _query(acc: _Values, where: str, query: str) -> None:
    for pair in query.split("&"):
        if acc.truncated:
            return
        if not pair:
            continue
        name, _, value = pair.partition("=")
        acc.add(where, unquote_plus(name), unquote_plus(value))
        if "%" in value or "+" in value:
            acc.add(where, unquote_plus(name), value)


def _body(acc: _Values, ctype: str | None, body: bytes) -> None:
    if len(body) > MAX_BODY:
        return
    ctype = ctype or ""
    text = body.decode("utf-8", "replace")
    is_json = ctype.endswith("json") or ctype.endswith("+json")
    if ctype in _FORM_TYPES:
        _query(acc, "body", text)
    elif is_json or ctype in _TEXT_TYPES or not ctype:
        stripped = text.lstrip()
        if stripped[:1] in ("{", "["):
            try:
                _json(acc, json.loads(text), "")
                return
            except ValueError:
                if is_json:
                    return
        for line in text.splitlines():
            line = line.strip()
            if "=" in line and " " not in line:
                _query(acc, "body", line)
            elif line and len(line) <= 4096:
                acc.add("body", "", line)


def _json(acc: _Values, node, name: str, depth: int = 0) -> None:
    if depth > 20 or len(acc.out) >= MAX_VALUES:
        return
    if isinstance(node, dict):
        for k, v in node.items():
            _json(acc, v, f"{name}.{k}" if name else str(k), depth + 1)
    elif isinstance(node, list):
        for v in node:
            _json(acc, v, f"{name}[]", depth + 1)
    elif isinstance(node, bool) or node is None:
        return
    elif isinstance(node, (int, float)):
        acc.add("body", name, str(node))
    elif isinstance(node, str):
        acc.add("body", name, node)
        if "=" in node and "&" in node and " " not in node:
            _query(acc, "body", node.split("?", 1)[-1])
