"""Records to database rows: dataclass fields to columns, tuples/lists/dicts to JSON text, bools to 0/1."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from tredjepart.records import CookieRecord, Finding, FlowRecord, ScriptRecord

# Record fields that are not columns (they live only while a flow is processed).
_SKIP = {"background"}


def to_row(record: Any) -> dict:
    row = {}
    for f in dataclasses.fields(record):
        if f.name in _SKIP:
            continue
        value = getattr(record, f.name)
        if isinstance(value, (tuple, list, dict)):
            value = json.dumps(value, sort_keys=isinstance(value, dict))
        elif isinstance(value, bool):
            value = int(value)
        row[f.name] = value
    return row


def flow_row(r: FlowRecord) -> dict:
    return to_row(r)


def cookie_row(r: CookieRecord) -> dict:
    return to_row(r)


def script_row(r: ScriptRecord) -> dict:
    return to_row(r)


def finding_row(f: Finding, finding_id: str) -> dict:
    row = to_row(f)
    row["id"] = finding_id
    return row
