"""Cloaked trackers: a first-party-looking host that is a DNS alias (CNAME) of a third party.

A portal may point ``metrics.portal.dk`` at ``portal.sc.omtrdc.net`` (Adobe). The browser then sends the portal's
own cookies to Adobe, and by the name alone the host passes as first party. ``CnameResolver`` finds the canonical
name of such hosts; ``detect_cloaking`` says whether the target belongs to a third party.

What is resolved, and when:

- only hosts of flows that are first party by name (``flow.party == "first"``); third parties and the device's
  background traffic are never looked up, so the audit adds one DNS query per first-party host and no more;
- once per host, in a small thread pool, never on mitmproxy's event loop: the first flow of a host finds no
  answer yet and passes as first party; later flows of the host are judged with the answer;
- by the system resolver of the machine running the proxy (``socket.getaddrinfo`` with ``AI_CANONNAME``), which
  follows CNAME chains and gives their last name. The device may use another resolver (DNS over HTTPS, a VPN,
  a split horizon) and be told something else; the proxy connects where its own resolver says, though, so the
  answer is where the traffic went.

A target owned by a CDN, hosting or security company (categories ``hosting``, ``fonts-cdn``, ``security``) is
delivery, not cloaking, unless the target is a known tracker endpoint (``CLOAKING_TARGETS``): Adobe and Salesforce
also host things, but ``omtrdc.net`` and ``pardot.com`` are collection endpoints. An unknown owner gives no finding.
"""

from __future__ import annotations

import dataclasses
import logging
import socket
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass

from tredjepart.entities.model import Entity, normalize_owner
from tredjepart.records import Finding, FlowRecord
from tredjepart.sites import is_ip, matches_any, normalize_host, site_of

logger = logging.getLogger(__name__)

RULE = "cname-cloaking"
SEVERITY = "warning"
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

_MISSING = object()


def system_canonical(host: str) -> str | None:
    """The canonical name of ``host`` by the system resolver (CNAME chains followed), or None."""
    infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM, flags=socket.AI_CANONNAME)
    return (infos[0][3] or None) if infos else None


class CnameResolver:
    """Canonical names of hosts, each resolved once, off the caller's thread, and cached (bounded, oldest out).

    ``canonical(host)`` never blocks: it answers from the cache, else starts the lookup and returns None. A
    failed lookup (no such name, timeout, anything the resolver raises) is cached as None.
    """

    def __init__(self, resolve: Callable[[str], str | None] = system_canonical, *, max_hosts: int = 10_000,
                 workers: int = 2, max_pending: int = 1_000) -> None:
        self._resolve = resolve
        self.max_hosts = max_hosts
        self.max_pending = max_pending
        self._cache: dict[str, str | None] = {}
        self._pending: dict[str, Future] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="tredjepart-cname")
        self._closed = False

    def canonical(self, host: str) -> str | None:
        """The cached canonical name of ``host``; None when it is no alias, failed, or is not resolved yet."""
        value = self._cache.get(host, _MISSING)
        if value is _MISSING:
            host = normalize_host(host)
            value = self._cache.get(host, _MISSING)
            if value is _MISSING:
                self.submit(host)
                return None
        return value

    def submit(self, host: str) -> Future | None:
        """Start resolving ``host`` unless it is known or under way; its future (None: nothing to wait for)."""
        host = normalize_host(host)
        with self._lock:
            if host in self._cache or self._closed:
                return None
            if (future := self._pending.get(host)) is not None:
                return future
            if not host or is_ip(host):
                self._store(host, None)
                return None
            if len(self._pending) >= self.max_pending:  # a flood of new hosts: try again on a later flow
                return None
            future = self._pending[host] = self._pool.submit(self._run, host)
            return future

    def wait(self, host: str, timeout: float | None = None) -> str | None:
        """The canonical name of ``host``, waiting up to ``timeout`` seconds for it (offline analysis, tests)."""
        future = self.submit(host)
        if future is not None:
            try:
                return future.result(timeout)
            except FutureTimeout:
                return None
        return self._cache.get(normalize_host(host))

    def __contains__(self, host: str) -> bool:
        """Whether ``host`` has been resolved (its answer, possibly None, is cached)."""
        return normalize_host(host) in self._cache

    def __len__(self) -> int:
        return len(self._cache)

    def close(self) -> None:
        """Stop: queued lookups are dropped; one under way finishes in the background."""
        with self._lock:
            self._closed = True
            self._pending.clear()
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _run(self, host: str) -> str | None:
        try:
            answer = self._resolve(host)
            value = normalize_host(answer) if answer else None
            if value == host:  # no alias: the common case, answered as None so callers skip it at once
                value = None
        except Exception as e:  # noqa: BLE001 - gaierror, timeouts, IDNA errors: all mean "no answer"
            logger.debug("tredjepart: no canonical name for %s: %s", host, e)
            value = None
        with self._lock:
            self._pending.pop(host, None)
            self._store(host, value)
        return value

    def _store(self, host: str, value: str | None) -> None:
        while len(self._cache) >= self.max_hosts:
            del self._cache[next(iter(self._cache))]
        self._cache[host] = value


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


def cloaking_finding(flow: FlowRecord, canonical: str | None, entities, first_owner: str | None = None
                     ) -> Finding | None:
    """The ``cname-cloaking`` finding of ``flow``, or None (see ``detect_cloaking``)."""
    found = detect_cloaking(flow, canonical, entities, first_owner)
    return found.finding if found else None


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
    return Finding(rule=RULE, severity=SEVERITY, site=flow.site, message=message, host=flow.host,
                   evidence=[flow.id], session_id=flow.session_id, first_seen=flow.started,
                   last_seen=flow.started, details=details)
