"""What one request carried to its host: declared values, patterns and the fields endpoint decoders name.

``Scanner`` is built once per identity (once per proxy run or analysis) and called once per flow::

    scanner = Scanner(load_identity("identity.yaml"), load_decoders())
    items = scanner.scan(parts_from_flow(flow))       # list[Received], no value in any of them

The three sources, in the order they are read:

* decoders (received/decoders.py) name the data types of the fields a known endpoint holds;
* the declared identity's forms (received/index.py) are found in every place of the request;
* patterns (received/patterns.py) find CPR numbers, e-mail addresses and phone numbers nobody declared, and a
  URL of the page's own site in a parameter (a page address sent on, type ``viewedPage``).

A pattern hit where a declared value was found is not reported twice. Cost per request: one scan of the joined
texts for the declared forms, one regular-expression pass per place for the patterns, and dictionary look-ups for
the decoders' exact field names (measured in docs/received.md). At most ``MAX_ITEMS`` items per request.
"""

from __future__ import annotations

import bisect
import dataclasses
import re
from urllib.parse import urlsplit

from tredjepart.received.decoders import Decoder, Decoders, FieldRule, load_decoders
from tredjepart.received.identity import Identity
from tredjepart.received.index import IdentityIndex, build_index
from tredjepart.received.locate import request_places
from tredjepart.received.masking import mask_path, mask_text, mask_url
from tredjepart.received.model import Place, Received, RequestParts
from tredjepart.received.patterns import find_patterns
from tredjepart.received.topics import page_topics
from tredjepart.received.vocabulary import PAGE_TYPES, label

MAX_ITEMS = 200
MAX_MASK_CACHE = 8192
_DECODED_LAYERS = ("", "JSON in a value", "URL in a value")
_DIGITS_OR_AT = re.compile(r"@|\d{8}|\d{6}-\d{4}|\+45|0045")
_NAME_VALUE = re.compile(r"\d|@")


class Scanner:
    """Finds what a request carries; holds the declared values in memory (never serialise it)."""

    def __init__(self, identity: Identity | None = None, decoders: Decoders | None = None) -> None:
        self.identity = identity or Identity()
        self.index: IdentityIndex | None = build_index(self.identity) if self.identity.declared_fields() else None
        self.decoders = decoders if decoders is not None else load_decoders()
        self._masked: dict[str, str] = {}  # where -> masked where (names repeat across flows)

    def __repr__(self) -> str:
        return f"Scanner(declared={list(self.declared_fields())}, decoders={len(self.decoders)})"

    def declared_fields(self) -> tuple[str, ...]:
        """The names of the declared fields: all of the identity that may be stored."""
        return self.identity.declared_fields()

    def scan(self, parts: RequestParts) -> list[Received]:
        """What ``parts`` carried to its host (see the module docstring); never raises on hostile input."""
        path = parts.target.partition("?")[0]
        decoders = self.decoders.for_request(parts.host, path)
        places = request_places(parts, protobuf=any(d.body == "protobuf" for d in decoders))
        out: dict[tuple, Received] = {}
        if decoders:
            by_name, by_location = _by_name(places)
            for d in decoders:
                for item in _decode(d, by_name, by_location):
                    where = self.mask_text(item.where)  # a glob matched a name the request chose
                    if where != item.where:
                        item = dataclasses.replace(item, where=where)
                    out.setdefault((item.type, item.where, "decoder"), item)
        scanned = places + _name_places(places)
        taken = self._declared(scanned, out)
        _patterns(scanned, taken, out, self.mask_text)
        _page_urls(parts, places, out, self.mask_text)
        return list(out.values())[:MAX_ITEMS]

    def mask_path(self, path: str) -> str:
        """A URL path with declared values and patterns masked (``/sag/[cpr]/status``): apply before storing."""
        return mask_path(path, self.index)

    def mask_url(self, url: str) -> str:
        """A stored URL (query values already removed) with its path and parameter names masked."""
        return mask_url(url, self.index)

    def mask_text(self, text: str) -> str:
        """``text`` with every declared value and pattern replaced by its field name in brackets."""
        masked = self._masked.get(text)
        if masked is None:
            masked = mask_text(text, self.index)
            if len(self._masked) < MAX_MASK_CACHE:
                self._masked[text] = masked
        return masked

    def _declared(self, places: list[Place], out: dict[tuple, Received]) -> set[tuple[int, int, int]]:
        taken: set[tuple[int, int, int]] = set()
        if self.index is None:
            return taken
        texts = [p.text for p in places]
        starts, pos = [], 0
        for t in texts:
            starts.append(pos)
            pos += len(t) + 1
        joined = "\x00".join(texts)
        for hit in self.index.find(joined):
            i = bisect.bisect_right(starts, hit.start) - 1
            place = places[i]
            taken.add((i, hit.start - starts[i], hit.end - starts[i]))
            if not hit.form.strong and not _hinted(hit.form.field, place.name):
                continue  # a postcode or a first name alone, outside a field named for it: chance
            form = hit.form.form + (f" ({place.layer})" if place.layer else "")
            where = self.mask_text(place.where)
            key = (hit.form.data_type, where, "declared", hit.form.field, form)
            out.setdefault(key, Received(
                type=hit.form.data_type, label=label(hit.form.data_type), where=where, source="declared",
                confidence="high" if hit.form.strong else "medium", form=form, field=hit.form.field))
        return taken


