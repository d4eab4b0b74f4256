"""JSON columns of a recorded database, read defensively.

A database is outside input (merged from testers, or edited): a JSON column may hold anything, or nothing. What
does not parse, or is not the expected shape, reads as empty instead of failing the report.
"""

from __future__ import annotations

import json


def json_list(text: str | None) -> list:
    try:
        value = json.loads(text) if text else []
    except (ValueError, RecursionError):
        return []
    return value if isinstance(value, list) else []


def json_dict(text: str | None) -> dict:
    try:
        value = json.loads(text) if text else {}
    except (ValueError, RecursionError):
        return {}
    return value if isinstance(value, dict) else {}

