"""Endpoint decoders: what each field of a tracker's request means, in tredjepart's own format.

The built-in file is ``tredjepart/data/decoders.yaml``; users add files of the same format (docs/received.md),
which are read before the built-in one. Format::

    version: 1
    decoders:
      - name: Google Analytics 4 (gtag.js)     # shown in reports
        owner: Google LLC                      # optional
        hosts: [google-analytics.com]          # domains (subdomains included) or globs; "*" alone: every host
        paths: ["/g/collect"]                  # optional: exact paths, or globs ("*" matches anything)
        body: protobuf                         # optional: read a binary body as protobuf
        docs: https://developers.google.com/analytics/devguides/collection/protocol/v1/parameters
        fields:
          - {in: query, name: dl, type: viewedPage}
          - {in: [query, body], name: sr, type: [screenWidth, screenHeight], reason: https://..., note: ...}

``in`` is one or more of query, body, header, cookie, path, path-param, redirect, websocket. ``name`` is the
parameter, header (lower case), cookie, or body key path (``events.*.user.email``; list positions are numbers);
``*`` matches any run of characters except ``.``. ``type`` names the data type(s) of received/vocabulary.py.
Every field needs a reason: its own ``reason`` or the decoder's ``docs`` (the vendor's documentation URL); a
``note`` says what the documentation does not (e.g. a parameter name seen in traffic). ``when: url-with-path``
claims the field only when its value is a URL with more than an origin (a Referer of ``https://site/`` says less
than one of ``https://site/sag/123``).

A field is claimed only when the request holds it with a value: the decoder says what a field means, the
request says whether it was sent.
"""

from __future__ import annotations

import fnmatch
import functools
import logging
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from tredjepart.entities.text import parse_text
from tredjepart.received.vocabulary import is_known
from tredjepart.sites import host_matches, normalize_host, validate_pattern

logger = logging.getLogger(__name__)

BUILTIN_RESOURCE = "data/decoders.yaml"
FORMAT_VERSION = 1
LOCATIONS = ("query", "body", "header", "cookie", "path", "path-param", "redirect", "websocket")
WHEN = ("url-with-path",)
_DECODER_KEYS = {"name", "owner", "hosts", "paths", "body", "docs", "fields", "notes"}
_FIELD_KEYS = {"in", "name", "type", "reason", "note", "when"}


@dataclass(frozen=True, slots=True)
class FieldRule:
    locations: tuple[str, ...]
    name: str
    types: tuple[str, ...]
    reason: str
    note: str = ""
    when: str = ""

    def matches(self, location: str, name: str) -> bool:
        return location in self.locations and _name_rx(self.name).match(name) is not None


@functools.lru_cache(maxsize=4096)
def _name_rx(pattern: str) -> re.Pattern:
    """``*`` matches within one key-path segment, ``**`` across segments; the rest is literal."""
    return re.compile("^" + ".*".join(re.escape(p).replace(r"\*", "[^.]*") for p in pattern.split("**")) + "$")


@dataclass(frozen=True, slots=True)
class Decoder:
    name: str
    hosts: tuple[str, ...]  # () = every host
    paths: tuple[str, ...]
    fields: tuple[FieldRule, ...]
    owner: str = ""
    body: str = ""  # "" or "protobuf"
    origin: str = "builtin"

    def applies(self, host: str, path: str) -> bool:
        return self.applies_to_host(host) and self.applies_to_path(path)

    def applies_to_host(self, host: str) -> bool:
        return not self.hosts or any(host_matches(host, h) for h in self.hosts)

    def applies_to_path(self, path: str) -> bool:
        return not self.paths or any(fnmatch.fnmatchcase(path, p) if "*" in p else path == p for p in self.paths)


class Decoders:
    """Decoders in order: users' files first, then the built-in file."""

    def __init__(self, decoders: list[Decoder]) -> None:
        self.decoders = tuple(decoders)
        self._by_host: dict[str, tuple[Decoder, ...]] = {}

    def __len__(self) -> int:
        return len(self.decoders)

    def for_request(self, host: str, path: str) -> list[Decoder]:
        """The decoders that apply to a request to ``host`` with ``path`` (query removed)."""
        host = normalize_host(host)
        candidates = self._by_host.get(host)
        if candidates is None:
            candidates = tuple(d for d in self.decoders if d.applies_to_host(host))
            if len(self._by_host) < 4096:
                self._by_host[host] = candidates
        return [d for d in candidates if d.applies_to_path(path)]


def parse_decoders(data: Any, label: str, origin: str | None = None) -> list[Decoder]:
    """Decoders from data in the format above; ValueError naming the file and entry when it is not."""
    if not isinstance(data, dict) or not isinstance(data.get("decoders"), list):
        raise ValueError(f"{label}: expected a mapping with a 'decoders' list (tredjepart's decoder format)")
    unknown = set(data) - {"version", "decoders"}
    if unknown:
        raise ValueError(f"{label}: unknown top-level key(s) {sorted(unknown)}")
    if data.get("version", FORMAT_VERSION) != FORMAT_VERSION:
        raise ValueError(f"{label}: version {data.get('version')!r} is not supported (expected {FORMAT_VERSION})")
    out = []
    for i, item in enumerate(data["decoders"]):
        where = f"{label}: decoders[{i}]"
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            where += f" ({item['name'][:80]})"
        out.append(_decoder(item, where, origin or label))
    return out


