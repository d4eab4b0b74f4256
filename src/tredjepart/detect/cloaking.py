"""Cloaked trackers: a first-party-looking host that is a DNS alias (CNAME) of a third party.

A portal may point ``metrics.portal.dk`` at ``portal.sc.omtrdc.net`` (Adobe). The browser then sends the portal's
own cookies to Adobe, and by the name alone the host passes as first party. ``detect_cloaking`` says, from the
canonical name the recorder's resolver found (record.dns), whether the target belongs to a third party; the
recorder then judges the flow as the third party it is.

A target owned by a CDN, hosting or security company (categories ``hosting``, ``fonts-cdn``, ``security``) is
delivery, not cloaking, unless the target is a known tracker endpoint (``CLOAKING_TARGETS``): Adobe and Salesforce
also host things, but ``omtrdc.net`` and ``pardot.com`` are collection endpoints. An unknown owner gives no finding.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass

from tredjepart.entities.model import Entity, normalize_owner
from tredjepart.records import Finding, FlowRecord
from tredjepart.rules import new_finding
from tredjepart.sites import matches_any, normalize_host, site_of

logger = logging.getLogger(__name__)

RULE = "cname-cloaking"

TRACKING = frozenset({"analytics", "advertising", "social"})
INFRASTRUCTURE = frozenset({"hosting", "fonts-cdn", "security"})

_ADOBE = Entity("Adobe Inc.", country="US", categories=("analytics", "advertising"))
_PIANO = Entity("Piano Software Inc.", country="US", categories=("analytics",), aliases=("AT Internet",))
_CRITEO = Entity("Criteo SA", country="FR", categories=("advertising",))
_ORACLE = Entity("Oracle Corporation", country="US", categories=("advertising", "analytics"), aliases=("Eloqua",))
_SALESFORCE = Entity("Salesforce, Inc.", country="US", categories=("analytics", "advertising"), aliases=("Pardot",))

# CNAME targets that are collection endpoints of trackers, whoever else their owner is; the owner given here is
# used when the entity data does not know the target (the data's own record of that name wins).
CLOAKING_TARGETS: dict[str, Entity] = {
    "omtrdc.net": _ADOBE,
    "2o7.net": _ADOBE,
    "data.adobedc.net": _ADOBE,
    "sc.adobedc.net": _ADOBE,
    "eulerian.net": Entity("Eulerian Technologies SAS", country="FR", categories=("analytics",)),
    "at-o.net": _PIANO,
    "ati-host.net": _PIANO,
    "keyade.com": Entity("Keyade", country="FR", categories=("advertising",)),
    "criteo.com": _CRITEO,
    "dnsdelegation.io": _CRITEO,
    "storetail.io": _CRITEO,
    "eloqua.com": _ORACLE,
    "en25.com": _ORACLE,
    "pardot.com": _SALESFORCE,
    "tagcommander.com": Entity("Commanders Act SAS", country="FR", categories=("analytics",)),
    "wizaly.com": Entity("Wizaly", country="FR", categories=("analytics",)),
}
_TARGET_PATTERNS = tuple(CLOAKING_TARGETS)


@dataclass(frozen=True, slots=True)
class Cloaking:
    """A first-party host found to be an alias of a third party: whom to attribute it to, and the finding."""

    host: str
    canonical: str
    site: str  # the target's site
    entity: Entity
    finding: Finding


def target_owner(canonical: str, entities) -> tuple[Entity | None, bool]:
    """The owner of a CNAME target and whether the target is a known tracker endpoint."""
    known = matches_any(canonical, _TARGET_PATTERNS)
    entity = entities.lookup(canonical) if entities is not None else None
    if known is not None and entity is None:
        fallback = CLOAKING_TARGETS[known]
        entity = (entities.get(fallback.name) if entities is not None else None) or fallback
    return entity, known is not None


def detect_cloaking(flow: FlowRecord, canonical: str | None, entities, first_owner: str | None = None
                    ) -> Cloaking | None:
    """Whether first-party ``flow`` goes to a third party's host under a first-party name.

    ``first_owner`` is the solution's owner (the policy's ``owner``), whose own aliases are not cloaking.
    """
    if flow.party != "first" or not canonical:
        return None
    canonical = normalize_host(canonical)
    target_site = site_of(canonical)
    if canonical == flow.host or target_site == flow.site:
        return None
    entity, known = target_owner(canonical, entities)
    if entity is None:
        logger.debug("tredjepart: %s is an alias of %s, whose owner is unknown", flow.host, canonical)
        return None
    if not known and INFRASTRUCTURE & set(entity.categories):
        return None  # a CDN or host delivering the solution's own content
    if _same_owner(entity, flow.host, entities, first_owner):
        return None
    return Cloaking(flow.host, canonical, target_site, entity, _finding(flow, canonical, entity, known))


def judge_view(flow: FlowRecord, cloak: Cloaking, policy) -> FlowRecord:
    """The flow to hand the policy judge, on the target's site: with the target's host when the policy declares
    that host (e.g. ``omtrdc.net``) and not the alias, else with the alias host, the name the device used."""
    declared = policy is not None and policy.party_for(flow.host) is None \
        and policy.party_for(cloak.canonical) is not None
    host = cloak.canonical if declared else flow.host
    if (host, cloak.site) == (flow.host, flow.site):
        return flow
    return dataclasses.replace(flow, host=host, site=cloak.site)


def _same_owner(entity: Entity, host: str, entities, first_owner: str | None) -> bool:
    names = entities.owner_names(entity) if entities is not None else entity.names()
    if first_owner and normalize_owner(first_owner) in names:
        return True
    own = entities.lookup(host) if entities is not None else None
    return own is not None and bool(names & (entities.owner_names(own)))


def _finding(flow: FlowRecord, canonical: str, entity: Entity, known: bool) -> Finding:
    owner = f"{entity.name}, {entity.country}" if entity.country else entity.name
    message = (f"{flow.host} is a CNAME alias of {canonical} ({owner}): "
               "a third party behind a first-party name")
    details = {"cname": canonical, "entity": entity.name, "country": entity.country,
               "categories": list(entity.categories),
               "tracker": known or bool(TRACKING & set(entity.categories))}
    return new_finding(RULE, site=flow.site, message=message, host=flow.host, evidence=[flow.id],
                       session_id=flow.session_id, when=flow.started, details=details)
