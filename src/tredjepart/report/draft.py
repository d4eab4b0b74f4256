"""A draft policy from what one recorded session saw (``tredjepart policy draft``).

``read_session`` gathers the session's third parties from the database with plain SQL, grouped by owner;
``render_draft`` turns that into YAML text: one ``third_parties`` entry per owner with its sites and an empty
``basis`` for the authority to fill in, and comments saying what was seen. Every value is written by the YAML
dumper (never pasted into the text), and every comment is escaped onto one line, so hostile names stay inert.
It sits with the reports because, like them, it only reads a recorded database.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone

import yaml

from tredjepart import __version__
from tredjepart.entities import normalize_owner
from tredjepart.sites import is_glob

# A guess per owner category at the basis that might apply; a comment only, never a value.
HINTS = {
    **dict.fromkeys(("consent", "login", "security"), "technically_necessary?"),
    **dict.fromkeys(("analytics", "crash-reporting", "customer-support", "video", "maps", "fonts-cdn", "hosting",
                     "push"), "written_agreement or opt_out?"),
    **dict.fromkeys(("advertising", "social"), "hard to justify on a public solution: remove it, or "
                                                "written_agreement?"),
}
TRACKING_KINDS = ("beacon", "ping", "pixel")  # what the necessary-but-tracking rule looks at (docs/policy.md)
YEAR = 365 * 86400
MAX_NAMES = 15


@dataclass
class DraftParty:
    """One owner's share of a session: its sites and what they did."""

    name: str
    known: bool = False  # the owner was named by the flows or the owners data (else: the site stands in)
    country: str | None = None
    categories: tuple[str, ...] = ()
    sites: Counter = field(default_factory=Counter)  # site -> flows
    kinds: Counter = field(default_factory=Counter)  # flows.kind -> flows
    set_cookies: dict[str, int | None] = field(default_factory=dict)  # name -> longest lifetime (s); None: session
    sent_cookies: set[str] = field(default_factory=set)
    detections: Counter = field(default_factory=Counter)
    declared: set[str] = field(default_factory=set)  # "entry (basis)" of the policy the session was judged by
    first_party_owner: bool = False  # the same owner as the first party's sites


@dataclass
class SessionDraft:
    session: dict
    first_party: list[str]
    parties: list[DraftParty]


def read_session(db, sid: str, entities=None) -> SessionDraft:
    """The session ``sid`` of the sqlite_utils ``db``: its first party and its third parties grouped by owner."""
    s = dict(db.table("sessions").get(sid))
    try:
        first_party = [str(x) for x in json.loads(s["first_party"] or "[]") if str(x).strip()]
    except (ValueError, TypeError):
        first_party = []
    if not first_party:
        row = next(iter(db.query("select site from flows where session_id = ? and top_level = 1 and site is not null"
                                 " and coalesce(party, 'first') not in ('background', 'tool')"
                                 " order by started, id limit 1", [sid])), None)
        first_party = [row["site"]] if row else []
    by_site: dict[str, list[dict]] = {}
    for r in db.query("select site, host, kind, entity, party_name, basis, count(*) n from flows where session_id = ?"
                      " and party = 'third' and site is not null group by site, host, kind, entity, party_name, basis"
                      " order by site, host, kind", [sid]):
        by_site.setdefault(r["site"], []).append(r)
    parties: dict[str, DraftParty] = {}
    owner_of: dict[str, DraftParty] = {}
    for site, rows in by_site.items():
        party = _party_for(site, rows, entities, parties)
        owner_of[site] = party
        for r in rows:
            party.sites[site] += r["n"]
            party.kinds[r["kind"] or "other"] += r["n"]
            if r["party_name"]:
                party.declared.add(f"{r['party_name']} ({r['basis'] or 'no basis'})")
    for r in db.query("select site, direction, name, max(lifetime) lifetime from cookies where session_id = ? and "
                      "party = 'third' group by site, direction, name order by name", [sid]):
        party = owner_of.get(r["site"])
        if party is None or r["name"] is None:
            continue
        if r["direction"] == "set":
            old = party.set_cookies.get(r["name"])
            party.set_cookies[r["name"]] = r["lifetime"] if old is None else max(old, r["lifetime"] or 0)
        else:
            party.sent_cookies.add(r["name"])
    if db.table("detections").exists():
        for r in db.query("select site, kind, count(*) n from detections where session_id = ? group by site, kind",
                          [sid]):
            if r["site"] in owner_of:
                owner_of[r["site"]].detections[r["kind"]] += r["n"]
    if entities is not None:
        owners = {normalize_owner(e.name) for e in map(entities.lookup, filter(lambda x: not is_glob(x), first_party))
                  if e is not None}
        for party in parties.values():
            party.first_party_owner = party.known and normalize_owner(party.name) in owners - {""}
    return SessionDraft(s, first_party, sorted(parties.values(), key=lambda p: (p.name.casefold(), p.name)))


def _party_for(site: str, rows: list[dict], entities, parties: dict[str, DraftParty]) -> DraftParty:
    """The owner's entry for ``site``: flows.entity, else the owners data by host, else the site itself."""
    named = Counter(r["entity"].strip() for r in rows if r["entity"] and r["entity"].strip())
    name = named.most_common(1)[0][0] if named else None
    entity = None
    if entities is not None:
        entity = entities.get(name) if name else None
        for host in ([] if name and entity else [site] + sorted({r["host"] for r in rows if r["host"]})):
            entity = entities.lookup(host)
            if entity is not None:
                break
        if name and entity is not None and normalize_owner(name) not in entity.names():
            entity = None  # the recorded owner wins; the owners data knows another one for the host
    name = name or (entity.name.strip() if entity is not None and entity.name.strip() else None)
    key = f"owner:{normalize_owner(name) or name}" if name else f"site:{site}"
    party = parties.get(key)
    if party is None:
        label, n, taken = name or site, 1, {p.name for p in parties.values()}
        while label in taken:  # e.g. an owner named like another party's site
            n += 1
            label = f"{name or site} ({n})"
        party = parties[key] = DraftParty(label, known=bool(name))
        if entity is not None and name:
            party.country, party.categories = entity.country, tuple(entity.categories)
    return party


