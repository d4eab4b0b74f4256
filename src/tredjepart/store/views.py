"""SQL views for the common questions, so the database answers them as it is (sqlite3, Datasette, DB Browser).

The views read the core tables only (sessions, steps, flows, cookies), so they work in every database version.
``create_views`` is idempotent: a view is (re)created only when it is missing or its SQL changed.
"""

from __future__ import annotations

import logging

from sqlite_utils import Database

logger = logging.getLogger(__name__)

# name -> (description, SELECT statement). The descriptions also go into the Datasette metadata.
VIEWS: dict[str, tuple[str, str]] = {
    "third_parties_per_session": (
        "Every third-party site per session: owner, hosts, kinds, how many requests, how many of them the "
        "policy does not cover, and the declared basis.",
        """SELECT f.session_id, s.name AS session_name, s.solution, f.site,
       max(f.entity) AS entity,
       group_concat(DISTINCT f.host) AS hosts,
       group_concat(DISTINCT f.kind) AS kinds,
       count(*) AS flows,
       sum(CASE WHEN f.covered = 1 THEN 0 ELSE 1 END) AS uncovered_flows,
       CASE WHEN min(coalesce(f.covered, 0)) = 1 THEN 1 ELSE 0 END AS covered,
       max(f.party_name) AS party_name,
       max(f.basis) AS basis,
       min(f.started) AS first_seen,
       datetime(min(f.started), 'unixepoch') AS first_seen_utc,
       max(f.started) AS last_seen,
       datetime(max(f.started), 'unixepoch') AS last_seen_utc
FROM flows f JOIN sessions s ON s.id = f.session_id
WHERE f.party = 'third'
GROUP BY f.session_id, f.site""",
    ),
    "uncovered_flows": (
        "Third-party requests the session's policy does not cover (undeclared, or breaking their entry), in "
        "time order, with the step the tester had marked.",
        """SELECT f.session_id, s.name AS session_name, st.label AS step,
       f.started, datetime(f.started, 'unixepoch') AS started_utc,
       f.site, f.host, f.kind, f.method, f.url, f.status, f.entity, f.party_name, f.verdict, f.id AS flow_id
FROM flows f
JOIN sessions s ON s.id = f.session_id
LEFT JOIN steps st ON st.id = f.step_id
WHERE f.party = 'third' AND coalesce(f.covered, 0) = 0
ORDER BY f.started""",
    ),
    "cookies_by_lifetime": (
        "Cookies set during each session (the device's background traffic left out), longest-lived first; "
        "lifetime in seconds and days, session cookies last.",
        """SELECT c.session_id, s.name AS session_name, c.site, c.name, c.party,
       count(*) AS times_set,
       max(c.lifetime) AS lifetime,
       round(max(c.lifetime) / 86400.0, 1) AS lifetime_days,
       CASE WHEN max(c.lifetime) IS NULL THEN 1 ELSE 0 END AS session_cookie,
       group_concat(DISTINCT c.host) AS hosts,
       max(c.secure) AS secure, max(c.httponly) AS httponly, max(c.samesite) AS samesite
FROM cookies c JOIN sessions s ON s.id = c.session_id
WHERE c.direction = 'set' AND coalesce(c.party, '') NOT IN ('background', 'tool')
GROUP BY c.session_id, c.site, c.name, c.party
ORDER BY max(c.lifetime) IS NULL, max(c.lifetime) DESC, c.site, c.name""",
    ),
}


def _statement(name: str, select: str) -> str:
    return f'CREATE VIEW "{name}" AS\n{select}'


def create_views(db: Database) -> list[str]:
    """Create the views that are missing or out of date; returns the names (re)created."""
    existing = {r["name"]: r["sql"] for r in db.query("select name, sql from sqlite_master where type = 'view'")}
    made = []
    for name, (_, select) in VIEWS.items():
        sql = _statement(name, select)
        if existing.get(name) == sql:
            continue
        if name in existing:
            db.execute(f'DROP VIEW "{name}"')
        db.execute(sql)
        made.append(name)
    if made:
        logger.debug("tredjepart: created views %s", ", ".join(made))
    return made


def drop_views(db: Database) -> list[str]:
    """Drop the views (before migrations that rebuild a table they read; older sqlite-utils cannot transform a
    table a view refers to). ``create_views`` puts them back."""
    present = [name for name in VIEWS if name in db.view_names()]
    for name in present:
        db.execute(f'DROP VIEW "{name}"')
    return present
