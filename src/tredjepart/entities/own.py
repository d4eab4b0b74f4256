"""Is a host on another registrable domain the first party's own? Evidence that needs no list.

A news site's images on ``aftonbladet-cdn.se``, a portal's scripts on ``portal-static.dk``: to the site rule
they are third parties, and an audit that lists them as unknown third parties buries the real ones. Each
function here looks at one kind of evidence and returns an ``OwnEvidence`` (verdict "probably own", how sure,
and why, in words for the report) or None. They are pure: the recorder gathers the inputs (the policy's
declared sites, the server certificates it saw, the CNAME it resolved) and shows the evidence; the policy still
decides whether the flow is covered.

How strong each kind is, strongest first:

* ``declared``: the policy names the host's site among the solution's own (high).
* ``same-owner``: the entity data names one owner for the host and the first party (high; medium when they
  only share a parent company).
* ``certificate``: the host's certificate is issued to the same organisation as the first party's (high), or
  names both the first party's site and the host (medium for a certificate of a few sites, low for one of
  many). A certificate a CDN shares among unrelated customers, or one naming more than ``MAX_SITES`` sites,
  is no evidence (``certowner.shared_certificate``).
* ``cname``: the host is a DNS alias of a name under the first party's site (medium).
* ``name``: the host's domain extends the first party's name (``aftonbladet-cdn.se`` for ``aftonbladet.se``,
  ``aftonbladet.no``; for a three-letter name only another suffix or an asset word: ``svtstatic.se``, ``bbc.com``):
  low, as anyone can register such a name.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tredjepart.entities.certowner import FEW_SITES, infrastructure, shared_certificate
from tredjepart.entities.certs import CertFacts
from tredjepart.entities.index import Entities
from tredjepart.entities.model import normalize_owner
from tredjepart.sites import host_matches, normalize_host, site_of

CONFIDENCES = ("high", "medium", "low")
MIN_NAME = 4  # shorter first-party names (dr.dk, svt.se) are too common to extend freely
SHORT_NAME = 3  # a three-letter name counts under another suffix or with an asset word (svtstatic.se, bbcimg.com)
ASSET_WORDS = ("static", "cdn", "img", "image", "images", "media", "assets", "content", "video", "api")


@dataclass(frozen=True, slots=True)
class OwnEvidence:
    """Why ``host`` is probably the first party's own: ``kind`` of evidence, ``confidence`` (CONFIDENCES) and
    ``evidence``, one sentence for the report."""

    host: str
    first_site: str
    kind: str
    confidence: str
    evidence: str
    verdict: str = "probably own"


def from_declared(host: str, first_site: str, declared: Iterable[str]) -> OwnEvidence | None:
    """The policy declares the host's site (or a pattern matching the host) as the solution's own."""
    for pattern in declared:
        if host_matches(host, pattern):
            return OwnEvidence(host, first_site, "declared", "high",
                               f"the policy declares {pattern} as one of the solution's own sites")
    return None


def from_owner(host: str, first_site: str, entities: Entities) -> OwnEvidence | None:
    """The entity data names the same owner (or owners with a common parent) for the host and the first party."""
    theirs, ours = entities.lookup(host), entities.lookup(first_site)
    if theirs is None or ours is None:
        return None
    if theirs.key == ours.key:
        return OwnEvidence(host, first_site, "same-owner", "high",
                           f"the entity data names {theirs.name} as the owner of both {site_of(host)} and {first_site}")
    common = entities.owner_names(theirs) & entities.owner_names(ours)
    if not common or (infrastructure(entities, host) and not infrastructure(entities, first_site)):
        return None
    return OwnEvidence(host, first_site, "same-owner", "medium",
                       f"{site_of(host)} ({theirs.name}) and {first_site} ({ours.name}) belong to one group")


def from_certificate(host: str, first_site: str, cert: CertFacts | None, first_cert: CertFacts | None = None,
                     entities: Entities | None = None) -> OwnEvidence | None:
    """The host's certificate (``cert``), or the first party's own (``first_cert``), ties the host to the first
    party. A certificate that may be shared by unrelated companies (``certowner.shared_certificate``) counts not."""
    cert = cert if cert is not None and not shared_certificate(cert, entities) else None
    first_cert = first_cert if first_cert is not None and not shared_certificate(first_cert, entities) else None
    org = cert.organization if cert is not None else None
    if org and first_cert is not None and first_cert.organization \
            and normalize_owner(org) == normalize_owner(first_cert.organization):
        return OwnEvidence(host, first_site, "certificate", "high",
                           f"the certificates of {host} and of {first_site} are both issued to {org!r}")
    if org and entities is not None and (owner := entities.lookup(first_site)) is not None \
            and normalize_owner(org) in entities.owner_names(owner):
        return OwnEvidence(host, first_site, "certificate", "high",
                           f"the certificate of {host} is issued to {org!r}, the owner of {first_site}")
    for which, facts in (("its", cert), (f"{first_site}'s", first_cert)):
        if facts is None or not (facts.covers(host) and facts.covers_site(first_site)):
            continue
        sites = len(facts.sites())
        confidence = "medium" if sites <= FEW_SITES or facts.organization else "low"
        return OwnEvidence(host, first_site, "certificate", confidence,
                           f"{which} certificate names both {host} and {first_site} "
                           f"({sites} site{'s' if sites != 1 else ''} in all"
                           + (f", issued to {facts.organization!r})" if facts.organization else ")"))
    return None


def from_cname(host: str, first_site: str, canonical: str | None) -> OwnEvidence | None:
    """The host is a DNS alias (CNAME) of a name under the first party's site."""
    if not canonical:
        return None
    canonical = normalize_host(canonical)
    if canonical == normalize_host(host) or site_of(canonical) != first_site:
        return None
    return OwnEvidence(host, first_site, "cname", "medium",
                       f"{host} is a DNS alias (CNAME) of {canonical}, under {first_site}")


