"""Who is behind every host, and what it is for: owners of domains, their services, and app SDK endpoints.

``load_entities()`` gives the built-in data (``tredjepart/data/entities.yaml``), with users' own lists
(Disconnect, DuckDuckGo or tredjepart's format) in front of it. ``Entities.service(host)`` says what a host is
for (``purpose``, maybe a service name such as "Google Fonts") and whose it is (``entity``: legal name, parent,
country); ``Entities.lookup(host)`` only whose; ``Entities.sdk_for(host, path)`` the SDK an endpoint belongs
to. ``own`` and ``certowner`` weigh evidence the data cannot give (a host that is the first party's own under
another domain; an owner named by a server certificate). See docs/entities.md.
"""

from __future__ import annotations

from tredjepart.entities.index import Entities, Layer
from tredjepart.entities.loaders import builtin_entities, detect_format, load_entities, read_list
from tredjepart.entities.model import (
    CATEGORIES,
    EEA,
    EU,
    PURPOSES,
    Entity,
    Sdk,
    Service,
    is_eu_eea,
    normalize_owner,
    same_owner,
)

__all__ = [
    "CATEGORIES",
    "EEA",
    "EU",
    "PURPOSES",
    "Entities",
    "Entity",
    "Layer",
    "Sdk",
    "Service",
    "builtin_entities",
    "detect_format",
    "is_eu_eea",
    "load_entities",
    "normalize_owner",
    "read_list",
    "same_owner",
]
