"""How much third-party traffic the built-in data attributes, and how far it agrees with other lists.

Reads HAR files (plain JSON) and takes, per file, the site of the first document as the page; every request to
another site is a third-party flow. ``measure`` counts the third-party sites and flows that got an owner, and,
for each other list given, how often it and we name the same owner (normalised names, aliases and parents
counted) for the hosts both attribute. A list that gives a domain itself as its "owner" (Disconnect's
``ru4.com``) names no owner; such hosts are reported, not compared. Used by ``scripts/coverage-lists.py`` and the coverage test.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from tredjepart.entities.index import Entities
from tredjepart.sites import site_of

logger = logging.getLogger(__name__)


@dataclass
class Agreement:
    """How far one other list agrees with ours on the owner, over the hosts both attribute."""

    label: str
    hosts: int = 0
    agreed_hosts: int = 0
    flows: int = 0
    agreed_flows: int = 0
    only_theirs: list[str] = field(default_factory=list)  # hosts they attribute and we do not
    unnamed: list[str] = field(default_factory=list)  # hosts whose "owner" they give as the domain itself
    disagreements: list[tuple[str, str, str]] = field(default_factory=list)  # (host, ours, theirs)

    @property
    def host_rate(self) -> float:
        return self.agreed_hosts / self.hosts if self.hosts else 1.0

    @property
    def flow_rate(self) -> float:
        return self.agreed_flows / self.flows if self.flows else 1.0


@dataclass
class Coverage:
    """The measurement over a set of HAR files."""

    files: int = 0
    sites: int = 0  # distinct (page site, third-party site) pairs
    attributed_sites: int = 0
    flows: int = 0
    attributed_flows: int = 0
    hosts: Counter = field(default_factory=Counter)  # third-party host -> flows
    unattributed: Counter = field(default_factory=Counter)  # host -> flows
    agreements: dict[str, Agreement] = field(default_factory=dict)

    @property
    def site_rate(self) -> float:
        return self.attributed_sites / self.sites if self.sites else 1.0

    @property
    def flow_rate(self) -> float:
        return self.attributed_flows / self.flows if self.flows else 1.0


def har_files(root: str | Path) -> list[Path]:
    """Every ``*.har`` under ``root`` (or ``root`` itself when it is a file), sorted."""
    root = Path(root)
    return [root] if root.is_file() else sorted(root.rglob("*.har"))


def third_party_flows(path: str | Path) -> tuple[str | None, list[str]]:
    """The page's site and the host of each third-party request in one HAR file (data: URLs skipped)."""
    with open(path, encoding="utf-8", errors="replace") as f:
        har = json.load(f)
    page: str | None = None
    hosts: list[str] = []
    for entry in har.get("log", {}).get("entries", []):
        url = entry.get("request", {}).get("url", "")
        if not url or url.startswith("data:"):
            continue
        host = urlsplit(url).hostname
        if not host:
            continue
        site = site_of(host)
        if page is None:
            page = site
        elif site != page:
            hosts.append(host)
    return page, hosts


def measure(paths: Iterable[str | Path], ours: Entities, others: Mapping[str, Entities] | None = None) -> Coverage:
    """Attribution by ``ours`` over the third-party flows of the HAR files, and agreement with ``others``."""
    result = Coverage()
    site_pairs: dict[tuple[str, str], bool] = {}
    for path in paths:
        page, hosts = third_party_flows(path)
        result.files += 1
        for host in hosts:
            entity = ours.lookup(host)
            result.flows += 1
            result.hosts[host] += 1
            if entity is not None:
                result.attributed_flows += 1
            else:
                result.unattributed[host] += 1
            key = (page or "", site_of(host))
            site_pairs[key] = site_pairs.get(key, False) or entity is not None
    result.sites = len(site_pairs)
    result.attributed_sites = sum(site_pairs.values())
    for label, theirs in (others or {}).items():
        result.agreements[label] = _agreement(label, result.hosts, ours, theirs)
    return result


def _agreement(label: str, hosts: Counter, ours: Entities, theirs: Entities) -> Agreement:
    agreement = Agreement(label)
    for host, flows in sorted(hosts.items()):
        their_entity = theirs.lookup(host)
        if their_entity is None:
            continue
        our_entity = ours.lookup(host)
        if our_entity is None:
            agreement.only_theirs.append(host)
            continue
        if ours.owner_names(our_entity) & theirs.owner_names(their_entity):
            agreement.agreed_hosts += 1
            agreement.agreed_flows += flows
        elif _names_domain(their_entity.name, host):
            agreement.unnamed.append(host)
            continue
        else:
            agreement.disagreements.append((host, our_entity.name, their_entity.name))
        agreement.hosts += 1
        agreement.flows += flows
    return agreement


def compare_domains(ours: Entities, theirs: Entities, label: str) -> Agreement:
    """Agreement over every domain of our first layer (the built-in data): a check of the whole file.

    Each domain counts once (``flows`` count the same as hosts here).
    """
    domains = Counter({d: 1 for d in ours.layers[0].domains}) if ours.layers else Counter()
    return _agreement(label, domains, ours, theirs)


def _names_domain(name: str, host: str) -> bool:
    """Whether an owner name is only the host's own domain (a list's placeholder, not an owner's name)."""
    name = name.strip().lower()
    return "." in name and " " not in name and site_of(name) == site_of(host)


def format_report(result: Coverage, show: int = 20) -> str:
    """The measurement as plain text."""
    lines = [
        f"HAR files: {result.files}",
        f"third-party sites attributed: {result.attributed_sites}/{result.sites} ({result.site_rate:.1%})",
        f"third-party flows attributed: {result.attributed_flows}/{result.flows} ({result.flow_rate:.1%})",
    ]
    if result.unattributed:
        lines.append("unattributed hosts (flows): " + ", ".join(
            f"{h} ({n})" for h, n in result.unattributed.most_common(show)))
    for a in result.agreements.values():
        lines.append(
            f"agreement with {a.label}: {a.agreed_hosts}/{a.hosts} hosts ({a.host_rate:.1%}), "
            f"{a.agreed_flows}/{a.flows} flows ({a.flow_rate:.1%})"
        )
        if a.only_theirs:
            lines.append(f"  hosts only they attribute: {', '.join(a.only_theirs[:show])}")
        if a.unnamed:
            lines.append(f"  not compared, they name the domain itself as owner: {', '.join(a.unnamed[:show])}")
        for host, mine, theirs in a.disagreements[:show]:
            lines.append(f"  {host}: ours {mine!r}, theirs {theirs!r}")
    return "\n".join(lines)


def default_paths(shared_data: str | Path) -> tuple[list[Path], dict[str, Path]]:
    """The HAR files and the comparison lists under the project's shared data directory."""
    shared = Path(shared_data)
    lists = {
        "DuckDuckGo tds": shared / "tracker-lists" / "ddg__web_v6_extension-tds.json",
        "Disconnect entities": shared / "tracker-lists" / "disconnect__entities.json",
    }
    return har_files(shared / "har"), {k: v for k, v in lists.items() if v.exists()}


def measure_shared(shared_data: str | Path, ours: Entities | None = None,
                   lists: Sequence[tuple[str, Entities]] | None = None) -> Coverage:
    """``measure`` over the shared data directory, against DuckDuckGo's tds and Disconnect's entities."""
    from tredjepart.entities.loaders import builtin_entities, load_entities

    hars, list_paths = default_paths(shared_data)
    ours = ours or builtin_entities()
    others = dict(lists) if lists is not None else {
        label: load_entities([path], builtin=False) for label, path in list_paths.items()}
    return measure(hars, ours, others)
