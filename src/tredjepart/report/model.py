"""The report model: what a report says, as plain dataclasses built from the database by ``build_report``.

Every renderer (JSON, Markdown, HTML) reads this model only; none of them runs SQL. Nothing here is escaped:
values from traffic are hostile and each renderer escapes for its own output.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlite_utils import Database

from tredjepart import __version__
from tredjepart.report.cookies import Candidate, Cookie, ScriptWrite
from tredjepart.report.hosts import OwnHost, SuggestedOwner
from tredjepart.report.owners import Purpose
from tredjepart.report.storage import Instrument

__all__ = ["Background", "BlindSpot", "Candidate", "Cookie", "FindingItem", "OwnHost", "Purpose", "Report",
           "Script", "ScriptWrite", "SessionReport", "Step", "SuggestedOwner", "Summary", "ThirdParty",
           "build_report", "summarize"]

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


@dataclass(slots=True)
class Step:
    id: str
    label: str
    started: float
    ended: float | None  # the next step's start, else the session's end
    flows: int = 0
    new_third_parties: list[str] = field(default_factory=list)  # sites first seen in this step


@dataclass(slots=True)
class Script:
    url: str
    host: str
    sha256: str
    size: int | None
    count: int


@dataclass(slots=True)
class FindingItem:
    id: str
    rule: str
    severity: str
    site: str | None
    host: str | None
    message: str
    evidence: list[str]
    count: int
    first_seen: float | None
    last_seen: float | None
    details: dict


@dataclass(slots=True)
class BlindSpot:
    host: str
    client: str | None
    error: str | None
    first_seen: float | None
    last_seen: float | None
    count: int


@dataclass(slots=True)
class ThirdParty:
    site: str
    hosts: list[str] = field(default_factory=list)
    entity: str | None = None
    parent: str | None = None  # the owner's parent company, where the owners data has one
    country: str | None = None
    categories: list[str] = field(default_factory=list)  # what the owner does (all its hosts; JSON only)
    purposes: list[Purpose] = field(default_factory=list)  # what its hosts are for, where known (owners.purpose_of)
    request_kinds: dict[str, int] = field(default_factory=dict)
    detections: dict[str, int] = field(default_factory=dict)  # detector kind -> how many
    sdks: list[str] = field(default_factory=list)
    sdk_calls: dict[str, int] = field(default_factory=dict)  # SDK name -> flows to its endpoints
    basis: str | None = None
    party_name: str | None = None
    flows: int = 0
    uncovered_flows: int = 0
    first_seen: float | None = None
    last_seen: float | None = None
    first_step: str | None = None  # label of the step it was first seen in
    verdicts: list[str] = field(default_factory=list)  # distinct reasons for uncovered flows (first few)
    scripts: list[Script] = field(default_factory=list)
    cookies: list[Cookie] = field(default_factory=list)
    findings: list[FindingItem] = field(default_factory=list)
    data_types: list[dict] = field(default_factory=list)  # what it received (report.received; never a value)
    own_hosts: list[OwnHost] = field(default_factory=list)  # its hosts that are probably the solution's own
    suggested_owners: list[SuggestedOwner] = field(default_factory=list)  # owners its certificates point at
    times: list[tuple[float, bool]] = field(default_factory=list, repr=False)  # (request time, covered)

    def received(self, *groups: str) -> list[dict]:
        """Its ``data_types`` of the given groups (report.received.GROUPS), in order."""
        return [e for e in self.data_types if e.get("group") in groups]

    @property
    def covered(self) -> bool:
        """Every flow of it is covered by the policy."""
        return self.uncovered_flows == 0

    @property
    def state(self) -> str:
        """``uncovered``, ``warning`` (covered, with a warning finding) or ``covered``."""
        if not self.covered or any(f.severity == "error" for f in self.findings):
            return "uncovered"
        return "warning" if any(f.severity == "warning" for f in self.findings) else "covered"

    @property
    def kinds(self) -> list[str]:
        """What it was seen doing: request kinds, cookie behaviours, ``sdk`` and detector kinds."""
        kinds = set(self.request_kinds) | set(self.detections)
        kinds |= {f"cookie_{c.direction}" for c in self.cookies}
        if self.sdks:
            kinds.add("sdk")
        return sorted(kinds)


@dataclass(slots=True)
class Background:
    site: str
    hosts: list[str]
    flows: int
    reasons: list[str]
    times: list[float] = field(default_factory=list, repr=False)


@dataclass(slots=True)
class SessionReport:
    id: str
    name: str | None
    solution: str | None
    owner: str | None
    device: str | None
    client: str | None
    source: str
    policy_file: str | None
    first_party: list[str]
    started: float
    ended: float | None
    key_id: str | None
    clients: list[str] = field(default_factory=list)  # browser / app / unknown, as the flows were classified
    last_flow: float | None = None
    flow_counts: dict[str, int] = field(default_factory=dict)  # total, first, third, background, tool, uncovered
    steps: list[Step] = field(default_factory=list)
    third_parties: list[ThirdParty] = field(default_factory=list)
    background: list[Background] = field(default_factory=list)
    cookies: list[Cookie] = field(default_factory=list)
    findings: list[FindingItem] = field(default_factory=list)
    blind_spots: list[BlindSpot] | None = None  # None: the database cannot tell (no blind_spots table)
    identity_fields: list[str] | None = None  # declared fields it was scanned for (names); None: none declared
    instrument: Instrument = field(default_factory=Instrument)  # the in-page instrument: on, and what it saw stored
    first_party_times: list[float] = field(default_factory=list, repr=False)

    @property
    def title(self) -> str:
        return self.name or self.solution or self.id[:8]

    @property
    def end(self) -> float:
        """Where the session's time axis ends: its end, else its last flow, else its start."""
        return max(x for x in (self.started, self.ended, self.last_flow) if x is not None)

    @property
    def other_findings(self) -> list[FindingItem]:
        """Findings about no listed third party (e.g. an uninspectable host)."""
        sites = {p.site for p in self.third_parties}
        return [f for f in self.findings if f.site not in sites]

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    @property
    def script_cookies(self) -> list[Cookie]:
        """Cookies written by scripts (first- and third-party): the "similar technology" looked for first."""
        return [c for c in self.cookies if c.written_by is not None]

    @property
    def own_cookies(self) -> list[Cookie]:
        """The cookies of the solution's own sites (first party)."""
        return [c for c in self.cookies if c.party != "third"]


