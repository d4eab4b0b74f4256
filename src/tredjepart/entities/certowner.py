"""Who runs a host the entity data does not know, as far as its server certificate tells.

Two kinds of evidence, both weaker than the curated data and shown as such:

* an organisation-validated certificate (OV or EV) issued to an organisation the data knows by its legal name
  or an alias: ``O=Google LLC`` on ``*.bdn.dev`` (medium);
* a certificate shared with hosts the data knows: ``*.cc-dt.com`` on the same certificate as ``*.doubleclick.net``
  and ``*.2mdn.net``. Only when the known sites on it all belong to one owner (or one group) and make up at
  least a third of its other sites (low). Google's own certificates name 74 sites, a third of them known.

What must not count: a certificate a CDN or host issues in its own name for its customers (Cloudflare's
``sni.cloudflaressl.com`` with ``O=Cloudflare, Inc.`` covering a customer's site), a multi-tenant certificate
with hundreds or thousands of unrelated customers' names, and a DV certificate's missing organisation.
``shared_certificate`` says when a certificate is one of these; then it is no evidence of anything.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from tredjepart.entities.certs import CertFacts, names_by_site
from tredjepart.entities.index import Entities
from tredjepart.entities.model import Entity
from tredjepart.sites import normalize_host, site_of

MAX_SITES = 100  # a certificate naming more sites is a multi-tenant one: no evidence (Google's names 74)
FEW_SITES = 10  # up to this many sites, naming two of them is good evidence they are one owner's
INFRASTRUCTURE = frozenset({"cdn", "hosting"})


@dataclass(frozen=True, slots=True)
class CertOwner:
    """An owner attributed from a certificate: ``entity``, ``confidence`` ("medium" or "low") and why."""

    host: str
    entity: Entity
    confidence: str
    evidence: str


def infrastructure(entities: Entities | None, host: str) -> bool:
    """Whether the data knows ``host`` as a CDN or hosting service (one that serves other companies' sites)."""
    if entities is None:
        return False
    service = entities.service(host.removeprefix("*."))
    if service is None:
        return False
    if service.purpose is not None:
        return service.purpose in INFRASTRUCTURE
    return "hosting" in service.entity.categories  # a list without purposes: the owner's categories


def infrastructure_owner(entity: Entity) -> bool:
    """Whether ``entity`` is above all a CDN or host: its most used purpose is one (or, for an owner from a list
    without purposes, its categories say hosting). Such companies issue certificates in their own name for their
    customers' sites (Cloudflare does), so their name on a certificate says nothing about whose the host is."""
    if entity.purposes:
        return entity.purposes[0] in INFRASTRUCTURE
    return "hosting" in entity.categories


def shared_certificate(cert: CertFacts, entities: Entities | None = None) -> bool:
    """Whether ``cert`` may be shared by unrelated companies: its subject is a CDN's or host's own name, it names
    more than MAX_SITES sites, or the sites on it that the data knows belong to owners with nothing in common."""
    if len(cert.sites()) > MAX_SITES:
        return True
    if entities is None:
        return False
    if cert.common_name and infrastructure(entities, normalize_host(cert.common_name)):
        return True
    groups = [entities.owner_names(found[0]) for found in _known_owners(cert, entities, exclude=None).values()]
    return any(not (a & b) for i, a in enumerate(groups) for b in groups[i + 1:])


def _known_owners(cert: CertFacts, entities: Entities, exclude: str | None) -> dict[str, list[Entity]]:
    """Per owner key, the owner of each site on ``cert`` the data knows (``exclude``: a site left out)."""
    found: dict[str, list[Entity]] = {}
    for site, names in sorted(names_by_site(cert.names).items()):
        if site == exclude:
            continue
        entity = entities.lookup(site) or next(filter(None, map(entities.lookup, names)), None)
        if entity is not None:
            found.setdefault(entity.key, []).append(entity)
    return found


def owner_from_certificate(host: str, cert: CertFacts | None, entities: Entities) -> CertOwner | None:
    """The owner ``cert`` points at for ``host``, which the data does not know itself; None without evidence."""
    host = normalize_host(host)
    if cert is None or not cert.covers(host) or shared_certificate(cert, entities):
        return None
    if cert.organization:
        entity = entities.get(cert.organization)
        if entity is not None and not infrastructure_owner(entity) \
                and not any(infrastructure(entities, n) for n in cert.names):
            return CertOwner(host, entity, "medium",
                             f"the certificate of {host} is issued to {cert.organization!r} (organisation-validated)")
    site = site_of(host)
    others = cert.sites() - {site}
    owners = _known_owners(cert, entities, exclude=site)
    if not owners or not others:
        return None
    known = sum(len(v) for v in owners.values())
    if known * 3 < len(others):
        return None
    counts = Counter({key: len(v) for key, v in owners.items()})
    entity = owners[counts.most_common(1)[0][0]][0]
    shown = ", ".join(sorted(s for s in others)[:3]) + (", ..." if len(others) > 3 else "")
    return CertOwner(host, entity, "low",
                     f"the certificate of {host} also names {shown}: {known} of its {len(others)} other sites "
                     f"are {entity.name}'s by the entity data")
