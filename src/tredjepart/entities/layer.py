"""One source's knowledge of hosts: host patterns mapped to services (and through them to owners), and SDKs.

A *layer* is what one source gave: the built-in file, or one user's list. Within a layer the most specific
pattern wins: an exact host, or a glob naming more of the host, beats a pattern for a parent domain. The
lookup over several layers, in order of precedence, is ``index.Entities``.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from dataclasses import dataclass, field

from tredjepart.entities.model import Entity, Sdk, Service
from tredjepart.sites import is_glob, normalize_host

# (labels named in full, a label partly named, a domain rather than a glob): bigger is more specific.
Score = tuple[int, int, int]
NO_MATCH: Score = (-1, 0, 0)


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
    """The host patterns and SDKs of one source. ``foreign``: a tracker list in another format than ours.

    ``services`` maps each domain pattern to its service; ``domains`` the same patterns to their owners.
    """

    origin: str
    services: dict[str, Service]
    globs: tuple[tuple[str, Service, Score], ...] = ()
    sdks: tuple[Sdk, ...] = ()
    foreign: bool = False
    domains: dict[str, Entity] = field(default_factory=dict, init=False, repr=False)
    _sdk_domains: dict[str, list[Sdk]] = field(default_factory=dict, init=False, repr=False)
    _sdk_globs: list[tuple[str, Sdk]] = field(default_factory=list, init=False, repr=False)

    def __post_init__(self) -> None:
        self.domains.update((pattern, service.entity) for pattern, service in self.services.items())
        for sdk in self.sdks:
            for pattern in sdk.hosts:
                if is_glob(pattern):
                    self._sdk_globs.append((pattern, sdk))
                else:
                    self._sdk_domains.setdefault(pattern, []).append(sdk)

    @classmethod
    def build(cls, origin: str, pairs: Iterable[tuple[str, Entity | Service]], sdks: Iterable[Sdk] = (),
              foreign: bool = False) -> Layer:
        """A layer from (pattern, owner or service) pairs; a pattern given twice keeps its last one."""
        domains: dict[str, Service] = {}
        globs: dict[str, Service] = {}
        made: dict[int, Service] = {}  # one Service per bare owner, not one per pattern
        for pattern, value in pairs:
            pattern = normalize_host(pattern)
            if not pattern:
                continue
            if isinstance(value, Entity):
                value = made.setdefault(id(value), Service(value))
            (globs if is_glob(pattern) else domains)[pattern] = value
        scored = tuple((p, s, pattern_score(p)) for p, s in globs.items())
        return cls(origin, domains, scored, tuple(sdks), foreign)

    def entities(self) -> list[Entity]:
        """The owners named in this layer, each once, in the order first met."""
        seen: dict[int, Entity] = {}
        owners = (*self.domains.values(), *(s.entity for _, s, _ in self.globs), *(s.entity for s in self.sdks))
        for entity in owners:
            seen.setdefault(id(entity), entity)
        return list(seen.values())

    def match(self, host: str) -> tuple[str, Service] | None:
        """The most specific (pattern, service) for ``host`` (normalised) in this layer, or None."""
        best: tuple[str, Service] | None = None
        best_score = NO_MATCH
        labels = host.split(".")
        for i in range(len(labels)):
            candidate = ".".join(labels[i:])
            service = self.services.get(candidate)
            if service is not None:
                best, best_score = (candidate, service), (len(labels) - i, 0, 1)
                break
        for pattern, service, score in self.globs:
            if score > best_score and fnmatch.fnmatchcase(host, pattern):
                best, best_score = (pattern, service), score
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
