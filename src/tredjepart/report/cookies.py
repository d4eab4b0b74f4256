"""Cookies in a report: every cookie name of a session, and for those no Set-Cookie created, how a script wrote them.

A cookie sent that no response of the session set was written by JavaScript (the ``js_cookie`` detection,
detect/jscookies.py), or is older than the session. Its detection's evidence lists the third-party scripts loaded
before it was first sent: the possible writers, shown latest first, with their owners. Evidence from the database
is read defensively (it may be malformed or hostile).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database

from tredjepart.report.owners import owner_of
from tredjepart.report.rows import json_dict
from tredjepart.report.storage import Writer, cookie_writers


@dataclass(slots=True)
class Candidate:
    """A third-party script loaded before a script-written cookie was first sent: a possible writer."""

    site: str
    urls: list[str]
    owner: str | None = None


@dataclass(slots=True)
class ScriptWrite:
    """How a cookie that no Set-Cookie created came to be (detections of kind ``js_cookie``)."""

    first_sent: float | None
    candidates: list[Candidate]  # the third-party scripts loaded before it was first sent, by site, latest first
    scripts_before: int  # how many third-party scripts had loaded before it
    listed: int  # how many of them the evidence lists (the latest ones, at most 20)
    known: bool = False  # the in-page instrument saw the writer: ``candidates`` is that one script

    @property
    def more(self) -> int:
        """Earlier scripts the evidence does not list."""
        return max(0, self.scripts_before - self.listed)


@dataclass(slots=True)
class Cookie:
    """One cookie name of one site in one direction, over the whole session."""

    direction: str  # "set" | "sent"
    name: str
    site: str
    hosts: list[str]
    party: str
    lifetime: int | None  # longest seen, seconds; None: a session cookie (set) or unknown (sent)
    secure: bool
    httponly: bool
    samesite: str | None
    partitioned: bool
    count: int
    value_length: int | None
    written_by: ScriptWrite | None = None  # a sent cookie no Set-Cookie created: written by a script

    @property
    def origin(self) -> str | None:
        """``set`` (a response's Set-Cookie), ``script`` (written by JavaScript), or None (sent, origin unknown)."""
        return "set" if self.direction == "set" else "script" if self.written_by else None


def script_writes(db: Database, sid: str, entities) -> dict[tuple[str, str], ScriptWrite]:
    """(site, cookie name) -> how a script wrote it, from the ``js_cookie`` detections' evidence."""
    if not db.table("detections").exists():
        return {}
    out: dict[tuple[str, str], ScriptWrite] = {}
    for r in db.query("select site, evidence, time from detections where session_id = ? and kind = 'js_cookie' "
                      "order by time, id", [sid]):
        evidence = json_dict(r["evidence"])
        name = evidence.get("cookie")
        if not isinstance(name, str) or (r["site"] or "", name) in out:
            continue
        by_site: dict[str, Candidate] = {}
        scripts = evidence.get("scripts_before")
        scripts = [x for x in scripts if isinstance(x, dict)] if isinstance(scripts, list) else []
        for item in reversed(scripts):  # the latest script first: the likeliest writer
            site, url = item.get("site"), item.get("url")
            if isinstance(site, str):
                c = by_site.setdefault(site, Candidate(site, []))
                if isinstance(url, str) and url not in c.urls:
                    c.urls.append(url)
        for c in by_site.values():
            c.owner = owner_of(entities, None, [c.site]).name
        count = evidence.get("scripts_before_count")
        out[(r["site"] or "", name)] = ScriptWrite(
            r["time"], list(by_site.values()),
            count if type(count) is int and count >= len(scripts) else len(scripts), len(scripts))
    return out


def known_writers(writes: dict[tuple[str, str], ScriptWrite], writers: dict[str, Writer], entities) -> None:
    """Where the in-page instrument saw which script wrote a cookie, that script replaces the guessed candidates."""
    for (_site, name), w in writes.items():
        seen = writers.get(name)
        if seen is not None and seen.site:
            owner = seen.owner or owner_of(entities, None, [seen.site]).name
            w.candidates = [Candidate(seen.site, [seen.script] if seen.script else [], owner)]
            w.known, w.listed, w.scripts_before = True, 1, 1


def session_cookies(db: Database, sid: str, entities=None) -> list[Cookie]:
    """Every cookie name of the session per site, direction and party (the device's background and the audit
    tool's own hosts left out); first-party last."""
    writes = script_writes(db, sid, entities)
    known_writers(writes, cookie_writers(db, sid), entities)
    out = []
    rows = db.query(
        "select direction, name, site, coalesce(party, '') party, group_concat(distinct host) hosts, "
        "max(lifetime) lifetime, max(secure) secure, max(httponly) httponly, max(samesite) samesite, "
        "max(partitioned) partitioned, count(*) n, max(value_length) value_length from cookies "
        "where session_id = ? and coalesce(party, '') not in ('background', 'tool') "
        "group by direction, site, name, party order by party = 'first', site, name, direction", [sid])
    for r in rows:
        c = Cookie(r["direction"], r["name"], r["site"] or "", sorted((r["hosts"] or "").split(",")), r["party"],
                   r["lifetime"], bool(r["secure"]), bool(r["httponly"]), r["samesite"], bool(r["partitioned"]),
                   r["n"], r["value_length"])
        if c.direction == "sent":
            c.written_by = writes.get((c.site, c.name))
        out.append(c)
    return out