_HINTS = {
    "postcode": re.compile(r"zip|zp|post|postal|postnr|postnummer", re.I),
    "name": re.compile(r"name|navn|fn$|ln$|\[fn\]|\[ln\]|first|last|fornavn|efternavn", re.I),
}


def _hinted(field: str, name: str) -> bool:
    """Whether a field name says it holds this declared field (a weak value counts only there)."""
    hint = _HINTS.get(field)
    return bool(hint and hint.search(name)) or (field.startswith("other.") and field[6:].lower() in name.lower())


def _by_name(places: list[Place]) -> tuple[dict, dict]:
    """The places decoders read (not those unwrapped from base64), by (location, name) and by location."""
    by_name: dict[tuple[str, str], list[Place]] = {}
    by_location: dict[str, list[Place]] = {}
    for p in places:
        if p.layer in _DECODED_LAYERS:
            by_name.setdefault((p.location, p.name), []).append(p)
            by_location.setdefault(p.location, []).append(p)
    return by_name, by_location


def _decode(decoder: Decoder, by_name: dict, by_location: dict):
    for rule in decoder.fields:
        for place in _matching(rule, by_name, by_location):
            if rule.when == "url-with-path" and not _has_path(place.text):
                continue
            where = place.where if "*" in rule.name else f"{place.location} {rule.name}"
            for t in rule.types:
                yield Received(
                    type=t, label=label(t), where=where, source="decoder", confidence="high",
                    decoder=decoder.name, reason=rule.reason,
                    topics=page_topics(place.text) if t in PAGE_TYPES else ())


def _matching(rule: FieldRule, by_name: dict, by_location: dict) -> list[Place]:
    if "*" not in rule.name:
        return [p for loc in rule.locations for p in by_name.get((loc, rule.name), ())]
    return [p for loc in rule.locations for p in by_location.get(loc, ()) if rule.matches(loc, p.name)]


def _patterns(places: list[Place], taken: set, out: dict[tuple, Received], mask) -> None:
    for i, place in enumerate(places):
        if not place.text or not _DIGITS_OR_AT.search(place.text):
            continue
        for hit in find_patterns(place.text, place.where):
            if hit.confidence == "low" or any(j == i and s < hit.end and hit.start < e for j, s, e in taken):
                continue
            where = mask(place.where)
            form = hit.form + (f" ({place.layer})" if place.layer else "")
            out.setdefault((hit.data_type, where, "pattern", hit.name, form), Received(
                type=hit.data_type, label=label(hit.data_type), where=where, source="pattern",
                confidence=hit.confidence, form=form, field=hit.name))


def _name_places(places: list[Place]) -> list[Place]:
    """Parameter and key names that could hold a value (a digit or "@", 6 characters or more): a value sent as a
    name (``?0101901234=``) reaches the receiver as surely as one sent as a value."""
    seen: dict[tuple[str, str], Place] = {}
    for p in places:
        key = (p.location, p.name)
        if key not in seen and len(p.name) >= 6 and _NAME_VALUE.search(p.name):
            seen[key] = Place(p.location, p.name, p.name, "the name itself", p.shown)
    return list(seen.values())[:100]


def _page_urls(parts: RequestParts, places: list[Place], out: dict[tuple, Received], mask) -> None:
    """A parameter holding a URL of the site the request came from: the page address, sent on."""
    page = parts.header("referer") or parts.header("origin")
    page_host = _host(page) if page else None
    if not page_host:
        return
    claimed = {item.where for item in out.values() if item.type in PAGE_TYPES}
    for place in places:
        if place.where in ("redirect location", "path") or place.location == "header" or place.where in claimed \
                or not place.text.startswith("http"):
            continue
        if _host(place.text) == page_host:
            where = mask(place.where)
            out.setdefault(("viewedPage", where, "pattern"), Received(
                type="viewedPage", label=label("viewedPage"), where=where, source="pattern",
                confidence="medium", form="a URL of the requesting page's site", topics=page_topics(place.text)))


def _host(url: str) -> str | None:
    try:
        return (urlsplit(url.strip()).hostname or "").lower() or None
    except ValueError:
        return None


def _has_path(url: str) -> bool:
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return parts.path not in ("", "/") or bool(parts.query)
