"""The database schema, created and migrated with sqlite-utils Migrations. docs/schema.md documents every column
(a test keeps the two in step). Tables are STRICT; ids are text and stable, so databases merge without clashes."""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from tredjepart.hashing import key_id, new_key

MIGRATIONS = Migrations("tredjepart")

TEXT, INT, REAL = str, int, float


@MIGRATIONS()
def m001_initial(db: Database) -> None:
    db.table("meta").create({"key": TEXT, "value": TEXT}, pk="key", strict=True)
    db.table("sessions").create(
        {
            "id": TEXT,
            "name": TEXT,
            "client": TEXT,
            "device": TEXT,
            "source": TEXT,
            "started": REAL,
            "ended": REAL,
            "policy_file": TEXT,
            "solution": TEXT,
            "owner": TEXT,
            "first_party": TEXT,
            "key_id": TEXT,
        },
        pk="id",
        not_null={"started", "source"},
        strict=True,
    )
    db.table("steps").create(
        {"id": TEXT, "session_id": TEXT, "label": TEXT, "started": REAL},
        pk="id",
        foreign_keys=[("session_id", "sessions", "id")],
        not_null={"session_id", "label", "started"},
        strict=True,
    )
    db.table("flows").create(
        {
            "id": TEXT,
            "session_id": TEXT,
            "step_id": TEXT,
            "mitm_id": TEXT,
            "started": REAL,
            "method": TEXT,
            "url": TEXT,
            "scheme": TEXT,
            "host": TEXT,
            "port": INT,
            "path": TEXT,
            "query_names": TEXT,
            "site": TEXT,
            "party": TEXT,
            "kind": TEXT,
            "client": TEXT,
            "status": INT,
            "content_type": TEXT,
            "request_size": INT,
            "response_size": INT,
            "referer_site": TEXT,
            "top_level": INT,
            "background_reason": TEXT,
            "user_agent": TEXT,
            "error": TEXT,
            "entity": TEXT,
            "sdk": TEXT,
            "covered": INT,
            "party_name": TEXT,
            "basis": TEXT,
            "verdict": TEXT,
        },
        pk="id",
        foreign_keys=[("session_id", "sessions", "id"), ("step_id", "steps", "id")],
        not_null={"session_id", "started", "host", "site", "kind"},
        strict=True,
    )
    db.table("cookies").create(
        {
            "id": TEXT,
            "flow_id": TEXT,
            "session_id": TEXT,
            "step_id": TEXT,
            "direction": TEXT,
            "name": TEXT,
            "host": TEXT,
            "site": TEXT,
            "party": TEXT,
            "domain": TEXT,
            "path": TEXT,
            "lifetime": INT,
            "secure": INT,
            "httponly": INT,
            "samesite": TEXT,
            "partitioned": INT,
            "value_hash": TEXT,
            "value_length": INT,
            "value_entropy": REAL,
            "value": TEXT,
        },
        pk="id",
        foreign_keys=[("flow_id", "flows", "id"), ("session_id", "sessions", "id"), ("step_id", "steps", "id")],
        not_null={"flow_id", "session_id", "direction", "name"},
        strict=True,
    )
    db.table("scripts").create(
        {
            "id": TEXT,
            "flow_id": TEXT,
            "session_id": TEXT,
            "step_id": TEXT,
            "url": TEXT,
            "host": TEXT,
            "site": TEXT,
            "party": TEXT,
            "size": INT,
            "sha256": TEXT,
        },
        pk="id",
        foreign_keys=[("flow_id", "flows", "id"), ("session_id", "sessions", "id"), ("step_id", "steps", "id")],
        not_null={"flow_id", "session_id", "sha256"},
        strict=True,
    )
    db.table("findings").create(
        {
            "id": TEXT,
            "session_id": TEXT,
            "rule": TEXT,
            "severity": TEXT,
            "site": TEXT,
            "host": TEXT,
            "message": TEXT,
            "evidence": TEXT,
            "count": INT,
            "first_seen": REAL,
            "last_seen": REAL,
            "details": TEXT,
        },
        pk="id",
        foreign_keys=[("session_id", "sessions", "id")],
        not_null={"session_id", "rule", "severity", "message"},
        strict=True,
    )
    for table, columns in (
        ("steps", ["session_id"]),
        ("flows", ["session_id", "started"]),
        ("flows", ["session_id", "site"]),
        ("flows", ["party"]),
        ("cookies", ["flow_id"]),
        ("cookies", ["session_id", "name"]),
        ("scripts", ["flow_id"]),
        ("scripts", ["session_id", "url"]),
        ("findings", ["session_id", "rule"]),
    ):
        db.table(table).create_index(columns)


