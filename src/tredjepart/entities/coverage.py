"""How far the built-in owner data holds on real captures, measured, not assumed.

Two figures, over captures read elsewhere (``record.capture_facts``) into plain ``CaptureFacts``:

* **Flows attributed.** A capture's first party is the site of its first document. Every flow to another site
  is a third-party flow; it is attributed when the data names its owner, or when the own-domain evidence
  (``own.own_evidence``: certificates, names) says it is probably the first party's own. Flows whose owner only
  a certificate suggests (``certowner``) are counted apart, as the weaker evidence they are.
* **Sites a tracker list knows.** For each third-party site that DuckDuckGo's or Disconnect's list names an
  owner for, whether the built-in data names one for every host of the site the list knows, and whether the
  two agree (aliases, former names and parents count: ``Entities.owner_names``). A list that gives a domain as
  its own "owner" (Disconnect's ``ru4.com``) names nobody; such sites are not counted.

The lists are compared with, never copied from. ``coverage_report`` prints the result.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from tredjepart.entities.certowner import CertOwner, owner_from_certificate
from tredjepart.entities.certs import CertFacts
from tredjepart.entities.index import Entities
from tredjepart.entities.own import OwnEvidence, own_evidence
from tredjepart.sites import site_of

ALL = "all"
EITHER = "DuckDuckGo or Disconnect"


@dataclass(frozen=True, slots=True)
class SeenFlow:
    """One request of a capture: its host, and the server certificate when the capture kept it."""

    host: str
    cert: CertFacts | None = None


@dataclass
class CaptureFacts:
    """What a measurement needs of one capture. ``reader``: "tredjepart" (the reader an analysis uses),
    "har-json" or "tnetstring"; ``problem``: why the analysis reader was not used, when it was not."""

    name: str
    family: str
    first_host: str | None
    flows: list[SeenFlow]
    reader: str = "tredjepart"
    problem: str | None = None

    @property
    def first_site(self) -> str | None:
        return site_of(self.first_host) if self.first_host else None


@dataclass
class FlowCount:
    """Third-party flows of a family of captures, and how each was attributed."""

    captures: int = 0
    flows: int = 0
    by_data: int = 0  # the data names the owner
    by_own: int = 0  # probably the first party's own (own-domain evidence)
    by_cert: int = 0  # only a certificate suggests an owner (not counted as attributed)

    @property
    def attributed(self) -> int:
        return self.by_data + self.by_own

    @property
    def rate(self) -> float:
        return self.attributed / self.flows if self.flows else 1.0

    def add(self, other: FlowCount) -> None:
        for name in ("captures", "flows", "by_data", "by_own", "by_cert"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class SiteSeen:
    """One third-party site over all captures: where it was seen and what the data and evidence say."""

    site: str
    captures: set[str] = field(default_factory=set)
    families: set[str] = field(default_factory=set)
    hosts: Counter = field(default_factory=Counter)  # host -> flows
    owner: str | None = None  # the data's owner for its most frequent host
    own: OwnEvidence | None = None
    cert_owner: CertOwner | None = None

    @property
    def flows(self) -> int:
        return sum(self.hosts.values())

    @property
    def attributed(self) -> bool:
        return self.owner is not None or self.own is not None


@dataclass
class ListAgreement:
    """Over the third-party sites one list names an owner for: how many the data names, and agrees on."""

    label: str
    known: int = 0
    named: int = 0
    agreed: int = 0
    missing: list[str] = field(default_factory=list)  # sites the list knows and the data does not
    disagreements: list[tuple[str, str, str]] = field(default_factory=list)  # (site, ours, theirs)

    @property
    def right_rate(self) -> float:
        """The share of the sites the list knows that the data gives the same owner."""
        return self.agreed / self.known if self.known else 1.0

    @property
    def agree_rate(self) -> float:
        """The share of the sites both name an owner for where the two agree."""
        return self.agreed / self.named if self.named else 1.0


@dataclass
class Coverage:
    """The measurement: flows per capture family, every third-party site, agreement per list and family."""

    captures: list[CaptureFacts] = field(default_factory=list)
    flows: dict[str, FlowCount] = field(default_factory=dict)
    sites: dict[str, SiteSeen] = field(default_factory=dict)
    lists: dict[str, dict[str, ListAgreement]] = field(default_factory=dict)  # label -> family (or ALL) -> ...

    @property
    def total(self) -> FlowCount:
        total = FlowCount()
        for count in self.flows.values():
            total.add(count)
        return total

    def by_prevalence(self) -> list[SiteSeen]:
        """Third-party sites, those seen in most captures first, then most flows."""
        return sorted(self.sites.values(), key=lambda s: (-len(s.captures), -s.flows, s.site))


def measure(captures: Iterable[CaptureFacts], ours: Entities,
            lists: Mapping[str, Entities] | None = None) -> Coverage:
    """Attribution by ``ours`` over the captures' third-party flows and sites, and agreement with ``lists``."""
    result = Coverage()
    for capture in captures:
        result.captures.append(capture)
        count = result.flows.setdefault(capture.family, FlowCount())
        count.captures += 1
        _measure_capture(capture, ours, count, result.sites)
    for seen in result.sites.values():
        seen.owner = next((e.name for h, _ in seen.hosts.most_common() if (e := ours.lookup(h))), None)
    lists = lists or {}
    families = sorted({c.family for c in result.captures})
    for label, theirs in lists.items():
        result.lists[label] = {family: agreement(label, result.sites, ours, {label: theirs}, family)
                               for family in (ALL, *families)}
    if len(lists) > 1:
        result.lists[EITHER] = {family: agreement(EITHER, result.sites, ours, lists, family)
                                for family in (ALL, *families)}
    return result


