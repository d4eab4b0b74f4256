"""What changed between two audits of the same solution.

Each side is ``DB`` (every session in the file with solution traffic, as ``queries.choose_sessions`` decides) or
``DB:SESSION`` (one session, by id, unique id prefix or name; the part after the last colon, when the whole
argument is not an existing file). Both sides may be the same file.

Compared: third-party sites, cookies (by site and name), cookie lifetimes (the longest set), third-party scripts
(by URL; SHA-256 of their bodies, comparable across databases), coverage by the policy, and findings (by rule,
site, host and subject). A change is *worse* when it adds a third party, a cookie, an error finding, a longer
lifetime or a changed third-party script, or when a site loses its coverage.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlite_utils import Database

from tredjepart.report.i18n import Catalog
from tredjepart.report.queries import choose_sessions
from tredjepart.store.db import open_readonly

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
WORSE_KINDS = {"third_party_new", "cookie_new", "lifetime_longer", "script_changed", "coverage_lost"}


@dataclass(slots=True)
class Change:
    kind: str  # e.g. third_party_new, finding_fixed (docs/reports.md)
    subject: str  # what changed: a site, "site name" of a cookie, a URL, "rule site"
    old: object = None
    new: object = None
    worse: bool = False
    detail: str = ""


@dataclass(slots=True)
class Side:
    label: str
    sessions: list[str]
    sites: dict[str, bool] = field(default_factory=dict)  # third-party site -> every flow covered
    cookies: dict[tuple[str, str], str] = field(default_factory=dict)  # (site, name) -> party
    lifetimes: dict[tuple[str, str], int | None] = field(default_factory=dict)  # set cookies: longest, None=session
    scripts: dict[str, set[str]] = field(default_factory=dict)  # third-party script URL -> SHA-256s
    findings: dict[tuple[str, str, str, str], tuple[str, str]] = field(default_factory=dict)  # -> (severity, msg)


@dataclass(slots=True)
class DiffResult:
    old: str
    new: str
    changes: list[Change]

    @property
    def worse(self) -> bool:
        return any(c.worse for c in self.changes)

    def to_json(self) -> dict:
        return {"old": self.old, "new": self.new, "worse": self.worse, "changes": [asdict(c) for c in self.changes]}


def parse_spec(spec: str) -> tuple[Path, str | None]:
    """``DB`` or ``DB:SESSION`` -> (path, session or None); ValueError when neither names an existing file."""
    if Path(spec).is_file():
        return Path(spec), None
    if ":" in spec:
        path, session = spec.rsplit(":", 1)
        if Path(path).is_file() and session:
            return Path(path), session
    raise ValueError(f"{spec}: no such database file (write DB or DB:SESSION)")


def load_side(spec: str) -> Side:
    path, session = parse_spec(spec)
    db = open_readonly(path)
    try:
        ids = choose_sessions(db, [session] if session else []).ids
        if not ids:
            raise ValueError(f"{spec}: the database has no sessions with solution traffic")
        side = Side(spec, ids)
        _fill(db, side)
    finally:
        db.close()
    return side


def _fill(db: Database, side: Side) -> None:
    marks = ",".join("?" * len(side.sessions))
    args = side.sessions
    for r in db.query(f"select site, min(coalesce(covered, 0)) covered from flows where party = 'third' and "
                      f"session_id in ({marks}) group by site", args):
        side.sites[r["site"]] = bool(r["covered"])
    for r in db.query(f"select site, name, max(party) party, max(case when direction = 'set' then 1 end) was_set, "
                      f"max(case when direction = 'set' then lifetime end) lifetime from cookies "
                      f"where coalesce(party, '') not in ('background', 'tool') and session_id in ({marks}) "
                      f"group by site, name",
                      args):
        key = (r["site"] or "", r["name"])
        side.cookies[key] = r["party"] or ""
        if r["was_set"]:
            side.lifetimes[key] = r["lifetime"]
    for r in db.query(f"select distinct url, sha256 from scripts where party = 'third' and session_id in ({marks})",
                      args):
        side.scripts.setdefault(r["url"], set()).add(r["sha256"])
    for r in db.query(f"select rule, severity, site, host, message, details from findings "
                      f"where session_id in ({marks}) order by first_seen", args):
        try:
            subject = str((json.loads(r["details"] or "{}") or {}).get("subject") or "")
        except (ValueError, AttributeError):
            subject = ""
        side.findings.setdefault((r["rule"], r["site"] or "", r["host"] or "", subject), (r["severity"], r["message"]))


def diff_sides(old: Side, new: Side) -> DiffResult:
    t = Catalog("en")
    changes: list[Change] = []
    for site in sorted(new.sites.keys() - old.sites.keys()):
        changes.append(Change("third_party_new", site, None, new.sites[site], True,
                              "covered by the policy" if new.sites[site] else "NOT covered by the policy"))
    for site in sorted(old.sites.keys() - new.sites.keys()):
        changes.append(Change("third_party_gone", site, old.sites[site], None))
    for site in sorted(old.sites.keys() & new.sites.keys()):
        if old.sites[site] != new.sites[site]:
            kind = "coverage_gained" if new.sites[site] else "coverage_lost"
            changes.append(Change(kind, site, old.sites[site], new.sites[site], kind in WORSE_KINDS))
    for key in sorted(new.cookies.keys() - old.cookies.keys()):
        life = t.lifetime(new.lifetimes[key]) if key in new.lifetimes else "sent only"
        changes.append(Change("cookie_new", " ".join(key), None, new.lifetimes.get(key), True,
                              f"{new.cookies[key]} party, {life}"))
    for key in sorted(old.cookies.keys() - new.cookies.keys()):
        changes.append(Change("cookie_gone", " ".join(key), old.lifetimes.get(key)))
    for key in sorted(old.lifetimes.keys() & new.lifetimes.keys()):
        a, b = old.lifetimes[key], new.lifetimes[key]
        rank_a, rank_b = (-1 if a is None else a), (-1 if b is None else b)
        if rank_a != rank_b:
            kind = "lifetime_longer" if rank_b > rank_a else "lifetime_shorter"
            changes.append(Change(kind, " ".join(key), a, b, kind in WORSE_KINDS,
                                  f"{t.lifetime(a)} -> {t.lifetime(b)}"))
    for url in sorted(new.scripts.keys() - old.scripts.keys()):
        changes.append(Change("script_new", url, None, sorted(new.scripts[url])))
    for url in sorted(old.scripts.keys() - new.scripts.keys()):
        changes.append(Change("script_gone", url, sorted(old.scripts[url])))
    for url in sorted(old.scripts.keys() & new.scripts.keys()):
        if new.scripts[url] - old.scripts[url]:
            changes.append(Change("script_changed", url, sorted(old.scripts[url]), sorted(new.scripts[url]), True,
                                  "SHA-256 " + ", ".join(h[:12] for h in sorted(old.scripts[url])) + " -> "
                                  + ", ".join(h[:12] for h in sorted(new.scripts[url]))))
    for key in sorted(new.findings.keys() - old.findings.keys()):
        severity, message = new.findings[key]
        changes.append(Change("finding_new", _finding_subject(key), None, severity, severity == "error",
                              f"{severity}: {message}"))
    for key in sorted(old.findings.keys() - new.findings.keys()):
        severity, message = old.findings[key]
        changes.append(Change("finding_fixed", _finding_subject(key), severity, None, False, f"{severity}: {message}"))
    return DiffResult(old.label, new.label, changes)


def _finding_subject(key: tuple[str, str, str, str]) -> str:
    return " ".join(part for part in key if part)


def diff(old_spec: str, new_spec: str) -> DiffResult:
    """Compare two audits given as ``DB`` or ``DB:SESSION``; ValueError on bad input."""
    return diff_sides(load_side(old_spec), load_side(new_spec))


TITLES = {
    "third_party_new": "new third party", "third_party_gone": "third party gone", "coverage_lost": "coverage lost",
    "coverage_gained": "now covered", "cookie_new": "new cookie", "cookie_gone": "cookie gone",
    "lifetime_longer": "longer lifetime", "lifetime_shorter": "shorter lifetime", "script_new": "new script",
    "script_gone": "script gone", "script_changed": "changed script", "finding_new": "new finding",
    "finding_fixed": "fixed finding",
}


def format_text(result: DiffResult) -> str:
    lines = [_printable(f"tredjepart diff: {result.old} -> {result.new}")]
    better = {"third_party_gone", "coverage_gained", "cookie_gone", "lifetime_shorter", "finding_fixed"}
    for c in sorted(result.changes, key=lambda c: (not c.worse, c.kind not in better)):
        mark = "WORSE " if c.worse else "better" if c.kind in better else "      "
        detail = f"  ({c.detail})" if c.detail else ""
        lines.append(_printable(f"{mark} {TITLES.get(c.kind, c.kind):17s} {c.subject}{detail}"))
    worse = sum(c.worse for c in result.changes)
    lines.append(f"{len(result.changes)} change(s), {worse} worse." if result.changes else "No changes.")
    return "\n".join(lines) + "\n"


def _printable(text: str) -> str:
    """No control characters from traffic reach the terminal (escape sequences): shown as \\xNN."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
