"""tredjepart's own entity format, and the built-in file written in it (``tredjepart/data/entities.yaml``).

The format (docs/entities.md)::

    version: 1
    entities:
      - name: Google LLC               # the owner's legal name
        parent: Alphabet Inc.          # optional
        aliases: [Google]              # optional: other names of the same owner
        country: US                    # ISO 3166-1 alpha-2 of the owner's seat
        source: https://about.google/  # where the ownership can be checked
        purpose: content               # what the hosts under ``domains`` are for
        domains: [google.com]
        services:                      # hosts with a purpose of their own
          - name: Google Fonts         # optional
            purpose: fonts
            hosts: [fonts.googleapis.com, fonts.gstatic.com]
            source: https://developers.google.com/fonts/faq/privacy   # optional
        sdks:                          # optional
          - name: Firebase Analytics
            hosts: [app-measurement.com]
            paths: ["/a"]              # optional path prefixes

Users' lists written before purposes existed give ``categories`` instead (still read).
"""

from __future__ import annotations

import functools
import logging
import re
from collections import Counter
from importlib import resources
from typing import Any

from tredjepart.entities.builtin_cache import cached_parse
from tredjepart.entities.layer import Layer
from tredjepart.entities.model import BUILTIN, CATEGORIES, PURPOSES, Entity, Sdk, Service, categories_of
from tredjepart.entities.text import parse_text
from tredjepart.sites import normalize_host, validate_pattern

logger = logging.getLogger(__name__)

BUILTIN_RESOURCE = "data/entities.yaml"
FORMAT_VERSION = 1

_ENTITY_KEYS = {"name", "parent", "aliases", "country", "categories", "source", "purpose", "domains", "services",
                "sdks", "notes"}
_SERVICE_KEYS = {"name", "purpose", "hosts", "source", "notes"}
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
    pairs: list[tuple[str, Service]] = []
    sdks: list[Sdk] = []
    for i, item in enumerate(data["entities"]):
        where = f"{label}: entities[{i}]"
        if not isinstance(item, dict):
            raise ValueError(f"{where}: expected a mapping, got {type(item).__name__}")
        if isinstance(item.get("name"), str) and item["name"].strip():
            where += f" ({item['name'].strip()})"
        groups = _host_groups(item, where)
        entity = _entity(item, origin, where, groups)
        for purpose, name, source, hosts in groups:
            service = Service(entity, purpose, name, source)
            pairs.extend((host, service) for host in hosts)
        item_sdks = [_sdk(s, entity, f"{where}: sdks[{j}]") for j, s in enumerate(item.get("sdks") or [])]
        if not any(hosts for *_, hosts in groups) and not item_sdks:
            raise ValueError(f"{where}: has neither domains, services nor sdks")
        sdks.extend(item_sdks)
    return Layer.build(origin, pairs, sdks, foreign=False)


HostGroup = tuple[str | None, str | None, str | None, list[str]]  # purpose, service name, source, hosts


def _host_groups(item: dict, where: str) -> list[HostGroup]:
    """The owner's ``domains`` (with its ``purpose``) and each of its ``services``, hosts checked."""
    groups: list[HostGroup] = [(_purpose(item.get("purpose"), where, optional=True), None, None,
                                _hosts(item.get("domains", []), where, "domains"))]
    services = item.get("services") or []
    if not isinstance(services, list):
        raise ValueError(f"{where}: services must be a list of mappings")
    for j, svc in enumerate(services):
        at = f"{where}: services[{j}]"
        if not isinstance(svc, dict):
            raise ValueError(f"{at}: expected a mapping with purpose and hosts")
        unknown = set(svc) - _SERVICE_KEYS
        if unknown:
            raise ValueError(f"{at}: unknown field(s) {sorted(unknown)} (known: {sorted(_SERVICE_KEYS)})")
        name = svc.get("name")
        if name is not None and (not isinstance(name, str) or not name.strip()):
            raise ValueError(f"{at}: name must be text")
        hosts = _hosts(svc.get("hosts", []), at, "hosts")
        if not hosts:
            raise ValueError(f"{at}: 'hosts' must list at least one host")
        groups.append((_purpose(svc.get("purpose"), at, optional=False), name.strip() if name else None,
                       _source(svc.get("source"), at), hosts))
    return groups


def _purpose(value: Any, where: str, optional: bool) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str) or value not in PURPOSES:
        raise ValueError(f"{where}: purpose {value!r} is not one of {', '.join(PURPOSES)}")
    return value


def _hosts(value: Any, where: str, what: str) -> list[str]:
    hosts = _strings(value, where, what)
    for host in hosts:
        if problem := validate_pattern(host):
            raise ValueError(f"{where}: {what}: {problem}")
    return [normalize_host(h) for h in hosts]


def _source(value: Any, where: str) -> str | None:
    if value is not None and (not isinstance(value, str) or not value.startswith(("https://", "http://"))):
        raise ValueError(f"{where}: source {value!r} must be a URL")
    return value


def _entity(item: dict, origin: str, where: str, groups: list[HostGroup]) -> Entity:
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
    parent = item.get("parent")
    if parent is not None and not isinstance(parent, str):
        raise ValueError(f"{where}: parent must be text")
    weight: Counter[str] = Counter()
    for purpose, _, _, hosts in groups:
        if purpose:
            weight[purpose] += len(hosts)
    purposes = tuple(p for p, _ in weight.most_common())
    return Entity(
        name=name.strip(),
        parent=parent.strip() if parent else None,
        country=country,
        categories=tuple(categories) or categories_of(purposes),
        source=_source(item.get("source"), where),
        origin=origin,
        aliases=tuple(a.strip() for a in _strings(item.get("aliases", []), where, "aliases")),
        purposes=purposes,
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
    label = f"tredjepart/{BUILTIN_RESOURCE}"
    layer = cached_parse(builtin_text(), lambda text: parse_text(text, label, "yaml"),
                         lambda data: parse_own_format(data, BUILTIN, label))
    logger.debug("built-in entities: %d patterns, %d sdks", len(layer.domains) + len(layer.globs), len(layer.sdks))
    return layer
