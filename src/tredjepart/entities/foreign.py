"""Third-party tracker lists: Disconnect's services.json and entities.json, DuckDuckGo's tds.json and
android-tds.json, read into (host pattern, owner) pairs.

* Disconnect ``services.json``: ``{"categories": {"Advertising": [{"Owner": {"https://home/": [domains]}}]}}``
* Disconnect ``entities.json``: ``{"entities": {"Owner": {"properties": [...], "resources": [...]}}}``
* DuckDuckGo web ``tds.json``: ``entities`` (owner -> domains), ``domains`` (domain -> owner) and ``trackers``
  (host -> ``owner.name``, with ``ownedBy`` when the owner is a brand of another)
* DuckDuckGo app ``android-tds.json``: ``trackers`` (host -> ``owner.name``), no ``domains`` map

These lists carry no country, and categories of their own, mapped here to ours where one fits.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from tredjepart.entities.model import Entity
from tredjepart.sites import normalize_host, validate_pattern

logger = logging.getLogger(__name__)

# Their category names -> ours (compared lower-case). Names not here give no category.
DISCONNECT_CATEGORIES = {
    "advertising": "advertising",
    "analytics": "analytics",
    "social": "social",
    "consentmanagers": "consent",
    "anti-fraud": "security",
    "content": "other",
    "email": "other",
    "emailaggressive": "other",
    "fingerprintinginvasive": "other",
    "fingerprintinggeneral": "other",
    "cryptomining": "other",
}
DDG_CATEGORIES = {
    "advertising": "advertising",
    "ad motivated tracking": "advertising",
    "action pixels": "advertising",
    "analytics": "analytics",
    "audience measurement": "analytics",
    "third-party analytics marketing": "analytics",
    "session replay": "analytics",
    "social network": "social",
    "social - comment": "social",
    "social - share": "social",
    "consent management platform": "consent",
    "federated login": "login",
    "sso": "login",
    "cdn": "fonts-cdn",
    "support chat widget": "customer-support",
    "fraud prevention": "security",
    "ad fraud": "security",
    "embedded content": "other",
    "online payment": "other",
    "tag manager": "other",
}


def _text(value: Any) -> str | None:
    """A name, parent or source as the list gives it, when it is text; anything else in its place is ignored."""
    return value.strip() or None if isinstance(value, str) else None


class _Owners:
    """One Entity per owner name within a list, categories gathered as they are met."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.categories: dict[str, dict[str, None]] = {}
        self.details: dict[str, dict] = {}
        self._made: dict[str, Entity] = {}

    def note(self, name: Any, category: str | None = None, **details: Any) -> str:
        name = str(name).strip()  # a YAML copy of a list can have a number as an owner's key
        self.categories.setdefault(name, {})
        if category:
            self.categories[name][category] = None
        for key, value in details.items():
            if value:
                self.details.setdefault(name, {}).setdefault(key, value)
        return name

    def entity(self, name: str) -> Entity:
        if name not in self._made:
            d = self.details.get(name, {})
            self._made[name] = Entity(
                name=name,
                parent=_text(d.get("parent")),
                categories=tuple(self.categories.get(name, {})),
                source=_text(d.get("source")),
                origin=self.label,
                aliases=tuple(a for a in map(_text, d.get("aliases", ())) if a and a != name),
            )
        return self._made[name]

    def pairs(self, raw: Iterable[tuple[str, str]]) -> Iterable[tuple[str, Entity]]:
        for domain, name in raw:
            if not name:
                logger.debug("%s: skipped %r (an owner without a name)", self.label, domain)
                continue
            if not isinstance(domain, str) or validate_pattern(domain):
                logger.debug("%s: skipped %r (not a host)", self.label, domain)
                continue
            yield normalize_host(domain), self.entity(name)


def _need(value: Any, typ: type, label: str, where: str) -> Any:
    if not isinstance(value, typ):
        raise ValueError(f"{label}: {where}: expected {'a list' if typ is list else 'a mapping'}, "
                         f"got {type(value).__name__}")
    return value


def _disconnect_services(data: dict, label: str) -> Iterable[tuple[str, Entity]]:
    owners = _Owners(label)
    raw: list[tuple[str, str]] = []
    for category, services in data["categories"].items():
        ours = DISCONNECT_CATEGORIES.get(category.lower())
        for i, service in enumerate(services):
            for name, sites in _need(service, dict, label, f"categories.{category}[{i}]").items():
                for homepage, domains in _need(sites, dict, label, f"categories.{category}[{i}].{name}").items():
                    if not isinstance(domains, list):  # flags such as "performance": "true"
                        continue
                    source = homepage if homepage.startswith("http") else None
                    owner = owners.note(name, ours, source=source)
                    raw.extend((d, owner) for d in domains)
    return list(owners.pairs(raw))


def _disconnect_entities(data: dict, label: str) -> Iterable[tuple[str, Entity]]:
    owners = _Owners(label)
    raw: list[tuple[str, str]] = []
    for name, record in data["entities"].items():
        owner = owners.note(name)
        for key in ("properties", "resources"):
            raw.extend((d, owner) for d in _need(record.get(key, []), list, label, f"entities.{name}.{key}"))
    return list(owners.pairs(raw))


def _owner(record: Any) -> dict | None:
    """A tracker's ``owner`` record when it names one: name, displayName and (for a brand) ownedBy."""
    owner = record.get("owner") if isinstance(record, dict) else None
    if not isinstance(owner, dict) or not isinstance(owner.get("name"), str) or not owner["name"].strip():
        return None
    return owner


def _note_tracker(owners: _Owners, record: dict) -> str | None:
    owner = _owner(record)
    if owner is None:
        return None
    parent = owner.get("ownedBy") if isinstance(owner.get("ownedBy"), str) else None
    name = owners.note(owner["name"], aliases=[owner.get("displayName")], parent=parent)
    for category in _ddg_categories(record):
        owners.note(name, category)
    return name


def _ddg_categories(record: dict) -> list[str]:
    found = [DDG_CATEGORIES.get(c.lower()) for c in record.get("categories") or [] if isinstance(c, str)]
    return [c for c in found if c]


def _ddg_tds(data: dict, label: str) -> Iterable[tuple[str, Entity]]:
    owners = _Owners(label)
    raw: list[tuple[str, str]] = []
    for name, record in data["entities"].items():
        record = _need(record, dict, label, f"entities.{name}")
        owner = owners.note(name, aliases=[record.get("displayName")], parent=record.get("ownedBy"))
        raw.extend((d, owner) for d in _need(record.get("domains", []), list, label, f"entities.{name}.domains"))
    for host, record in data["trackers"].items():
        if (owner := _note_tracker(owners, record)) is not None:
            raw.append((host, owner))
    # The domains map is the list's own word on each registrable domain: it goes last, so it wins.
    raw.extend((d, owners.note(n)) for d, n in data["domains"].items() if isinstance(n, str) and n.strip())
    return list(owners.pairs(raw))


def _ddg_android(data: dict, label: str) -> Iterable[tuple[str, Entity]]:
    owners = _Owners(label)
    raw: list[tuple[str, str]] = []
    for host, record in data["trackers"].items():
        if (owner := _note_tracker(owners, record)) is not None:
            raw.append((host, owner))
    return list(owners.pairs(raw))


PARSERS = {
    "disconnect-services": _disconnect_services,
    "disconnect-entities": _disconnect_entities,
    "ddg-tds": _ddg_tds,
    "ddg-android-tds": _ddg_android,
}
