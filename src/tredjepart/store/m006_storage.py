"""The instrument's tables (docs/instrument.md): ``storage``, what scripts stored, read and sent from inside the
pages, and ``instrument_pages``, which HTML responses the instrument went into (or why not) and how their
Content-Security-Policy was adjusted; and a column ``sessions.instrumented``. Migration m006, registered by
store.schema (``MIGRATIONS()(m006_storage)``) after m005_observe.

Columns follow instrument.evidence.StorageRecord and PageRecord field for field, so store.rows.to_row writes
them. No column holds a value: only its keyed hash, length and shape.
"""

from __future__ import annotations

from sqlite_utils import Database

TEXT, INT, REAL = str, int, float

STORAGE_COLUMNS = {
    "id": TEXT,
    "session_id": TEXT,
    "step_id": TEXT,
    "time": REAL,
    "page": TEXT,
    "frame_origin": TEXT,
    "frame_site": TEXT,
    "top_level": INT,
    "kind": TEXT,
    "operation": TEXT,
    "key_name": TEXT,
    "value_length": INT,
    "value_hash": TEXT,
    "value_shape": TEXT,
    "value_entropy": REAL,
    "script_url": TEXT,
    "script_site": TEXT,
    "script_kind": TEXT,
    "stack": TEXT,
    "party": TEXT,
    "owner": TEXT,
}

PAGE_COLUMNS = {
    "id": TEXT,
    "session_id": TEXT,
    "step_id": TEXT,
    "flow_id": TEXT,
    "time": REAL,
    "url": TEXT,
    "injected": INT,
    "placement": TEXT,
    "csp_adjusted": INT,
    "csp_changes": TEXT,
    "charset": TEXT,
    "reports": INT,
    "events": INT,
    "dropped": INT,
    "rejected": INT,
}


def m006_storage(db: Database) -> None:
    """Create ``storage`` and ``instrument_pages`` with their indexes, and ``sessions.instrumented`` (1 when the
    session was recorded with the instrument on: its reports must say that the pages were changed)."""
    db.table("sessions").add_column("instrumented", INT)
    db.table("storage").create(
        STORAGE_COLUMNS,
        pk="id",
        foreign_keys=[("session_id", "sessions", "id"), ("step_id", "steps", "id")],
        not_null={"session_id", "time", "frame_origin", "kind", "operation"},
        strict=True,
    )
    db.table("instrument_pages").create(
        PAGE_COLUMNS,
        pk="id",
        foreign_keys=[("session_id", "sessions", "id"), ("step_id", "steps", "id"), ("flow_id", "flows", "id")],
        not_null={"session_id", "time", "injected", "placement"},
        defaults={"reports": 0, "events": 0, "dropped": 0, "rejected": 0},
        strict=True,
    )
    for table, columns in (
        ("storage", ["session_id", "kind"]),
        ("storage", ["session_id", "script_site"]),
        ("storage", ["session_id", "key_name"]),
        ("instrument_pages", ["session_id"]),
        ("instrument_pages", ["flow_id"]),
    ):
        db.table(table).create_index(columns)
