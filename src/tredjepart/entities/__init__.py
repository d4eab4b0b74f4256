"""Who is behind every host: owners of domains and app SDK endpoints.

``load_entities()`` gives the built-in data (``tredjepart/data/entities.yaml``), with users' own lists
(Disconnect, DuckDuckGo or tredjepart's format) in front of it. ``Entities.lookup(host)`` names the owner;
``Entities.sdk_for(host, path)`` the SDK an endpoint belongs to. See docs/entities.md.
"""

from __future__ import annotations

from tredjepart.entities.index import Entities, Layer
from tredjepart.entities.loaders import builtin_entities, detect_format, load_entities, read_list
from tredjepart.entities.model import CATEGORIES, EEA, EU, Entity, Sdk, is_eu_eea, normalize_owner, same_owner

__all__ = [
    "CATEGORIES",
    "EEA",
    "EU",
    "Entities",
    "Entity",
    "Layer",
    "Sdk",
    "builtin_entities",
    "detect_format",
    "is_eu_eea",
    "load_entities",
    "normalize_owner",
    "read_list",
    "same_owner",
]
