"""Sessions resumed from the database: what a restarted recording worker needs to carry on the walkthroughs its
predecessor was recording (record.client restarts a worker that died).

The database has each session's row, its steps, its flows and its findings as far as they were committed; the
session (with its policy, first page and current step) and its merged findings are rebuilt from them, so the
next flows land in the same session and add to the same findings instead of starting them over. What the
detectors had learnt across flows (cookies set, identifiers seen) is not in the database and starts afresh.
"""

from __future__ import annotations

import json
from pathlib import Path

from tredjepart.policy import choose_policy
from tredjepart.record.sessions import STEP_LABELS_KEPT, Session, Step
from tredjepart.records import Finding
from tredjepart.store import open_readonly


def load_sessions(path: str | Path, ids: list[str], policies: list) -> list[tuple[Session, list[Finding]]]:
    """The active sessions ``ids`` as they stand in the database at ``path`` (ended ones are left out)."""
    if not ids:
        return []
    db = open_readonly(path)
    try:
        marks = ",".join("?" * len(ids))
        rows = db.execute(f"select * from sessions where id in ({marks}) and ended is null", ids).fetchall()
        columns = [d[0] for d in db.execute("select * from sessions limit 0").description]
        out = []
        for row in (dict(zip(columns, r)) for r in rows):
            out.append((_session(db, row, policies), _findings(db, row["id"])))
        return out
    finally:
        db.close()


def _session(db, row: dict, policies: list) -> Session:
    s = Session(id=row["id"], started=row["started"], client=row["client"], name=row["name"], source=row["source"],
                device=row["device"])
    first = db.execute("select site, host from flows where session_id = ? and top_level = 1 order by started "
                       "limit 1", [s.id]).fetchone()
    if first:
        s.first_site, s.first_host = first
    named = row["solution"] if row["policy_file"] or row["solution"] else None
    s.policy_name = named if any(p.solution == named for p in policies) else None
    s.policy = choose_policy(policies, s.policy_name, s.first_host)
    steps = db.execute("select id, label, started from steps where session_id = ? order by started desc limit ?",
                       [s.id, STEP_LABELS_KEPT]).fetchall()
    if steps:
        s.step = Step(steps[0][0], s.id, steps[0][1], steps[0][2])
        s.step_labels = [label for _, label, _ in reversed(steps)]
        s.step_times = sorted((started, step_id) for step_id, _, started in steps)
    return s


def _findings(db, session_id: str) -> list[Finding]:
    rows = db.execute("select rule, severity, site, message, host, evidence, first_seen, last_seen, count, details "
                      "from findings where session_id = ?", [session_id]).fetchall()
    return [Finding(rule=r[0], severity=r[1], site=r[2] or "", message=r[3], host=r[4],
                    evidence=json.loads(r[5] or "[]"), session_id=session_id, first_seen=r[6], last_seen=r[7],
                    count=r[8] or 1, details=json.loads(r[9] or "{}")) for r in rows]