@dataclass(slots=True)
class Summary:
    sessions: int
    third_parties: int  # distinct sites over the selection
    uncovered: int  # distinct sites with at least one uncovered flow
    undeclared: int  # distinct sites no policy entry names
    errors: int
    warnings: int
    infos: int
    blind_spots: int  # distinct hosts
    probably_own: int = 0  # distinct sites with a host that is probably the solution's own

    @property
    def verdict(self) -> str:
        """A code for pipelines: ``not_compliant``, ``warnings`` or ``no_findings``."""
        if self.uncovered or self.errors:
            return "not_compliant"
        return "warnings" if self.warnings else "no_findings"


@dataclass(slots=True)
class Report:
    generated: float
    tool_version: str
    sessions: list[SessionReport]
    summary: Summary
    has_detections: bool  # the database has a detections table (pixels, beacons, SDK events)
    has_entities: bool  # owners' countries and categories could be looked up
    has_received: bool = False  # the database records what third parties received (the received table)
    left_out: int = 0  # sessions with only background traffic, left out of this report (queries.choose_sessions)

    @property
    def solution(self) -> str | None:
        """The solution(s) the sessions were judged for, in order of first appearance ("A, B"), or None."""
        names = list(dict.fromkeys(s.solution for s in self.sessions if s.solution))
        return ", ".join(names) or None


def summarize(sessions: list[SessionReport]) -> Summary:
    sites = {p.site for s in sessions for p in s.third_parties}
    uncovered = {p.site for s in sessions for p in s.third_parties if not p.covered}
    undeclared = {p.site for s in sessions for p in s.third_parties if not p.party_name}
    blind = {b.host for s in sessions for b in (s.blind_spots or [])}
    counts = {sev: sum(s.count(sev) for s in sessions) for sev in SEVERITY_ORDER}
    own = {p.site for s in sessions for p in s.third_parties if p.own_hosts}
    return Summary(len(sessions), len(sites), len(uncovered), len(undeclared), counts["error"], counts["warning"],
                   counts["info"], len(blind), len(own))


def build_report(db: Database, selectors: Sequence[str] = (), *, entities: object = "auto",
                 now: float | None = None, all_sessions: bool = False) -> Report:
    """The whole report model for the sessions ``selectors`` pick (ids, id prefixes or names), else for every
    session with solution traffic (``all_sessions``: every session; see ``queries.choose_sessions``).

    ``entities``: an ``Entities`` for owners' countries and categories, None for none, or ``"auto"`` to load
    the built-in data when that layer is installed (any failure just leaves the columns empty).
    """
    from tredjepart.report import queries

    if entities == "auto":
        entities = queries.default_entities()
    chosen = queries.choose_sessions(db, selectors, all_sessions=all_sessions)
    sessions = [queries.session_report(db, sid, entities) for sid in chosen.ids]
    return Report(
        generated=time.time() if now is None else now,
        tool_version=__version__,
        sessions=sessions,
        summary=summarize(sessions),
        has_detections=db.table("detections").exists(),
        has_entities=entities is not None,
        has_received=db.table("received").exists(),
        left_out=len(chosen.left_out),
    )
