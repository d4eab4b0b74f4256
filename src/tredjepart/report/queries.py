"""The SQL behind the report model: one session at a time, core tables required, newer tables when present.

``detections`` and ``blind_spots`` (added by a later migration) and the owners layer (``tredjepart.entities``)
are optional: without them the model says so instead of failing.

Which sessions a reading covers is decided in one place, ``choose_sessions``: reports, ``policy draft``, ``diff``
and the CI gate call it, so they agree on what a walkthrough is. A session that saw only the device's background
traffic (the unnamed ones before a tester's "start" and after "end") stays in the database but is left out unless
it is named or asked for.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlite_utils import Database

from tredjepart.report.cookies import session_cookies
from tredjepart.report.hosts import session_hosts
from tredjepart.report.model import (SEVERITY_ORDER, Background, BlindSpot, FindingItem, Script, SessionReport, Step,
                                     ThirdParty)
from tredjepart.report.owners import default_entities, owner_of, purpose_of
from tredjepart.report.received import identity_fields, session_received
from tredjepart.report.rows import json_dict, json_list
from tredjepart.report.storage import session_instrument

__all__ = ["Selection", "SelectionError", "choose_sessions", "default_entities", "describe_session",
           "finding_item", "printable", "select_sessions", "session_report", "with_solution_traffic"]

logger = logging.getLogger(__name__)



class SelectionError(ValueError):
    """A session selector that names no session, or more than one."""


@dataclass(frozen=True, slots=True)
class Selection:
    """The sessions a command reads (start order), and the background-only ones it left out."""

    ids: list[str]
    left_out: list[str]

    @property
    def last(self) -> str | None:
        """The latest chosen session: what a command that needs one session reads."""
        return self.ids[-1] if self.ids else None


def choose_sessions(db: Database, selectors: Sequence[str] = (), *, all_sessions: bool = False) -> Selection:
    """The sessions to read: those ``selectors`` name (ids, unique id prefixes or names), else every session
    with solution traffic (a flow whose party is ``first`` or ``third``: not the device's ``background``, not the
    audit ``tool``'s own hosts such as mitmproxy's CA page); ``all_sessions`` takes every session.

    A session named by a selector is always read; left out are only sessions nobody named that saw nothing but
    the device's own background traffic. SelectionError when a selector names no session.
    """
    ids = select_sessions(db, selectors)
    if selectors or all_sessions:
        return Selection(ids, [])
    walks = with_solution_traffic(db)
    return Selection([i for i in ids if i in walks], [i for i in ids if i not in walks])


def with_solution_traffic(db: Database) -> set[str]:
    """Ids of the sessions with at least one flow of the solution or a third party."""
    return {r["id"] for r in db.query(
        "select id from sessions s where exists (select 1 from flows f where f.session_id = s.id and "
        "coalesce(f.party, 'first') in ('first', 'third'))")}


def describe_session(db: Database, sid: str) -> str:
    """``5e55a0e1 ("name", started 2025-11-03 09:00 UTC)``: a session as a command names it on stderr."""
    row = db.table("sessions").get(sid)
    when = datetime.fromtimestamp(row["started"], UTC).strftime("%Y-%m-%d %H:%M UTC") if row["started"] else "?"
    name = f'"{printable(row["name"])}"' if row["name"] else "unnamed"
    return f"{printable(sid[:8])} ({name}, started {when})"


def printable(text: object) -> str:
    """``text`` safe for a terminal: characters that are not printable (escape sequences, line breaks) escaped."""
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in str(text))


def select_sessions(db: Database, selectors: Sequence[str] = ()) -> list[str]:
    """Session ids in start order: all of them, or those named by id, unique id prefix or name."""
    rows = list(db.query("select id, name from sessions order by started, id"))
    if not selectors:
        return [r["id"] for r in rows]
    chosen: list[str] = []
    for sel in selectors:
        exact = [r["id"] for r in rows if r["id"] == sel]
        found = exact or [r["id"] for r in rows if r["name"] == sel] or (
            [r["id"] for r in rows if r["id"].startswith(sel)] if len(sel) >= 4 else [])
        if not found:
            known = ", ".join(f"{r['id'][:8]} ({r['name'] or 'unnamed'})" for r in rows[:20]) or "none"
            raise SelectionError(f"no session {sel!r} (sessions: {known})")
        if len(found) > 1 and not any(r["name"] == sel for r in rows):
            raise SelectionError(f"session prefix {sel!r} is ambiguous: {', '.join(i[:12] for i in found)}")
        chosen.extend(i for i in found if i not in chosen)
    order = {r["id"]: n for n, r in enumerate(rows)}
    return sorted(chosen, key=order.__getitem__)


def session_report(db: Database, sid: str, entities=None) -> SessionReport:
    s = db.table("sessions").get(sid)
    rep = SessionReport(
        id=s["id"], name=s["name"], solution=s["solution"], owner=s["owner"], device=s["device"],
        client=s["client"], source=s["source"], policy_file=s["policy_file"],
        first_party=[str(x) for x in json_list(s["first_party"])], started=s["started"], ended=s["ended"],
        key_id=s["key_id"], identity_fields=identity_fields(s.get("identity_fields")))
    steps = [Step(r["id"], r["label"], r["started"], None)
             for r in db.query("select id, label, started from steps where session_id = ? order by started, id",
                               [sid])]
    for a, b in zip(steps, steps[1:]):
        a.ended = b.started
    if steps:
        steps[-1].ended = rep.ended
    rep.steps = steps
    _flows(db, rep, entities)
    rep.cookies = session_cookies(db, rep.id, entities)
    parties = {p.site: p for p in rep.third_parties}
    for c in rep.cookies:
        if c.party == "third" and c.site in parties:
            parties[c.site].cookies.append(c)
    _scripts(db, rep)
    _findings(db, rep)
    _detections(db, rep)
    _blind_spots(db, rep)
    _received_and_hosts(db, rep, entities)
    rep.instrument = session_instrument(db, rep.id)
    order = {"uncovered": 0, "warning": 1, "covered": 2}
    rep.third_parties.sort(key=lambda p: (order[p.state], p.first_seen or 0, p.site))
    return rep


def _flows(db: Database, rep: SessionReport, entities) -> None:
    parties: dict[str, ThirdParty] = {}
    background: dict[str, Background] = {}
    steps = {s.id: s for s in rep.steps}
    counts = dict.fromkeys(("total", "first", "third", "background", "tool", "uncovered"), 0)
    clients: set[str] = set()
    entity_names: dict[str, str] = {}
    for f in db.query("select site, host, party, kind, client, covered, basis, party_name, entity, sdk, started, "
                      "step_id, verdict, background_reason from flows where session_id = ? order by started, id",
                      [rep.id]):
        counts["total"] += 1
        party = f["party"] or "first"
        counts[party] = counts.get(party, 0) + 1
        rep.last_flow = f["started"]
        step = steps.get(f["step_id"])
        if step:
            step.flows += 1
        if party == "tool":  # the audit's own hosts (mitm.it, the control page): counted apart, nothing else
            continue
        if party == "background":
            b = background.setdefault(f["site"], Background(f["site"], [], 0, []))
            b.flows += 1
            b.times.append(f["started"])
            _add(b.hosts, f["host"])
            _add(b.reasons, f["background_reason"])
            continue
        clients.add(f["client"] or "unknown")
        if party != "third":
            rep.first_party_times.append(f["started"])
            continue
        p = parties.get(f["site"])
        if p is None:
            p = parties[f["site"]] = ThirdParty(f["site"], first_seen=f["started"],
                                                first_step=step.label if step else None)
            if step:
                step.new_third_parties.append(f["site"])
        p.flows += 1
        p.last_seen = f["started"]
        _add(p.hosts, f["host"])
        p.request_kinds[f["kind"]] = p.request_kinds.get(f["kind"], 0) + 1
        covered = f["covered"] == 1  # no verdict recorded counts as not covered
        p.times.append((f["started"], covered))
        if not covered:
            p.uncovered_flows += 1
            counts["uncovered"] += 1
            if f["verdict"] and len(p.verdicts) < 5:
                _add(p.verdicts, f["verdict"])
        p.basis = p.basis or f["basis"]
        p.party_name = p.party_name or f["party_name"]
        if f["entity"]:
            entity_names.setdefault(p.site, f["entity"])
        if f["sdk"]:
            _add(p.sdks, f["sdk"])
            p.sdk_calls[f["sdk"]] = p.sdk_calls.get(f["sdk"], 0) + 1
    for p in parties.values():
        owner = owner_of(entities, entity_names.get(p.site), p.hosts)
        p.entity, p.parent, p.country, p.categories = owner.name, owner.parent, owner.country, list(owner.categories)
        p.purposes = [x for x in (purpose_of(h, owner.entity, entities) for h in p.hosts) if x is not None]
    rep.third_parties = list(parties.values())
    rep.background = sorted(background.values(), key=lambda b: (-b.flows, b.site))
    rep.flow_counts = counts
    rep.clients = sorted(clients)


def _add(items: list, value) -> None:
    if value is not None and value not in items:
        items.append(value)


def _scripts(db: Database, rep: SessionReport) -> None:
    parties = {p.site: p for p in rep.third_parties}
    for r in db.query("select url, host, site, sha256, max(size) size, count(*) n from scripts "
                      "where session_id = ? and party = 'third' group by site, url, sha256 order by site, url",
                      [rep.id]):
        if r["site"] in parties:
            parties[r["site"]].scripts.append(Script(r["url"], r["host"], r["sha256"], r["size"], r["n"]))


def finding_item(r: dict) -> FindingItem:
    """A ``findings`` row as the report's FindingItem."""
    return FindingItem(r["id"], r["rule"], r["severity"], r["site"], r["host"], r["message"],
                       [str(x) for x in json_list(r["evidence"])], r["count"] or 1, r["first_seen"],
                       r["last_seen"], json_dict(r["details"]))


