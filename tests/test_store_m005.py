"""Migration m005: flows.host_header and flows.cookies_cut, and tokens already stored in paths masked."""

from __future__ import annotations

import json

from sqlite_utils import Database

from tredjepart.hashing import keyed_hash
from tredjepart.store.schema import MIGRATIONS, migrate

TOKEN = "3f2a9c0d1e2b4a5f6a7b8c9d0e1f2a3b"
OLD_URL = f"https://cdn.tracker.dk/reset/{TOKEN}/t.js?eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2ln="


def _old_database() -> Database:
    """A database as the previous version wrote it: migrated to m004, paths in clear."""
    db = Database(memory=True)
    MIGRATIONS.apply(db, stop_before="m005_observe")
    db.table("meta").insert_all([{"key": "hmac_key", "value": (b"k" * 32).hex()}, {"key": "key_id", "value": "x"}])
    db.table("sessions").insert({"id": "s", "started": 1.0, "source": "live"})
    db.table("flows").insert({
        "id": "f", "session_id": "s", "started": 1.0, "method": "GET", "url": OLD_URL, "scheme": "https",
        "host": "cdn.tracker.dk", "port": 443, "path": f"/reset/{TOKEN}/t.js",
        "query_names": json.dumps(["eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2ln"]), "site": "tracker.dk",
        "kind": "script"})
    db.table("flows").insert({
        "id": "g", "session_id": "s", "started": 2.0, "method": "GET", "url": "https://www.borger.dk/ansoeg?a=",
        "scheme": "https", "host": "www.borger.dk", "port": 443, "path": "/ansoeg", "query_names": '["a"]',
        "site": "borger.dk", "kind": "document"})
    db.table("scripts").insert({"id": "sc", "flow_id": "f", "session_id": "s", "url": OLD_URL, "sha256": "0"})
    db.table("detections").insert({
        "id": "d", "session_id": "s", "flow_id": "f", "kind": "fingerprinting", "signal": "canvas",
        "evidence": json.dumps({"url": OLD_URL, "signals": ["canvas"]})})
    db.table("findings").insert({
        "id": "fi", "session_id": "s", "rule": "fingerprinting-script", "severity": "warning",
        "message": f"The script {OLD_URL} from third party tracker.dk contains fingerprinting code",
        "details": json.dumps({"urls": [OLD_URL], "subject": OLD_URL})})
    return db


def test_old_paths_are_masked_and_new_columns_added():
    db = _old_database()
    migrate(db)
    key = bytes.fromhex(db.table("meta").get("hmac_key")["value"])
    dump = "\n".join(str(row) for t in ("flows", "scripts", "detections", "findings") for row in db.table(t).rows)
    assert TOKEN not in dump and "eyJhbGciOiJIUzI1NiJ9" not in dump
    f = db.table("flows").get("f")
    assert f["path"] == f"/reset/[token:{keyed_hash(key, TOKEN)}]/t.js"
    assert f["url"].startswith(f"https://cdn.tracker.dk{f['path']}?[jwt:")
    assert db.table("scripts").get("sc")["url"] == f["url"]
    assert json.loads(db.table("detections").get("d")["evidence"])["url"] == f["url"]
    assert json.loads(db.table("findings").get("fi")["details"])["urls"] == [f["url"]]
    assert f["url"] in db.table("findings").get("fi")["message"]
    assert (f["host_header"], f["cookies_cut"]) == (None, 0)
    assert db.table("flows").get("g")["url"] == "https://www.borger.dk/ansoeg?a="  # nothing secret: unchanged


def test_new_database_migrates_without_flows():
    db = Database(memory=True)
    migrate(db)
    assert {"host_header", "cookies_cut"} <= set(db.table("flows").columns_dict)