def _measure_capture(capture: CaptureFacts, ours: Entities, count: FlowCount, sites: dict[str, SiteSeen]) -> None:
    first_site = capture.first_site
    if not first_site:
        return
    certs: dict[str, CertFacts] = {}
    for flow in capture.flows:
        if flow.cert is not None:
            certs.setdefault(flow.host, flow.cert)
    first_cert = certs.get(capture.first_host or "")
    judged: dict[str, tuple[OwnEvidence | None, CertOwner | None]] = {}
    for flow in capture.flows:
        site = site_of(flow.host)
        if not site or site == first_site:
            continue
        count.flows += 1
        seen = sites.setdefault(site, SiteSeen(site))
        seen.captures.add(capture.name)
        seen.families.add(capture.family)
        seen.hosts[flow.host] += 1
        entity = ours.lookup(flow.host)
        if entity is not None:
            count.by_data += 1
            continue
        if flow.host not in judged:
            cert = flow.cert or certs.get(flow.host)
            own = own_evidence(flow.host, first_site, cert=cert, first_cert=first_cert, entities=ours)
            judged[flow.host] = (own, None if own else owner_from_certificate(flow.host, cert, ours))
        own, by_cert = judged[flow.host]
        if own is not None:
            count.by_own += 1
            seen.own = seen.own or own
        elif by_cert is not None:
            count.by_cert += 1
            seen.cert_owner = seen.cert_owner or by_cert


def agreement(label: str, sites: dict[str, SiteSeen], ours: Entities, lists: Mapping[str, Entities],
               family: str) -> ListAgreement:
    agreement = ListAgreement(label)
    for site in sorted(sites.values(), key=lambda s: (-len(s.captures), s.site)):
        if family != ALL and family not in site.families:
            continue
        verdicts = [v for theirs in lists.values() if (v := _site_verdict(site, ours, theirs)) is not None]
        if not verdicts:
            continue
        agreement.known += 1
        if any(v[0] is None for v in verdicts):
            agreement.missing.append(site.site)
            continue
        agreement.named += 1
        if any(v[2] for v in verdicts):
            agreement.agreed += 1
        else:
            agreement.disagreements.append((site.site, verdicts[0][0] or "", verdicts[0][1]))
    return agreement


def _site_verdict(site: SiteSeen, ours: Entities, theirs: Entities) -> tuple[str | None, str, bool] | None:
    """(our owner, theirs, agreed) over the site's hosts the list names a real owner for; None when none.

    Our owner is None when the data misses one of those hosts; agreed only when every one of them agrees.
    """
    ours_name: str | None = ""
    theirs_name = ""
    agreed = True
    for host in site.hosts:
        their_entity = theirs.lookup(host)
        if their_entity is None or _names_domain(their_entity.name, host):
            continue
        theirs_name = theirs_name or their_entity.name
        our_entity = ours.lookup(host)
        if our_entity is None:
            return None, theirs_name, False
        ours_name = ours_name or our_entity.name
        agreed = agreed and bool(ours.owner_names(our_entity) & theirs.owner_names(their_entity))
    if not theirs_name:
        return None
    return ours_name, theirs_name, agreed


def _names_domain(name: str, host: str) -> bool:
    """Whether an owner name is only the host's own domain (a list's placeholder, not an owner's name)."""
    name = name.strip().lower()
    return "." in name and " " not in name and site_of(name) == site_of(host)