def _findings(db: Database, rep: SessionReport) -> None:
    rows = db.query("select * from findings where session_id = ?", [rep.id])
    items = [finding_item(r) for r in rows]
    items.sort(key=lambda f: (SEVERITY_ORDER.get(f.severity, 3), f.rule, f.site or "", f.host or "", f.id))
    rep.findings = items
    parties = {p.site: p for p in rep.third_parties}
    for f in items:
        if f.site in parties:
            parties[f.site].findings.append(f)


def _detections(db: Database, rep: SessionReport) -> None:
    if not db.table("detections").exists():
        return
    parties = {p.site: p for p in rep.third_parties}
    for r in db.query("select site, kind, count(*) n from detections where session_id = ? group by site, kind",
                      [rep.id]):
        if r["site"] in parties:
            parties[r["site"]].detections[r["kind"]] = r["n"]


def _received_and_hosts(db: Database, rep: SessionReport, entities) -> None:
    """What each third party received (report.received) and the evidence about its hosts (report.hosts)."""
    parties = {p.site: p for p in rep.third_parties}
    for site, types in session_received(db, rep.id, set(parties)).items():
        parties[site].data_types = types
    for site, notes in session_hosts(db, rep.id, set(parties), entities).items():
        parties[site].own_hosts, parties[site].suggested_owners = notes.own, notes.suggested


def _blind_spots(db: Database, rep: SessionReport) -> None:
    if not db.table("blind_spots").exists():
        return
    rep.blind_spots = [
        BlindSpot(r.get("host") or "", r.get("client"), r.get("error"), r.get("first_seen"), r.get("last_seen"),
                  r.get("count") or 1)
        for r in db.query("select * from blind_spots where session_id = ? order by host", [rep.id])]