def from_name(host: str, first_site: str) -> OwnEvidence | None:
    """The host's registrable domain extends the first party's name: ``aftonbladet-cdn.se``, ``aftonbladetcdn.com``,
    ``aftonbladet.no`` for ``aftonbladet.se``."""
    site = site_of(host)
    mine, theirs = _label(first_site), _label(site)
    if len(mine) < SHORT_NAME or not theirs or site == first_site:
        return None
    if theirs == mine:
        how = f"{site} is {first_site}'s name under another suffix"
    elif len(mine) >= MIN_NAME and (theirs.startswith(mine) or theirs.endswith(mine)):
        how = f"{site} extends the name of {first_site}"
    elif _asset_name(theirs, mine):
        how = f"{site} is the name of {first_site} with {_asset_name(theirs, mine)!r}"
    else:
        return None
    return OwnEvidence(host, first_site, "name", "low", how)


def _asset_name(theirs: str, mine: str) -> str | None:
    """The asset word that makes ``theirs`` out of ``mine`` (``svtstatic``, ``static-svt``, ``bbc-img``), or None."""
    for word in ASSET_WORDS:
        for sep in ("", "-"):
            if theirs in (mine + sep + word, word + sep + mine):
                return word
    return None


def _label(site: str) -> str:
    """The name part of a registrable domain: ``aftonbladet`` of ``aftonbladet.se``, ``bbc`` of ``bbc.co.uk``."""
    return site.split(".", 1)[0] if "." in site else ""


def own_evidence(host: str, first_site: str, *, declared: Iterable[str] = (), cert: CertFacts | None = None,
                 first_cert: CertFacts | None = None, canonical: str | None = None,
                 entities: Entities | None = None) -> OwnEvidence | None:
    """The strongest evidence that ``host`` is the first party's own, or None.

    A host the entity data gives to another owner than the first party's gets no certificate, CNAME or name
    evidence: the data's word that it is someone else's stands.
    """
    host = normalize_host(host)
    if not host or not first_site or site_of(host) == first_site:
        return None
    if found := from_declared(host, first_site, declared):
        return found
    if entities is not None:
        if found := from_owner(host, first_site, entities):
            return found
        if entities.lookup(host) is not None:
            return None
    found = [e for e in (from_certificate(host, first_site, cert, first_cert, entities),
                         from_cname(host, first_site, canonical), from_name(host, first_site)) if e]
    return min(found, key=lambda e: CONFIDENCES.index(e.confidence), default=None)
