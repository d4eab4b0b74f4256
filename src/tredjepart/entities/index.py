"""Who is behind a host: the lookup over layers of entity data.

A *layer* (``layer.Layer``) is what one source gave: the built-in file, or one user's list. ``Entities`` asks
its layers in order of precedence (users' lists first, the built-in data last) and answers from the first
layer that knows the host; within a layer the most specific pattern wins. ``service(host)`` says what the host
is for and whose it is; ``lookup(host)`` only whose.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from collections.abc import Iterator, Sequence

from tredjepart.entities.layer import Layer, Score, pattern_score
from tredjepart.entities.model import Entity, Sdk, Service, is_eu_eea, normalize_owner
from tredjepart.sites import normalize_host

__all__ = ["Entities", "Layer", "Score", "pattern_score"]

logger = logging.getLogger(__name__)


def _path_score(sdk: Sdk, path: str) -> int:
    """-1 when the SDK names path prefixes and none matches, else the length of the longest that does."""
    if not sdk.paths:
        return 0
    return max((len(p) for p in sdk.paths if path.startswith(p)), default=-1)


class Entities:
    """Owners of hosts, from layers asked in order (the first layer that knows a host answers)."""

    def __init__(self, layers: Sequence[Layer] = ()) -> None:
        self.layers: tuple[Layer, ...] = tuple(layers)
        self._by_name: dict[str, Entity] = {}
        for layer in reversed(self.layers):  # earlier layers take precedence, so they are written last
            for entity in layer.entities():
                for name in (entity.name, *entity.aliases):
                    self._by_name[normalize_owner(name)] = entity
        self._match = functools.lru_cache(maxsize=65536)(self._match_uncached)
        self._sdks = functools.lru_cache(maxsize=16384)(self._sdks_uncached)

    def __len__(self) -> int:
        """How many distinct owners (by normalised name) the layers name."""
        return len({e.key for layer in self.layers for e in layer.entities()})

    def __iter__(self) -> Iterator[Entity]:
        """Each owner once (the one of highest precedence for a name)."""
        seen: set[str] = set()
        for layer in self.layers:
            for entity in layer.entities():
                if entity.key not in seen:
                    seen.add(entity.key)
                    yield entity

    def __repr__(self) -> str:
        return f"<Entities {len(self)} owners from {[layer.origin for layer in self.layers]}>"

    @property
    def sdks(self) -> list[Sdk]:
        return [sdk for layer in self.layers for sdk in layer.sdks]

    def _match_uncached(self, host: str) -> tuple[str, Service] | None:
        for layer in self.layers:
            if (found := layer.match(host)) is not None:
                return found
        return None

    def match(self, host: str) -> tuple[str, Entity] | None:
        """The (pattern, owner) that attributes ``host``, or None."""
        found = self._match(normalize_host(host))
        return (found[0], found[1].entity) if found else None

    def lookup(self, host: str) -> Entity | None:
        """The owner of ``host``, or None when no layer knows it."""
        found = self._match(normalize_host(host))
        return found[1].entity if found else None

    def service(self, host: str) -> Service | None:
        """What ``host`` is for (``purpose``, maybe a ``name`` such as "Google Fonts") and whose it is
        (``entity``, whose ``parent`` and ``country`` a report shows), or None when no layer knows the host."""
        found = self._match(normalize_host(host))
        return found[1] if found else None

    def _sdks_uncached(self, host: str) -> tuple[tuple[tuple[Score, Sdk], ...], ...]:
        """Per layer (in precedence order), the SDKs whose hosts match; layers without any left out."""
        return tuple(tuple(found) for layer in self.layers if (found := layer.sdk_candidates(host)))

    def sdk_for(self, host: str, path: str = "/") -> Sdk | None:
        """The SDK whose endpoint ``host`` and ``path`` are, or None.

        The first layer with a matching SDK answers; within it the most specific host pattern wins, then the
        longest matching path prefix.
        """
        for candidates in self._sdks(normalize_host(host)):
            best: Sdk | None = None
            best_key: tuple[Score, int] | None = None
            for score, sdk in candidates:
                path_score = _path_score(sdk, path or "/")
                if path_score >= 0 and (best_key is None or (score, path_score) > best_key):
                    best, best_key = sdk, (score, path_score)
            if best is not None:
                return best
        return None

    def get(self, name: str) -> Entity | None:
        """The owner going by ``name`` (compared normalised, aliases included), or None."""
        return self._by_name.get(normalize_owner(name))

    def owner_names(self, entity: Entity) -> frozenset[str]:
        """The normalised names of ``entity``, its aliases and those of its parents (followed up the chain)."""
        names: set[str] = set()
        current: Entity | None = entity
        parent_name: str | None = None
        for _ in range(8):  # parent chains are short; guard against cycles
            if current is not None:
                names |= current.names()
                parent_name = current.parent
            if not parent_name:
                break
            names.add(normalize_owner(parent_name))
            current = self.get(parent_name)
            if current is None:
                break
            parent_name = None
        names.discard("")
        return frozenset(names)

    @staticmethod
    def is_eu_eea(country: str | None) -> bool:
        """Whether ``country`` is in the EU or the EEA (see model.is_eu_eea)."""
        return is_eu_eea(country)

    def overlay(self, other: Entities) -> Entities:
        """These entities with ``other``'s layers in front: ``other`` wins where both know a host.

        An owner of ``other`` that this data also knows (by normalised name or alias) keeps the details it lacks
        from here; from a foreign tracker list (which carries no country and other categories), it keeps our
        country and categories.
        """
        layers = [self._enrich(layer) for layer in other.layers]
        return Entities([*layers, *self.layers])

    def _enrich(self, layer: Layer) -> Layer:
        replaced: dict[int, Entity] = {}
        for entity in layer.entities():
            known = self.get(entity.name) or next(filter(None, map(self.get, entity.aliases)), None)
            if known is not None:
                replaced[id(entity)] = _merge_entity(entity, known, layer.foreign)
        if not replaced:
            return layer

        def new(entity: Entity) -> Entity:
            return replaced.get(id(entity), entity)

        services: dict[int, Service] = {}

        def renew(service: Service) -> Service:
            return services.setdefault(id(service), dataclasses.replace(service, entity=new(service.entity)))

        pairs = [(p, renew(s)) for p, s in layer.services.items()] + [(p, renew(s)) for p, s, _ in layer.globs]
        sdks = [dataclasses.replace(s, entity=new(s.entity)) for s in layer.sdks]
        return Layer.build(layer.origin, pairs, sdks, layer.foreign)


def _merge_entity(user: Entity, known: Entity, foreign: bool) -> Entity:
    """``user``'s owner with what it lacks taken from ``known`` (the built-in record of the same owner)."""
    aliases = tuple(dict.fromkeys(a for a in (*user.aliases, known.name, *known.aliases) if a != user.name))
    return dataclasses.replace(
        user,
        parent=user.parent or known.parent,
        country=known.country if foreign else (user.country or known.country),
        categories=known.categories if foreign or not user.categories else user.categories,
        purposes=known.purposes if foreign or not user.purposes else user.purposes,
        source=user.source or known.source,
        aliases=aliases,
    )
