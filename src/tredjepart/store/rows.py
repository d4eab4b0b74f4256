"""Records to database rows: dataclass fields to columns, tuples/lists/dicts to JSON text, bools to 0/1."""

from __future__ import annotations

import dataclasses
import functools
import json
from typing import Any

from tredjepart.ids import record_id
from tredjepart.records import Finding

# Record fields that are not columns (they live only while a flow is processed).
_SKIP = {"background"}


@functools.cache
def _layout(cls: type) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(column names, the ones stored as JSON text) of a record class."""
    fields = [f for f in dataclasses.fields(cls) if f.name not in _SKIP]
    as_json = tuple(f.name for f in fields if any(t in str(f.type) for t in ("tuple", "list", "dict")))
    return tuple(f.name for f in fields), as_json


def to_row(record: Any) -> dict:
    """A record as a row; bools stay bools (sqlite3 stores them as 0/1 in INTEGER columns)."""
    columns, as_json = _layout(type(record))
    row = {name: getattr(record, name) for name in columns}
    for name in as_json:
        value = row[name]
        if value is not None:
            row[name] = json.dumps(value, sort_keys=isinstance(value, dict))
    return row


def finding_row(f: Finding, finding_id: str) -> dict:
    row = to_row(f)
    row["id"] = finding_id
    return row


def received_row(rec, item) -> dict:
    """One thing a flow carried to its host (received.model.Received), as a ``received`` row: never the value."""
    return {
        "id": record_id(rec.id, item.type, item.where, item.source, item.field, item.form),
        "session_id": rec.session_id, "flow_id": rec.id, "step_id": rec.step_id, "time": rec.started,
        "site": rec.site, "host": rec.host, "type": item.type, "label": item.label, "place": item.where,
        "source": item.source, "confidence": item.confidence, "form": item.form or None,
        "field": item.field or None, "decoder": item.decoder or None, "reason": item.reason or None,
        "topics": json.dumps(list(item.topics)) if item.topics else None,
    }


def session_row(s, key_id: str, identity_fields: tuple[str, ...] = (), instrumented: bool = False) -> dict:
    """A record.sessions.Session as a row; what the policy says about it comes from its policy. ``instrumented``:
    recorded with the in-page instrument on (its pages were changed)."""
    return {
        "id": s.id,
        "name": s.name,
        "client": s.client,
        "device": s.device,
        "source": s.source,
        "started": s.started,
        "ended": s.ended,
        "policy_file": s.policy_file,
        "solution": s.solution,
        "owner": s.owner,
        "first_party": json.dumps(s.first_party),
        "key_id": key_id,
        "identity_fields": json.dumps(list(identity_fields)) if identity_fields else None,
        "instrumented": 1 if instrumented else 0,
    }
