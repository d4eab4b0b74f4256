"""What the in-page instrument's reports become in a session (docs/instrument.md): storage records with the
writing script's party and owner, the pages' counters, and the findings storage raises. Pure functions and one
small book of pages; the recorder (record.recorder) applies them.

Findings:

- ``identifier-storage`` (warning): a third-party script wrote into the solution's ``localStorage`` a value that
  passes the identifier-cookie test (detect.identifiers.is_identifier_value: long enough, high entropy, an
  identifier's shape, not a consent or security name). ``localStorage`` never expires, so the cookie rule's
  lifetime condition always holds.
- ``kind-not-allowed`` with kind ``storage``: a declared third party whose ``allow`` list leaves out ``storage``
  stored something on the device by script (localStorage, sessionStorage, IndexedDB, Cache API).
"""

from __future__ import annotations

from collections import OrderedDict
from urllib.parse import urlsplit

from tredjepart.detect.identifiers import is_identifier_value
from tredjepart.instrument.evidence import PageRecord, StorageRecord
from tredjepart.records import Finding
from tredjepart.rules import new_finding

MAX_PAGES = 20_000  # pages whose counters the recorder keeps (per recorder)
STORING = frozenset({("localStorage", "write"), ("sessionStorage", "write"), ("indexedDB", "open"),
                     ("indexedDB", "write"), ("cache", "open"), ("cache", "put"), ("cache", "add")})
STORAGE_BEHAVIOUR = "storage"


def host_of(url: str | None) -> str | None:
    if not url:
        return None
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None


def party_of_host(host: str | None, site: str | None, session, own_hosts: tuple[str, ...] = ()) -> str | None:
    """``first`` or ``third`` for a script's or frame's host in ``session`` (as record.attribution judges flows),
    ``tool`` for the audit's own hosts, None without a host."""
    if not host:
        return None
    if host in own_hosts:
        return "tool"
    if session.policy is not None:
        return "first" if session.policy.is_first_party(host) else "third"
    if session.first_site is None:
        return None
    return "first" if site == session.first_site else "third"


def attribute_records(records: list[StorageRecord], session, entities, own_hosts: tuple[str, ...] = ()) -> None:
    """Fill in each record's step, the writing script's party and its owner."""
    for r in records:
        r.step_id = session.step_at(r.time)
        host = host_of(r.script_url) if r.script_kind != "extension" else None
        r.party = party_of_host(host, r.script_site, session, own_hosts)
        owner = entities.lookup(host) if entities is not None and host else None
        r.owner = owner.name if owner is not None else None


def storage_findings(records: list[StorageRecord], session) -> list[Finding]:
    """The findings of a batch's records in ``session`` (not yet merged; the recorder's FindingBook merges)."""
    out: list[Finding] = []
    for r in records:
        if r.party != "third" or not r.script_site:
            continue
        if (r.kind == "localStorage" and r.operation == "write" and r.value_length is not None
                and party_of_host(host_of(r.frame_origin), r.frame_site, session) == "first"
                and is_identifier_value(r.key_name or "", r.value_length, r.value_entropy or 0.0, r.value_shape)):
            out.append(new_finding(
                "identifier-storage", site=r.script_site, host=host_of(r.script_url),
                subject=f"localStorage:{r.key_name}", evidence=[r.id], session_id=r.session_id, when=r.time,
                message=(f"A script of third party {r.script_site} ({r.script_url}) stored {r.key_name!r} in the "
                         f"solution's localStorage ({r.frame_origin}), a value that looks like an identifier of the "
                         f"device: {r.value_length} characters ({r.value_shape}, {r.value_entropy:.1f} bits of "
                         f"entropy per character). localStorage does not expire."),
                details={"key": r.key_name, "kind": r.kind, "script": r.script_url, "frame_origin": r.frame_origin,
                         "value_length": r.value_length, "value_shape": r.value_shape,
                         "value_entropy": r.value_entropy, "storage_id": r.id}))
        party = session.policy.party_for(host_of(r.script_url) or "") if session.policy is not None else None
        if (r.kind, r.operation) in STORING and party is not None and party.allow is not None \
                and STORAGE_BEHAVIOUR not in party.allow:
            allowed = ", ".join(sorted(party.allow))
            out.append(new_finding(
                "kind-not-allowed", site=r.script_site, host=host_of(r.script_url), subject=STORAGE_BEHAVIOUR,
                evidence=[r.id], session_id=r.session_id, when=r.time,
                message=(f"{party.name} ({r.script_site}) stored data on the device by script ({r.kind} "
                         f"{r.key_name!r}, kind 'storage'), which its policy entry does not allow (allowed: "
                         f"{allowed})."),
                details={"party": party.name, "basis": party.basis, "hosts": [host_of(r.script_url)],
                         "kinds": [STORAGE_BEHAVIOUR], "summary": "kind 'storage' is not allowed for it",
                         "allowed": sorted(party.allow)}))
    return out


class PageBook:
    """The instrumented pages of the recorder's sessions, by (session, mitmproxy flow id), to count reports."""

    def __init__(self) -> None:
        self._pages: OrderedDict[tuple[str, str], PageRecord] = OrderedDict()

    def add(self, session_id: str, mitm_id: str, page: PageRecord) -> None:
        self._pages[(session_id, mitm_id)] = page
        while len(self._pages) > MAX_PAGES:
            self._pages.popitem(last=False)

    def count(self, session_id: str, mitm_id: str, events: int, dropped: int, rejected: int) -> PageRecord | None:
        """The page's record with one more report counted, or None for a page it does not know."""
        page = self._pages.get((session_id, mitm_id))
        if page is None:
            return None
        page.reports += 1
        page.events += events
        page.dropped += dropped
        page.rejected += rejected
        return page
