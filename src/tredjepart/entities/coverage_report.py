"""The coverage measurement (``coverage.measure``) as plain text, and the tracker lists it compares with.

The lists are read from the project's shared data (DuckDuckGo's web ``tds.json``, Disconnect's
``entities.json``); they are users' copies under non-commercial or GPL licences, compared with, never shipped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from collections import Counter

from tredjepart.entities.coverage import ALL, Coverage, ListAgreement, SiteSeen, _names_domain, agreement
from tredjepart.entities.index import Entities

LISTS = {
    "DuckDuckGo tds": ("tracker-lists", "ddg__web_v6_extension-tds.json"),
    "Disconnect entities": ("tracker-lists", "disconnect__entities.json"),
}


def list_paths(shared_data: str | Path) -> dict[str, Path]:
    """The comparison lists present under the shared data directory, by label."""
    found = {label: Path(shared_data).joinpath(*parts) for label, parts in LISTS.items()}
    return {label: path for label, path in found.items() if path.exists()}


def load_lists(shared_data: str | Path) -> dict[str, Entities]:
    """The comparison lists, each on its own (without the built-in data)."""
    from tredjepart.entities.loaders import load_entities

    return {label: load_entities([path], builtin=False) for label, path in list_paths(shared_data).items()}


@dataclass
class ListCoverage:
    """How much of a tracker list's own tracker hosts the data names, counted and weighted by the list's
    ``prevalence`` (the share of sites it was found on): a figure that does not depend on the captures.

    Hosts whose "owner" in the list is only the host's own domain name nobody and are not counted (``unnamed``),
    as in the site measure. ``missing`` sums, per owner the list names, the weight of the hosts the data does
    not give that owner: where the rest of the weight lies.
    """

    hosts: int = 0
    named: int = 0
    agreed: int = 0
    unnamed: int = 0
    weight: float = 0.0
    named_weight: float = 0.0
    agreed_weight: float = 0.0
    missing: Counter = field(default_factory=Counter)  # the list's owner -> weight not agreed
    missing_hosts: Counter = field(default_factory=Counter)  # the list's owner -> hosts not agreed


def tds_coverage(path: str | Path, ours: Entities, theirs: Entities) -> ListCoverage:
    """``ListCoverage`` over the ``trackers`` of a DuckDuckGo ``tds.json`` (``theirs`` is that list, loaded)."""
    with open(path, encoding="utf-8") as f:
        trackers = json.load(f).get("trackers") or {}
    found = ListCoverage()
    for host, record in trackers.items():
        their_entity = theirs.lookup(host) if isinstance(host, str) else None
        if their_entity is None:
            continue
        if _names_domain(their_entity.name, host):
            found.unnamed += 1
            continue
        prevalence = record.get("prevalence") if isinstance(record, dict) else None
        weight = float(prevalence) if isinstance(prevalence, (int, float)) and prevalence > 0 else 0.0
        found.hosts += 1
        found.weight += weight
        our_entity = ours.lookup(host)
        if our_entity is not None:
            found.named += 1
            found.named_weight += weight
            if ours.owner_names(our_entity) & theirs.owner_names(their_entity):
                found.agreed += 1
                found.agreed_weight += weight
                continue
        found.missing[their_entity.name] += weight
        found.missing_hosts[their_entity.name] += 1
    return found


def format_tds_coverage(found: ListCoverage, show: int = 0) -> str:
    """One line for ``tds_coverage``, and then the ``show`` owners of the list that weigh most among the rest."""
    weight = found.weight or 1.0
    line = (f"DuckDuckGo's tracker hosts with the same owner in the built-in data: {_pct(found.agreed, found.hosts)} "
            f"of hosts, {found.agreed_weight / weight:.1%} weighted by prevalence "
            f"(named: {found.named_weight / weight:.1%}; {found.unnamed} hosts whose owner the list gives only as "
            f"the domain itself not counted)")
    rest = [f"  {w / weight:6.1%} {found.missing_hosts[o]:>5} hosts  {o}" for o, w in found.missing.most_common(show)]
    if rest:
        line += "\nthe rest by the list's owner (share of the weight, hosts), heaviest first:\n" + "\n".join(rest)
    return line


def compare_domains(ours: Entities, theirs: Entities, label: str) -> ListAgreement:
    """Agreement over every domain of our first layer (the built-in data): a check of the whole file, each
    domain taken as a site of its own."""
    domains = ours.layers[0].domains if ours.layers else {}
    sites = {d: SiteSeen(d, captures={"file"}, families={ALL}, hosts=Counter({d: 1})) for d in domains}
    return agreement(label, sites, ours, {label: theirs}, ALL)


def _pct(part: int, whole: int) -> str:
    return f"{part}/{whole} ({part / whole:.1%})" if whole else "0/0"


def format_report(result: Coverage, show: int = 30) -> str:
    """The measurement as plain text: flows per family, sites per list and family, sites by prevalence, and the
    unattributed, missing and disagreeing ones."""
    readers: dict[str, int] = {}
    for capture in result.captures:
        readers[capture.reader] = readers.get(capture.reader, 0) + 1
    lines = [f"captures: {len(result.captures)} ("
             + ", ".join(f"{f} {c.captures}" for f, c in sorted(result.flows.items())) + "); read by "
             + ", ".join(f"{r} {n}" for r, n in sorted(readers.items())), ""]
    lines.append("third-party flows attributed (owner from the data, or probably the first party's own):")
    lines.append(f"  {'family':<18}{'captures':>9}{'flows':>8}{'data':>8}{'own':>6}  {'attributed':<20}"
                 f"{'certificate only':>16}")
    for family, count in [*sorted(result.flows.items()), (ALL, result.total)]:
        lines.append(f"  {family:<18}{count.captures:>9}{count.flows:>8}{count.by_data:>8}{count.by_own:>6}  "
                     f"{_pct(count.attributed, count.flows):<20}{count.by_cert:>16}")
    lines += ["", "third-party sites a tracker list names an owner for, with the right owner from the built-in data:"]
    lines.append(f"  {'list':<26}{'family':<18}{'known':>6}{'named':>7}{'agree':>7}  right owner")
    for label, per_family in result.lists.items():
        for family, a in per_family.items():
            if a.known:
                lines.append(f"  {label:<26}{family:<18}{a.known:>6}{a.named:>7}{a.agreed:>7}  "
                             f"{_pct(a.agreed, a.known)}")
    lines += ["", f"third-party sites by prevalence (captures, flows, owner); first {show}:"]
    lines += [f"  {len(s.captures):>3} {s.flows:>5}  {s.site:<32} {_status(s)}" for s in result.by_prevalence()[:show]]
    unattributed = [s for s in result.by_prevalence() if not s.attributed]
    lines += ["", f"unattributed third-party sites, most frequent first ({len(unattributed)}):"]
    lines += [f"  {len(s.captures):>3} {s.flows:>5}  {s.site:<32} {_status(s)}" for s in unattributed[:show]]
    for label, per_family in result.lists.items():
        a = per_family[ALL]
        if a.missing:
            lines.append(f"known to {label}, no owner in the built-in data: {', '.join(a.missing[:show])}")
        for site, ours, theirs in a.disagreements[:show]:
            lines.append(f"  {label} disagrees on {site}: ours {ours!r}, theirs {theirs!r}")
    odd = [c for c in result.captures if c.problem]
    if odd:
        lines += ["", "read without the analysis reader (it could not read them to the end, or skipped entries):"]
        lines += [f"  {c.family}/{c.name} ({c.reader}): {c.problem[:120]}" for c in odd]
    return "\n".join(lines)


def _status(seen: SiteSeen) -> str:
    if seen.owner:
        return seen.owner
    if seen.own:
        return f"probably own ({seen.own.confidence}: {seen.own.evidence})"
    if seen.cert_owner:
        return f"unknown; certificate suggests {seen.cert_owner.entity.name} ({seen.cert_owner.confidence})"
    return "unknown"
