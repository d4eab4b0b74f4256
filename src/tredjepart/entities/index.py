"""Who is behind a host: the lookup over layers of entity data.

A *layer* is what one source gave (the built-in file, or one user's list): host patterns mapped to owners,
plus SDK endpoints. ``Entities`` asks its layers in order of precedence (users' lists first, the built-in data
last) and answers from the first layer that knows the host. Within a layer the most specific pattern wins: an
exact host, or a glob naming more of the host, beats a pattern for a parent domain.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import functools
import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from tredjepart.entities.model import Entity, Sdk, is_eu_eea, normalize_owner
from tredjepart.sites import is_glob, normalize_host

logger = logging.getLogger(__name__)

# (labels named in full, a label partly named, a domain rather than a glob): bigger is more specific.
Score = tuple[int, int, int]
_NO_MATCH: Score = (-1, 0, 0)


def pattern_score(pattern: str) -> Score:
    """How specific a host pattern is; see the module docstring."""
    labels = pattern.split(".")
    if not is_glob(pattern):
        return (len(labels), 0, 1)
    literal = sum(1 for label in labels if not is_glob(label))
    partial = int(any(is_glob(label) and label.strip("*?") for label in labels))
    return (literal, partial, 0)


@dataclass(frozen=True, eq=False)
class Layer:
    """The host patterns and SDKs of one source. ``foreign``: a tracker list in another format than ours."""

    origin: str
    domains: dict[str, Entity]
    globs: tuple[tuple[str, Entity, Score], ...] = ()
    sdks: tuple[Sdk, ...] = ()
    foreign: bool = False
    _sdk_domains: dict[str, list[Sdk]] = field(default_factory=dict, init=False, repr=False)
    _sdk_globs: list[tuple[str, Sdk]] = field(default_factory=list, init=False, repr=False)

    def __post_init__(self) -> None:
        for sdk in self.sdks:
            for pattern in sdk.hosts:
                if is_glob(pattern):
                    self._sdk_globs.append((pattern, sdk))
                else:
                    self._sdk_domains.setdefault(pattern, []).append(sdk)

    @classmethod
    def build(cls, origin: str, pairs: Iterable[tuple[str, Entity]], sdks: Iterable[Sdk] = (),
              foreign: bool = False) -> Layer:
        """A layer from (pattern, owner) pairs; a pattern given twice keeps its last owner."""
        domains: dict[str, Entity] = {}
        globs: dict[str, Entity] = {}
        for pattern, entity in pairs:
            pattern = normalize_host(pattern)
            if not pattern:
                continue
            (globs if is_glob(pattern) else domains)[pattern] = entity
        scored = tuple((p, e, pattern_score(p)) for p, e in globs.items())
        return cls(origin, domains, scored, tuple(sdks), foreign)

    def entities(self) -> list[Entity]:
        """The owners named in this layer, each once, in the order first met."""
        seen: dict[int, Entity] = {}
        for entity in (*self.domains.values(), *(e for _, e, _ in self.globs), *(s.entity for s in self.sdks)):
            seen.setdefault(id(entity), entity)
        return list(seen.values())

    def match(self, host: str) -> tuple[str, Entity] | None:
        """The most specific (pattern, owner) for ``host`` (normalised) in this layer, or None."""
        best: tuple[str, Entity] | None = None
        best_score = _NO_MATCH
        labels = host.split(".")
        for i in range(len(labels)):
            candidate = ".".join(labels[i:])
            entity = self.domains.get(candidate)
            if entity is not None:
                best, best_score = (candidate, entity), (len(labels) - i, 0, 1)
                break
        for pattern, entity, score in self.globs:
            if score > best_score and fnmatch.fnmatchcase(host, pattern):
                best, best_score = (pattern, entity), score
        return best

    def sdk_candidates(self, host: str) -> list[tuple[Score, Sdk]]:
        """The SDKs whose host patterns match ``host``, most specific first (paths not yet checked)."""
        found: list[tuple[Score, Sdk]] = []
        labels = host.split(".")
        for i in range(len(labels)):
            for sdk in self._sdk_domains.get(".".join(labels[i:]), ()):
                found.append(((len(labels) - i, 0, 1), sdk))
        for pattern, sdk in self._sdk_globs:
            if fnmatch.fnmatchcase(host, pattern):
                found.append((pattern_score(pattern), sdk))
        found.sort(key=lambda pair: pair[0], reverse=True)
        return found


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

    def _match_uncached(self, host: str) -> tuple[str, Entity] | None:
        for layer in self.layers:
            if (found := layer.match(host)) is not None:
                return found
        return None

    def match(self, host: str) -> tuple[str, Entity] | None:
        """The (pattern, owner) that attributes ``host``, or None."""
        return self._match(normalize_host(host))

    def lookup(self, host: str) -> Entity | None:
        """The owner of ``host``, or None when no layer knows it."""
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

        pairs = [(p, new(e)) for p, e in layer.domains.items()] + [(p, new(e)) for p, e, _ in layer.globs]
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
        source=user.source or known.source,
        aliases=aliases,
    )
