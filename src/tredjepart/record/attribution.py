"""Who one observed flow is for: its party (first, third, background), its owner, its app SDK, whether a
first-party name hides a third party (CNAME cloaking); and what the session's policy says of it. Pure: it reads
the session, the owner data and a cached canonical name, and returns small values; the recorder applies them.

How the party is decided:

- the audit's own hosts (mitmproxy's CA page, the control page) are "tool": never a party of the solution;
- the device's own background traffic (observe.background) is "background", whatever else is true;
- with a policy, its first-party sites decide;
- without one, the site of the session's first page (or of an app's first own call) is the first party; before
  that page, a request is third party only when it goes to a known tracker or SDK endpoint;
- a first-party name whose canonical name belongs to a third party is judged as that third party (detect.cloaking).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

from tredjepart.detect.cloaking import Cloaking, detect_cloaking, judge_view
from tredjepart.entities.model import Entity
from tredjepart.policy import Policy, judge_flow
from tredjepart.records import CookieRecord, Finding, FlowRecord
from tredjepart.record.sessions import Session

# Owner categories whose hosts never identify the solution itself.
TRACKING_CATEGORIES = frozenset({"analytics", "advertising", "social", "crash-reporting", "push"})


@dataclass(frozen=True, slots=True)
class Attribution:
    party: str  # "first", "third" or "background"
    site: str  # the flow's site, or the cloaking target's
    entity: Entity | None = None  # the owner, where known
    sdk: str | None = None  # the app SDK the endpoint belongs to (app traffic only)
    cloak: Cloaking | None = None


def serves_trackers(rec: FlowRecord, entities) -> bool:
    """Whether ``rec`` goes to an SDK endpoint or a known tracking owner: an app's first such call (Firebase
    starting up) does not tell which solution the app is."""
    if entities is None:
        return False
    if entities.sdk_for(rec.host, rec.path) is not None:
        return True
    owner = entities.lookup(rec.host)
    return owner is not None and bool(set(owner.categories) & TRACKING_CATEGORIES)


def opens_session(rec: FlowRecord, entities, own_hosts: tuple[str, ...] = ()) -> bool:
    """Whether ``rec`` can be the first page of a session (its site then the first party, without a policy)."""
    if rec.background or rec.host in own_hosts:
        return False
    return rec.top_level or (rec.client == "app" and not serves_trackers(rec, entities))


def party_of(rec: FlowRecord, session: Session, entities, own_hosts: tuple[str, ...] = ()) -> str:
    if rec.host in own_hosts:
        return "tool"
    if rec.background:
        return "background"
    if session.policy is not None:
        return "first" if session.policy.is_first_party(rec.host) else "third"
    if session.first_site is None:  # before the first page (or an app's first own call)
        return "third" if serves_trackers(rec, entities) else "first"
    return "first" if rec.site == session.first_site else "third"


def attribute(rec: FlowRecord, session: Session, entities,
              canonical: Callable[[str], str | None] | None = None, own_hosts: tuple[str, ...] = ()) -> Attribution:
    """The attribution of ``rec`` in ``session``. ``canonical(host)`` answers from a resolver's cache (None while
    a name is not resolved yet); it is asked for first-party hosts only. ``own_hosts`` are the audit's own."""
    party = party_of(rec, session, entities, own_hosts)
    if entities is None or party == "tool":
        return Attribution(party, rec.site)
    entity = entities.lookup(rec.host)
    site, cloak = rec.site, None
    answer = canonical(rec.host) if party == "first" and canonical is not None else None
    if answer:
        cloak = detect_cloaking(dataclasses.replace(rec, party="first"), answer, entities, session.owner)
        if cloak is not None:  # a tracker behind a first-party name: judged as the third party it is
            entity, party, site = cloak.entity, "third", cloak.site
    sdk = None
    if rec.client == "app":
        found = entities.sdk_for(cloak.canonical if cloak else rec.host, rec.path)
        sdk = found.name if found else None
    return Attribution(party, site, entity, sdk, cloak)


def judge(rec: FlowRecord, cookies: list[CookieRecord], detected: set[str] | frozenset[str], cloak: Cloaking | None,
          policy: Policy | None) -> list[Finding]:
    """Judge a third-party flow against ``policy``: sets its verdict (covered, party_name, basis, verdict) and
    returns its findings. ``detected`` are the behaviours the detectors saw (pixel, beacon, js_cookie...)."""
    if rec.party != "third":
        return []
    behaviours = {rec.kind, *detected}
    if rec.sdk:
        behaviours.add("sdk")
    judged = judge_view(rec, cloak, policy) if cloak is not None else rec
    verdict, findings = judge_flow(judged, behaviours, policy, cookies)
    rec.covered, rec.party_name, rec.basis, rec.verdict = (
        verdict.covered, verdict.party_name, verdict.basis, verdict.reason)
    return findings
