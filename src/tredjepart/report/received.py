"""What each third party received, per session, for the reports: the ``received`` table read into the
``data_types`` of each third party (``received.summary.data_types``), grouped the way an auditor reads them.

The groups, in the order a report shows them: personal data (a declared field, a pattern, or a field documented
to carry it), then identifiers and page addresses (what lets a third party follow a citizen, and what tells it
which pages the citizen visits), then everything else (screen size, language, ...), said compactly. The
vocabulary (received/vocabulary.py) names the personal and page types; which tracker types are identifiers is a
reading of that vocabulary for the report, kept here.

Which declared fields a session was scanned for (``sessions.identity_fields``) is read as field NAMES only: the
recorder never stores a value, and an entry that is not shaped like a field name is left out, so a database
from elsewhere cannot smuggle a value into a report through that column.

The database is outside input: a row the report cannot read is skipped with a warning, never the whole report.
"""

from __future__ import annotations

import logging
import re

from sqlite_utils import Database

from tredjepart.received.model import Received
from tredjepart.received.summary import data_types
from tredjepart.received.vocabulary import PAGE_TYPES, PERSONAL_TYPES, label
from tredjepart.report.rows import json_list

logger = logging.getLogger(__name__)

GROUPS = ("personal", "identifier", "page", "other")
_SHOWN = {"personal": 0, "identifier": 1, "page": 1, "other": 2}  # identifiers and page addresses together
IDENTIFIER_TYPES = frozenset({
    "advertisingId", "hashedAdvertisingId", "deviceId", "developerScopedId", "installationId", "browserId",
    "userId", "sessionId", "otherIdentifiers", "pushNotificationToken", "publicIp",
})
# received/identity.py: FIELDS, and ``other.NAME`` with NAME of 1-40 letters, digits, '_' or '-'.
_FIELD_NAME = re.compile(r"(?:name|cpr|email|phone|address|postcode|birth_date|other\.[A-Za-z0-9_-]{1,40})")
MAX_ROWS = 200_000  # received rows read per session (a bound; a walkthrough has a few thousand)


def group_of(data_type: str) -> str:
    """``personal``, ``identifier``, ``page`` or ``other``."""
    if data_type in PERSONAL_TYPES:
        return "personal"
    if data_type in IDENTIFIER_TYPES:
        return "identifier"
    return "page" if data_type in PAGE_TYPES else "other"


def identity_fields(value: str | None) -> list[str] | None:
    """The declared fields a session was scanned for (``sessions.identity_fields``), or None when no identity was
    declared. Entries that are not field names are left out (with a warning)."""
    fields = json_list(value)
    names = [f for f in fields if isinstance(f, str) and _FIELD_NAME.fullmatch(f)]
    if len(names) < len(fields):
        logger.warning("tredjepart: %d entries of sessions.identity_fields are not field names; left out",
                       len(fields) - len(names))
    return list(dict.fromkeys(names)) or None


def has_received(db: Database) -> bool:
    """The database records what third parties received (a version with the scanner made it)."""
    return db.table("received").exists()


def session_received(db: Database, sid: str, sites: set[str]) -> dict[str, list[dict]]:
    """Site -> its ``data_types`` (received.summary.data_types, each with its ``group``), for the third-party
    ``sites`` of session ``sid``; personal data first, then identifiers and page addresses, then the rest."""
    if not sites or not has_received(db):
        return {}
    entries: dict[str, list[tuple[str, Received]]] = {}
    skipped = 0
    rows = db.query("select flow_id, site, type, place, source, confidence, form, field, decoder, reason, topics "
                    "from received where session_id = ? order by time, flow_id, id limit ?", [sid, MAX_ROWS])
    for r in rows:
        if r["site"] not in sites:
            continue
        item = _item(r)
        if item is None:
            skipped += 1
            continue
        entries.setdefault(r["site"], []).append((str(r["flow_id"]), item))
    if skipped:
        logger.warning("tredjepart: %d received rows of session %s could not be read; left out", skipped, sid[:8])
    out = {}
    for site, items in entries.items():
        types = [{**entry, "group": group_of(entry["type"])} for entry in data_types(items)]
        types.sort(key=lambda e: _SHOWN[e["group"]])  # stable: data_types' order within a group
        out[site] = types
    return out


def _item(r: dict) -> Received | None:
    """A ``received`` row as the scanner's Received (text columns only; None when the row is not readable)."""
    texts = {k: r[k] for k in ("type", "place", "source", "confidence", "form", "field", "decoder", "reason")}
    if not isinstance(texts["type"], str) or not texts["type"] or not isinstance(texts["source"], str):
        return None
    if any(v is not None and not isinstance(v, str) for v in texts.values()):
        return None
    topics = tuple(t for t in json_list(r["topics"]) if isinstance(t, str) and t.strip())
    return Received(type=texts["type"], label=label(texts["type"]), where=texts["place"] or "",
                    source=texts["source"], confidence=texts["confidence"] or "", form=texts["form"] or "",
                    field=texts["field"] or "", decoder=texts["decoder"] or "", reason=texts["reason"] or "",
                    topics=topics)
