"""Migration m005: what the observation floor adds to flows, and the secrets already stored in paths masked.

- ``flows.host_header``: the Host header's host when it named another host than the destination the flow was
  judged by (observe.destination); null for flows recorded before (they were judged by the Host header).
- ``flows.cookies_cut``: cookies past observe.cookies.MAX_COOKIES per direction, counted and not recorded; 0 for
  flows recorded before (every cookie was read then).
- Paths recorded before kept tokens in clear (``/reset/<token>``, ``;jsessionid=...``). The migration masks them
  the way observe does now (observe.paths, with this database's key) in flows.url, flows.path, flows.query_names,
  scripts.url, and the URLs quoted in detections (fingerprinting, js_cookie) and fingerprinting-script findings.
  The old text can remain in SQLite's free pages until ``VACUUM`` (docs/schema.md says so).

Registered by store.schema (``MIGRATIONS()(m005_observe)``), after m004_hosts.
"""

from __future__ import annotations

import json

from sqlite_utils import Database

from tredjepart.observe.paths import mask_names, mask_path
from tredjepart.observe.urls import url_of

BATCH = 2000


def m005_observe(db: Database) -> None:
    db.table("flows").add_column("host_header", str)
    db.table("flows").add_column("cookies_cut", int, not_null_default=0)
    row = db.execute("SELECT value FROM meta WHERE key = 'hmac_key'").fetchone()
    if row is not None:  # a new database has no key yet, and no flows
        mask_stored_paths(db, bytes.fromhex(row[0]))


def mask_stored_paths(db: Database, key: bytes) -> int:
    """Mask the secrets in the paths and query names of every stored flow (and where their URLs are quoted);
    the number of flows whose URL changed."""
    changed: dict[str, str] = {}
    updates = []
    for fid, scheme, host, port, path, names_json, url in db.execute(
            "SELECT id, scheme, host, port, path, query_names, url FROM flows").fetchall():
        names = _names(names_json)
        new_path = mask_path(path or "/", key)
        new_names = mask_names(names, key)
        new_url = url_of(scheme or "https", host or "", port or 0, new_path, new_names)
        if new_path != path or list(new_names) != names or new_url != url:
            updates.append((new_path, json.dumps(list(new_names)), new_url, fid))
            if url and url != new_url:
                changed[url] = new_url
    for i in range(0, len(updates), BATCH):
        db.conn.executemany("UPDATE flows SET path = ?, query_names = ?, url = ? WHERE id = ?",
                            updates[i:i + BATCH])
    if changed:
        _replace(db, "scripts", "id", ("url",), "1", changed, as_json=False)
        _replace(db, "detections", "id", ("evidence",), "kind IN ('fingerprinting', 'js_cookie')", changed,
                 as_json=True)
        _replace(db, "findings", "id", ("message",), "rule = 'fingerprinting-script'", changed, as_json=False)
        _replace(db, "findings", "id", ("details",), "rule = 'fingerprinting-script'", changed, as_json=True)
    return len(updates)


def _names(text: str | None) -> list[str]:
    try:
        names = json.loads(text or "[]")
    except ValueError:
        return []
    return [str(n) for n in names] if isinstance(names, list) else []


def _replace(db: Database, table: str, pk: str, columns: tuple[str, ...], where: str, changed: dict[str, str],
             *, as_json: bool) -> None:
    """Replace every old URL in ``columns`` of the matching rows with its masked form (JSON-escaped in JSON)."""
    if not db.table(table).exists():
        return
    pairs = [(json.dumps(o)[1:-1], json.dumps(n)[1:-1]) if as_json else (o, n) for o, n in changed.items()]
    pairs.sort(key=lambda p: -len(p[0]))  # a URL that is the prefix of another is replaced after it
    for column in columns:
        rows = db.execute(f"SELECT {pk}, {column} FROM {table} WHERE {where} AND {column} LIKE '%://%'").fetchall()
        out = []
        for rid, text in rows:
            new = text
            for old, masked in pairs:
                if old in new:
                    new = new.replace(old, masked)
            if new != text:
                out.append((new, rid))
        db.conn.executemany(f"UPDATE {table} SET {column} = ? WHERE {pk} = ?", out)