def _decoder(item: Any, where: str, origin: str) -> Decoder:
    if not isinstance(item, dict):
        raise ValueError(f"{where}: expected a mapping")
    if unknown := set(item) - _DECODER_KEYS:
        raise ValueError(f"{where}: unknown field(s) {sorted(unknown)} (known: {sorted(_DECODER_KEYS)})")
    name = item.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"{where}: 'name' is required and must be text")
    hosts = _strings(item.get("hosts"), where, "hosts")
    if not hosts:
        raise ValueError(f"{where}: 'hosts' is required (a list of domains or globs, or [\"*\"])")
    if hosts == ["*"]:
        hosts = []
    for h in hosts:
        if problem := validate_pattern(h):
            raise ValueError(f"{where}: hosts: {problem}")
    paths = _strings(item.get("paths", []), where, "paths")
    for p in paths:
        if not p.startswith(("/", "*")):
            raise ValueError(f"{where}: paths: {p!r} must start with '/' (or '*')")
    body = item.get("body", "")
    if body not in ("", "protobuf"):
        raise ValueError(f"{where}: body {body!r} is not supported (known: protobuf)")
    docs = item.get("docs", "")
    if docs and not _is_url(docs):
        raise ValueError(f"{where}: docs {docs!r} must be a URL")
    raw_fields = item.get("fields")
    if not isinstance(raw_fields, list) or not raw_fields:
        raise ValueError(f"{where}: 'fields' must be a non-empty list")
    fields = tuple(_field(f, f"{where}: fields[{j}]", docs) for j, f in enumerate(raw_fields))
    owner = item.get("owner") or ""
    if not isinstance(owner, str):
        raise ValueError(f"{where}: owner must be text")
    return Decoder(name.strip(), tuple(normalize_host(h) for h in hosts), tuple(paths), fields, owner, body, origin)


def _field(item: Any, where: str, docs: str) -> FieldRule:
    if not isinstance(item, dict):
        raise ValueError(f"{where}: expected a mapping with in, name, type")
    if unknown := set(item) - _FIELD_KEYS:
        raise ValueError(f"{where}: unknown field(s) {sorted(unknown)} (known: {sorted(_FIELD_KEYS)})")
    locations = _strings(item.get("in"), where, "in")
    if not locations or any(loc not in LOCATIONS for loc in locations):
        raise ValueError(f"{where}: 'in' must be one or more of {', '.join(LOCATIONS)}")
    name = item.get("name", "")
    if not isinstance(name, str) or (not name and set(locations) - {"path", "redirect", "websocket"}):
        raise ValueError(f"{where}: 'name' is required and must be text")
    types = _strings(item.get("type"), where, "type")
    if not types:
        raise ValueError(f"{where}: 'type' is required")
    for t in types:
        if not is_known(t):
            raise ValueError(f"{where}: type {t!r} is not in the vocabulary (received/vocabulary.py)")
    reason = item.get("reason") or docs
    if not reason or not _is_url(reason):
        raise ValueError(f"{where}: needs a 'reason' URL (or the decoder's 'docs')")
    note = item.get("note") or ""
    when = item.get("when") or ""
    if when and when not in WHEN:
        raise ValueError(f"{where}: when {when!r} is not one of {', '.join(WHEN)}")
    if not isinstance(note, str):
        raise ValueError(f"{where}: note must be text")
    if "header" in locations:
        name = name.lower()
    return FieldRule(tuple(locations), name, tuple(types), reason, note, when)


def _strings(value: Any, where: str, key: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError(f"{where}: {key} must be text or a list of texts")
    return [v.strip() for v in value]


def _is_url(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(("https://", "http://"))


@functools.lru_cache(maxsize=1)
def builtin_decoders() -> tuple[Decoder, ...]:
    """The decoders shipped in ``tredjepart/data/decoders.yaml``."""
    text = resources.files("tredjepart").joinpath(BUILTIN_RESOURCE).read_text(encoding="utf-8")
    return tuple(parse_decoders(parse_text(text, BUILTIN_RESOURCE, "yaml"), BUILTIN_RESOURCE, "builtin"))


def load_decoders(paths: list[str | Path] | tuple = ()) -> Decoders:
    """Users' decoder files (in the order given) in front of the built-in decoders; ValueError naming the file."""
    out: list[Decoder] = []
    for path in paths:
        label = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as e:
            raise ValueError(f"{label}: cannot read: {getattr(e, 'strerror', None) or e}") from None
        out.extend(parse_decoders(parse_text(text, label), label))
    out.extend(builtin_decoders())
    logger.debug("tredjepart: %d endpoint decoders", len(out))
    return Decoders(out)