class _Dumper(yaml.SafeDumper):
    """Safe dumping; text with control characters or line breaks is double-quoted, where they are escaped."""


_Dumper.add_representer(str, lambda d, v: d.represent_scalar("tag:yaml.org,2002:str", v,
                                                              style=None if v.isprintable() else '"'))


def _dump(value) -> str:
    return yaml.dump(value, Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=False,
                     width=1_000_000)


def _c(text) -> str:
    """``text`` safe inside a YAML comment: one line, control characters and line breaks escaped."""
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in str(text))


def _names(items: list[str]) -> str:
    more = f" and {len(items) - MAX_NAMES} more" if len(items) > MAX_NAMES else ""
    return ", ".join(items[:MAX_NAMES]) + more


def _counts(counter: Counter) -> str:
    return ", ".join(f"{k} {n}" for k, n in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])))


def _lifetime(seconds: int | None) -> str:
    return "session" if seconds is None else "deletes" if seconds <= 0 else f"{seconds / 86400:.0f} d" \
        if seconds >= 86400 else f"{seconds / 3600:.1f} h"


def party_comments(p: DraftParty) -> list[str]:
    """What the session saw of ``p``, as comment text (not yet escaped)."""
    if p.known:
        owner = f"owner: {p.name} ({p.country or 'country unknown'}; {', '.join(p.categories) or 'no categories'})"
    else:
        owner = "owner: unknown (no owner data for this site): find out who runs it and what for"
    out = [owner, f"flows: {sum(p.sites.values())} ({_counts(p.sites)})", f"kinds: {_counts(p.kinds)}"]
    if p.set_cookies:
        lived = [v for v in p.set_cookies.values() if v]
        longest = f"; longest lifetime {max(lived) / 86400:.0f} days" if lived else "; session cookies only"
        out.append(f"cookies set: {_names([f'{k} ({_lifetime(v)})' for k, v in p.set_cookies.items()])}{longest}")
    if p.sent_cookies:
        out.append(f"cookies sent: {_names(sorted(p.sent_cookies))}")
    if p.detections:
        out.append(f"detections: {_counts(p.detections)}")
    if p.declared:
        out.append(f"the session's policy declared it as: {', '.join(sorted(p.declared))}")
    hints: dict[str, list[str]] = {}
    for category in p.categories:
        hints.setdefault(HINTS.get(category, "find out what it is for"), []).append(category)
    out += [f"hint: {', '.join(cats)} -> {hint}" for hint, cats in hints.items()]
    if p.first_party_owner:
        out.append("hint: same owner as the first party: do its sites belong in first_party?")
    tracking = sorted({k for k in TRACKING_KINDS if p.kinds.get(k) or p.detections.get(k)} |
                      ({"cookies over 365 days"} if any((v or 0) > YEAR for v in p.set_cookies.values()) else set()))
    if tracking:
        out.append(f"as technically_necessary it would be flagged necessary-but-tracking ({', '.join(tracking)})")
    return out


def _when(t: float | None) -> str:
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%d %H:%M UTC") if t else "unknown"


def render_draft(d: SessionDraft, database: str, now: datetime | None = None) -> str:
    """The draft policy text for ``d``, read from the file ``database``."""
    s, now = d.session, now or datetime.now(timezone.utc)
    flows = sum(sum(p.sites.values()) for p in d.parties)
    sites = sum(len(p.sites) for p in d.parties)
    head = [
        f"Draft policy generated by tredjepart {__version__} on {now:%Y-%m-%d %H:%M} UTC",
        f"from database {database}, session {s['id']} ({s['name'] or 'unnamed'}), started {_when(s['started'])},",
        f"source {s['source'] or 'unknown'}: {flows} third-party flows on {sites} sites, "
        f"{len(d.parties)} parties grouped by owner.",
        "",
        "To finish it:",
        "  1. Fill in basis and its fields for every party: technically_necessary needs purpose, written_agreement",
        "     needs agreement.reference, opt_out needs opt_out.setting and opt_out.verified (docs/policy.md).",
        "  2. Delete parties that should not be there (and take them off the solution).",
        "  3. Replace the values saying FILL IN, and check first_party (guessed from the session).",
        "  4. Run: tredjepart policy check FILE  (until then it reports every missing basis).",
        "The comments say what the session saw; a hint is a guess from the owner's categories, not advice.",
    ]
    if s.get("policy_file"):
        head.append(f"The session was judged against {s['policy_file']}.")
    top = {"version": 1, "solution": s.get("solution") or "FILL IN: the name of the self-service solution",
           "owner": s.get("owner") or "FILL IN: the responsible authority", "first_party": d.first_party}
    parts = ["".join(f"# {_c(line)}".rstrip() + "\n" for line in head), _dump(top)]
    if not d.parties:
        parts.append("# The session saw no third parties.\nthird_parties: []\n")
        return "".join(parts)
    parts.append("third_parties:\n")
    for p in d.parties:
        parts.append("\n" + "".join(f"# {_c(line)}\n" for line in party_comments(p)))
        parts.append(_dump([{"name": p.name, "sites": sorted(p.sites)}]))
        parts.append("  basis:\n")
    return "".join(parts)
