"""tredjepart's own entity format, and the built-in file written in it (``tredjepart/data/entities.yaml``).

The format (docs/entities.md)::

    version: 1
    entities:
      - name: Google LLC
        parent: Alphabet Inc.          # optional
        aliases: [Google]              # optional: other names of the same owner
        country: US                    # ISO 3166-1 alpha-2 of the owner's seat
        categories: [analytics, advertising]
        source: https://about.google/  # where the ownership can be checked
        domains: [google-analytics.com, "*.googlevideo.com"]
        sdks:                          # optional
          - name: Firebase Analytics
            hosts: [app-measurement.com]
            paths: ["/a"]              # optional path prefixes
"""

from __future__ import annotations

import functools
import logging
import re
from importlib import resources
from typing import Any

from tredjepart.entities.model import BUILTIN, CATEGORIES, Entity, Sdk
from tredjepart.entities.index import Layer
from tredjepart.sites import normalize_host, validate_pattern

logger = logging.getLogger(__name__)

BUILTIN_RESOURCE = "data/entities.yaml"
FORMAT_VERSION = 1

_ENTITY_KEYS = {"name", "parent", "aliases", "country", "categories", "source", "domains", "sdks", "notes"}
_SDK_KEYS = {"name", "hosts", "paths", "notes"}
_COUNTRY_RE = re.compile(r"^[A-Z]{2}$")


def is_own_format(data: Any) -> bool:
    """Whether parsed data looks like tredjepart's own format (a top-level ``entities`` list)."""
    return isinstance(data, dict) and isinstance(data.get("entities"), list)


def parse_own_format(data: Any, origin: str, label: str | None = None) -> Layer:
    """A layer from data in tredjepart's own format; ValueError naming the file and the entry when it is not.

    ``origin`` goes into each Entity; ``label`` (default: ``origin``) names the file in error messages.
    """
    label = label or origin
    if not is_own_format(data):
        raise ValueError(f"{label}: expected a mapping with an 'entities' list (tredjepart's own format)")
    version = data.get("version", FORMAT_VERSION)
    if version != FORMAT_VERSION:
        raise ValueError(f"{label}: version {version!r} is not supported (expected {FORMAT_VERSION})")
    pairs: list[tuple[str, Entity]] = []
    sdks: list[Sdk] = []
    for i, item in enumerate(data["entities"]):
        where = f"{label}: entities[{i}]"
        if not isinstance(item, dict):
            raise ValueError(f"{where}: expected a mapping, got {type(item).__name__}")
        if isinstance(item.get("name"), str) and item["name"].strip():
            where += f" ({item['name'].strip()})"
        entity = _entity(item, origin, where)
        domains = _strings(item.get("domains", []), where, "domains")
        for domain in domains:
            if problem := validate_pattern(domain):
                raise ValueError(f"{where}: domains: {problem}")
            pairs.append((normalize_host(domain), entity))
        item_sdks = [_sdk(s, entity, f"{where}: sdks[{j}]") for j, s in enumerate(item.get("sdks") or [])]
        if not domains and not item_sdks:
            raise ValueError(f"{where}: has neither domains nor sdks")
        sdks.extend(item_sdks)
    return Layer.build(origin, pairs, sdks, foreign=False)


def _entity(item: dict, origin: str, where: str) -> Entity:
    unknown = set(item) - _ENTITY_KEYS
    if unknown:
        raise ValueError(f"{where}: unknown field(s) {sorted(unknown)} (known: {sorted(_ENTITY_KEYS)})")
    name = item.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"{where}: 'name' is required and must be text")
    country = item.get("country")
    if isinstance(country, bool):  # YAML 1.1 readers turn a bare NO into false
        raise ValueError(f"{where}: country {country!r} is not an ISO 3166-1 alpha-2 code such as 'DK'")
    if country is not None and (not isinstance(country, str) or not _COUNTRY_RE.match(country)):
        raise ValueError(f"{where}: country {country!r} is not an ISO 3166-1 alpha-2 code such as 'DK'")
    categories = _strings(item.get("categories", []), where, "categories")
    for category in categories:
        if category not in CATEGORIES:
            raise ValueError(f"{where}: category {category!r} is not one of {', '.join(CATEGORIES)}")
    source = item.get("source")
    if source is not None and (not isinstance(source, str) or not source.startswith(("https://", "http://"))):
        raise ValueError(f"{where}: source {source!r} must be a URL")
    parent = item.get("parent")
    if parent is not None and not isinstance(parent, str):
        raise ValueError(f"{where}: parent must be text")
    return Entity(
        name=name.strip(),
        parent=parent.strip() if parent else None,
        country=country,
        categories=tuple(categories),
        source=source,
        origin=origin,
        aliases=tuple(a.strip() for a in _strings(item.get("aliases", []), where, "aliases")),
    )


def _sdk(item: Any, entity: Entity, where: str) -> Sdk:
    if not isinstance(item, dict):
        raise ValueError(f"{where}: expected a mapping with name and hosts")
    unknown = set(item) - _SDK_KEYS
    if unknown:
        raise ValueError(f"{where}: unknown field(s) {sorted(unknown)} (known: {sorted(_SDK_KEYS)})")
    name = item.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"{where}: 'name' is required and must be text")
    hosts = _strings(item.get("hosts", []), where, "hosts")
    if not hosts:
        raise ValueError(f"{where} ({name}): 'hosts' must list at least one host")
    for host in hosts:
        if problem := validate_pattern(host):
            raise ValueError(f"{where} ({name}): hosts: {problem}")
    paths = _strings(item.get("paths", []), where, "paths")
    for path in paths:
        if not path.startswith("/"):
            raise ValueError(f"{where} ({name}): path {path!r} must start with '/'")
    return Sdk(name.strip(), entity, tuple(normalize_host(h) for h in hosts), tuple(paths))


def _strings(value: Any, where: str, what: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{where}: {what} must be a list of text")
    return value


def builtin_text() -> str:
    """The built-in data file, as text."""
    return resources.files("tredjepart").joinpath(BUILTIN_RESOURCE).read_text(encoding="utf-8")


@functools.cache
def builtin_layer() -> Layer:
    """The built-in data, parsed once per process."""
    from tredjepart.entities.loaders import parse_text  # the YAML reader with file:line:col errors

    label = f"tredjepart/{BUILTIN_RESOURCE}"
    layer = parse_own_format(parse_text(builtin_text(), label, "yaml"), BUILTIN, label)
    logger.debug("built-in entities: %d patterns, %d sdks", len(layer.domains) + len(layer.globs), len(layer.sdks))
    return layer