def migrate(db: Database) -> None:
    """Create or bring the schema up to date (tables, then the views over them), and make sure the database
    has its hashing key."""
    from tredjepart.store.views import create_views, drop_views

    if MIGRATIONS.pending(db):
        drop_views(db)  # a migration may rebuild a table a view reads
    MIGRATIONS.apply(db)
    create_views(db)
    if not db.table("meta").count_where("key = 'hmac_key'"):
        key = new_key()
        db.table("meta").insert_all(
            [
                {"key": "hmac_key", "value": key.hex()},
                {"key": "key_id", "value": key_id(key)},
            ],
            replace=True,
        )


def table_columns(db: Database) -> dict[str, list[str]]:
    """Every table (not views or sqlite-utils' own) and its columns, in order."""
    return {
        t.name: [c.name for c in t.columns]
        for t in db.tables
        if not t.name.startswith(("_", "sqlite_"))
    }


@MIGRATIONS()
def m002_detections(db: Database) -> None:
    """What the detectors recognised (tredjepart.detect), the hosts the proxy could not look into, and the shape of
    each cookie value."""
    db.table("detections").create(
        {
            "id": TEXT,
            "session_id": TEXT,
            "flow_id": TEXT,
            "step_id": TEXT,
            "kind": TEXT,
            "signal": TEXT,
            "site": TEXT,
            "host": TEXT,
            "evidence": TEXT,
            "time": REAL,
        },
        pk="id",
        foreign_keys=[("session_id", "sessions", "id"), ("flow_id", "flows", "id"), ("step_id", "steps", "id")],
        not_null={"session_id", "flow_id", "kind", "signal"},
        strict=True,
    )
    db.table("blind_spots").create(
        {
            "id": TEXT,
            "session_id": TEXT,
            "host": TEXT,
            "client": TEXT,
            "error": TEXT,
            "first_seen": REAL,
            "last_seen": REAL,
            "count": INT,
        },
        pk="id",
        foreign_keys=[("session_id", "sessions", "id")],
        not_null={"session_id", "host", "first_seen"},
        strict=True,
    )
    # The value's shape (shapes.value_shape), computed at capture time; null until observe fills it.
    db.table("cookies").add_column("value_shape", TEXT)
    for table, columns in (
        ("detections", ["flow_id"]),
        ("detections", ["session_id", "kind"]),
        ("detections", ["session_id", "site"]),
        ("blind_spots", ["session_id", "host"]),
    ):
        db.table(table).create_index(columns)


@MIGRATIONS()
def m003_received(db: Database) -> None:
    """What reached each third party (tredjepart.received): one row per data type found in a flow, where and in
    which form, never the value; and which fields of a declared test identity a session was scanned for."""
    db.table("received").create(
        {
            "id": TEXT,
            "session_id": TEXT,
            "flow_id": TEXT,
            "step_id": TEXT,
            "time": REAL,
            "site": TEXT,
            "host": TEXT,
            "type": TEXT,
            "label": TEXT,
            "place": TEXT,
            "source": TEXT,
            "confidence": TEXT,
            "form": TEXT,
            "field": TEXT,
            "decoder": TEXT,
            "reason": TEXT,
            "topics": TEXT,
        },
        pk="id",
        foreign_keys=[("session_id", "sessions", "id"), ("flow_id", "flows", "id"), ("step_id", "steps", "id")],
        not_null={"session_id", "flow_id", "type", "source"},
        strict=True,
    )
    db.table("sessions").add_column("identity_fields", TEXT)
    for columns in (["flow_id"], ["session_id", "site"], ["session_id", "type"]):
        db.table("received").create_index(columns)


@MIGRATIONS()
def m004_hosts(db: Database) -> None:
    """Evidence about third-party hosts beyond the owner data (record.hosts): probably the solution's own, or
    whose by their certificate. One row per session and host."""
    db.table("hosts").create(
        {
            "id": TEXT,
            "session_id": TEXT,
            "host": TEXT,
            "site": TEXT,
            "first_seen": REAL,
            "own_kind": TEXT,
            "own_confidence": TEXT,
            "own_evidence": TEXT,
            "cert_owner": TEXT,
            "cert_confidence": TEXT,
            "cert_evidence": TEXT,
        },
        pk="id",
        foreign_keys=[("session_id", "sessions", "id")],
        not_null={"session_id", "host"},
        strict=True,
    )
    db.table("hosts").create_index(["session_id", "host"])


# The observation floor's migration lives in its own module (host_header, cookies_cut, masking stored paths).
from tredjepart.store.m005_observe import m005_observe  # noqa: E402

MIGRATIONS()(m005_observe)

# The in-page instrument's tables (storage, instrument_pages) and sessions.instrumented.
from tredjepart.store.m006_storage import m006_storage  # noqa: E402

MIGRATIONS()(m006_storage)
