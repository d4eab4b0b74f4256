"""The policy as plain frozen data: a solution, its first-party sites and its declared third parties.

``load.py`` builds these from YAML (``docs/policy.md`` is the format reference); ``judge.py`` reads them.
No I/O and no mitmproxy here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from tredjepart.sites import host_matches, is_glob, normalize_host

# The three ways a third party may be present (docs/policy.md, "basis").
BASES = ("technically_necessary", "written_agreement", "opt_out")

BASIS_LABELS = {
    "technically_necessary": "technically necessary",
    "written_agreement": "written agreement",
    "opt_out": "opt-out setting",
}

_CACHE_LIMIT = 8192


@dataclass(frozen=True, slots=True)
class Agreement:
    """The written agreement that binds a third party (basis ``written_agreement``)."""

    reference: str
    signed: date | None = None
    expires: date | None = None
    document: str | None = None  # path or URL of the agreement, for the auditor


@dataclass(frozen=True, slots=True)
class OptOut:
    """The setting that switches off the third party's own use of the data (basis ``opt_out``)."""

    setting: str
    verified: date | None = None  # when the authority last checked the setting really does that
    evidence: str | None = None  # screenshot path, ticket, ...


@dataclass(frozen=True, slots=True)
class ThirdParty:
    """One declared third party: who it is, where it lives, and on what basis it is there."""

    name: str
    sites: tuple[str, ...]
    basis: str  # one of BASES
    purpose: str | None = None
    agreement: Agreement | None = None
    opt_out: OptOut | None = None
    allow: frozenset[str] | None = None  # the only behaviours (records.BEHAVIOURS) it may show; None: any
    notes: str | None = None
    line: int = 0  # where the entry starts in its file (1-based; 0: not from a file)

    def describe_basis(self) -> str:
        """The basis in words, with its reference: "written agreement DPA 2024-17"."""
        label = BASIS_LABELS.get(self.basis, self.basis)
        if self.basis == "written_agreement" and self.agreement:
            return f"{label} {self.agreement.reference}"
        if self.basis == "opt_out" and self.opt_out:
            return f"{label} ({self.opt_out.setting})"
        if self.basis == "technically_necessary" and self.purpose:
            return f"{label} ({self.purpose})"
        return label


@dataclass(frozen=True, slots=True)
class Policy:
    """The declared third parties of one self-service solution (web site or app)."""

    path: Path | None
    solution: str
    owner: str | None
    first_party: tuple[str, ...]
    third_parties: tuple[ThirdParty, ...] = ()
    version: int = 1
    app_ids: tuple[str, ...] = ()
    contact: str | None = None
    notes: str | None = None
    # Where things are in the file (1-based lines): "solution" and each first-party pattern.
    lines: dict[str, int] = field(default_factory=dict, repr=False, compare=False, hash=False)
    _cache: dict = field(default_factory=dict, init=False, repr=False, compare=False, hash=False)

    @property
    def name(self) -> str:
        """How a session can name this policy: the file's stem, else the solution."""
        return self.path.stem if self.path else self.solution

    def is_first_party(self, host: str) -> bool:
        """Whether ``host`` belongs to the solution itself."""
        return self._lookup(("first", host), lambda: best_match(host, self.first_party) is not None)

    def party_for(self, host: str) -> ThirdParty | None:
        """The declared third party covering ``host``; when several do, the most specific pattern wins."""
        return self._lookup(("third", host), lambda: self._find_party(host))

    def first_party_specificity(self, host: str) -> tuple | None:
        """How specifically this policy's first party matches ``host`` (None: not at all); see ``specificity``."""
        best = best_match(host, self.first_party)
        return specificity(best) if best else None

    def _find_party(self, host: str) -> ThirdParty | None:
        best: tuple | None = None
        found = None
        for party in self.third_parties:
            pattern = best_match(host, party.sites)
            if pattern is not None and (best is None or specificity(pattern) > best):
                best, found = specificity(pattern), party
        return found

    def _lookup(self, key: tuple, compute):
        cache = self._cache
        key = (key[0], normalize_host(key[1]))
        try:
            return cache[key]
        except KeyError:
            pass
        if len(cache) >= _CACHE_LIMIT:
            cache.clear()
        value = cache[key] = compute()
        return value


def specificity(pattern: str) -> tuple[int, int, int]:
    """Sort key: more labels first, then a plain domain over a glob, then more literal characters."""
    p = normalize_host(pattern)
    literal = sum(1 for c in p if c not in "*?[]!")
    return (p.count(".") + 1, 0 if is_glob(p) else 1, literal)


def best_match(host: str, patterns: tuple[str, ...] | list[str]) -> str | None:
    """The most specific of ``patterns`` that ``host`` falls under, or None."""
    matching = [p for p in patterns if host_matches(host, p)]
    return max(matching, key=specificity) if matching else None


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a policy file, at a line (1-based; 0: the file as a whole)."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class PolicyError(ValueError):
    """A policy file (or folder) that cannot be used; ``problems`` lists every reason."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


PLACEHOLDER = "FILL IN"


def unfilled(policy: Policy) -> list[str]:
    """The fields still holding a template placeholder ("FILL IN ..."), as "third_parties[Siteimprove].purpose"."""
    def bad(value) -> bool:
        return isinstance(value, str) and value.strip().upper().startswith(PLACEHOLDER)

    out = [name for name in ("solution", "owner", "contact", "notes") if bad(getattr(policy, name))]
    for party in policy.third_parties:
        where = f"third_parties[{party.name}]"
        fields = {"name": party.name, "purpose": party.purpose, "notes": party.notes}
        if party.agreement:
            fields |= {"agreement.reference": party.agreement.reference, "agreement.document": party.agreement.document}
        if party.opt_out:
            fields |= {"opt_out.setting": party.opt_out.setting, "opt_out.evidence": party.opt_out.evidence}
        out += [f"{where}.{name}" for name, value in fields.items() if bad(value)]
    return out
