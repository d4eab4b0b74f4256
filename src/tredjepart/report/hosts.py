"""Evidence about third-party hosts beyond the owner data, for the reports: the ``hosts`` table (record/hosts.py).

Two things a report says from it, both weaker than the curated owners data and shown as such:

* **probably the solution's own**: a host on another registrable domain that the first party probably owns (the
  policy declares its site, the owners data names one owner, a certificate names both, a CNAME, a name that
  extends the first party's). It is shown with its evidence and confidence, never as covered: the policy still
  decides, and the report keeps the coverage as recorded.
* **a suggested owner**: the owner a certificate points at (an OV/EV certificate's organisation, or a
  certificate shared with an owner's known hosts), for a host the owners data did not know. Its country and
  parent come from the owners data when it knows the owner by that name.

The rows are outside input: read as text, unknown confidences kept as recorded, nothing trusted.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlite_utils import Database

from tredjepart.report.owners import owner_of

logger = logging.getLogger(__name__)

MAX_HOSTS = 20_000  # hosts rows read per session (a bound)


@dataclass(frozen=True, slots=True)
class OwnHost:
    """A host that is probably the solution's own: what says so (``kind``), how sure, and why in one sentence."""

    host: str
    kind: str | None
    confidence: str | None
    evidence: str | None


@dataclass(frozen=True, slots=True)
class SuggestedOwner:
    """The owner a host's certificate points at, where the owners data did not know the host."""

    host: str
    owner: str
    confidence: str | None
    evidence: str | None
    country: str | None = None
    parent: str | None = None


@dataclass(slots=True)
class HostNotes:
    """What the ``hosts`` table says about one third party's hosts."""

    own: list[OwnHost]
    suggested: list[SuggestedOwner]


def session_hosts(db: Database, sid: str, sites: set[str], entities=None) -> dict[str, HostNotes]:
    """Site -> the evidence about its hosts, for the third-party ``sites`` of session ``sid`` (first seen first)."""
    if not sites or not db.table("hosts").exists():
        return {}
    out: dict[str, HostNotes] = {}
    owners: dict[str, tuple[str | None, str | None]] = {}
    for r in db.query("select * from hosts where session_id = ? order by first_seen, host limit ?",
                      [sid, MAX_HOSTS]):
        site, host = _text(r.get("site")), _text(r.get("host"))
        if site not in sites or host is None:
            continue
        notes = out.setdefault(site, HostNotes([], []))
        if _text(r.get("own_kind")) or _text(r.get("own_evidence")):
            notes.own.append(OwnHost(host, _text(r.get("own_kind")), _text(r.get("own_confidence")),
                                     _text(r.get("own_evidence"))))
        owner = _text(r.get("cert_owner"))
        if owner is not None:
            if owner not in owners:
                known = owner_of(entities, owner, [])
                owners[owner] = (known.country, known.parent)
            notes.suggested.append(SuggestedOwner(host, owner, _text(r.get("cert_confidence")),
                                                  _text(r.get("cert_evidence")), *owners[owner]))
    return {site: notes for site, notes in out.items() if notes.own or notes.suggested}


def _text(value) -> str | None:
    return value if isinstance(value, str) and value.strip() else None
