"""Sessions and steps: which walkthrough a flow belongs to and which step the tester had marked.

A session is one walkthrough by one device. Without a name, each client address gets its own session, started by
its first flow. A tester can start a named session (mitmproxy command, the ``tredjepart_session`` option, or the
control page): one started from a command or the option applies to every client (one device under test); one
started from the control page applies to the device that opened the page. Ending a session makes the next flow
of that client start a fresh unnamed one.

Session truth lives here, in the recorder (in the worker process when recording runs there). What the proxy shows
(the control page, log lines, the terminal) is a ``SessionView`` the recorder reports back whenever a session
changes: a copy of the truth, never a second tracker that could drift from it.
"""

from __future__ import annotations

import bisect
import uuid
from dataclasses import dataclass, field

from tredjepart.policy import Policy

ALL_CLIENTS = "*"
STEP_LABELS_KEPT = 50  # the labels a session keeps for its view (the steps table has them all)
STEP_TIMES_KEPT = 1000  # the steps a session can place flows in by their request time


@dataclass(slots=True)
class Step:
    id: str
    session_id: str
    label: str
    started: float


@dataclass(slots=True)
class Session:
    id: str
    started: float
    client: str  # client address, or "*" for a session covering every client
    name: str | None = None
    source: str = "live"  # "live", or "capture:<file>" for offline analysis
    ended: float | None = None
    device: str | None = None  # User-Agent of its first flow
    policy_name: str | None = None  # a policy named when the session was started
    policy: Policy | None = None  # the policy it is judged by (named, the only one, or chosen by the first page)
    first_site: str | None = None  # site of its first top-level document (or first flow, for apps)
    first_host: str | None = None  # host of that document
    first_cert: object = None  # that host's certificate facts (entities.certs.CertFacts), for own-domain evidence
    step: Step | None = None
    step_labels: list[str] = field(default_factory=list)  # the latest labels, for the view
    counts: dict[str, int] = field(default_factory=dict)  # flows, third_party_flows, uncovered, findings
    step_times: list[tuple[float, str]] = field(default_factory=list)  # (started, step id), in order
    third_sites: set[str] = field(default_factory=set)  # the third-party sites met (bounded, for the counts)

    def step_at(self, when: float) -> str | None:
        """The id of the step that was current when a request started at ``when`` (a flow is recorded at its
        response: a step marked while it was under way does not take it)."""
        i = bisect.bisect_right(self.step_times, (when, "\uffff"))
        return self.step_times[i - 1][1] if i else None

    @property
    def solution(self) -> str | None:
        return self.policy.solution if self.policy else None

    @property
    def owner(self) -> str | None:
        return self.policy.owner if self.policy else None

    @property
    def policy_file(self) -> str | None:
        return str(self.policy.path) if self.policy and self.policy.path else None

    @property
    def first_party(self) -> list[str]:
        """The solution's own sites: the policy's, else the site of the first page."""
        if self.policy is not None:
            return list(self.policy.first_party)
        return [self.first_site] if self.first_site else []

    def count(self, party: str | None, site: str, uncovered: bool, new_findings: int) -> None:
        """Count one recorded flow into the view's numbers."""
        c = self.counts
        c["flows"] = c.get("flows", 0) + 1
        if party in ("background", "tool"):
            c[party] = c.get(party, 0) + 1
        elif party == "third":
            c["third_party_flows"] = c.get("third_party_flows", 0) + 1
            if uncovered:
                c["uncovered"] = c.get("uncovered", 0) + 1
            if len(self.third_sites) < 10_000:
                self.third_sites.add(site)
            c["third_parties"] = len(self.third_sites)
        c["findings"] = c.get("findings", 0) + new_findings

    def view(self) -> "SessionView":
        return SessionView(self.id, self.name, self.client, self.started, self.ended, self.solution,
                           self.policy_file, self.first_site, tuple(self.step_labels), dict(self.counts))


@dataclass(frozen=True, slots=True)
class SessionView:
    """What the proxy may know of a session: plain values, sent back from the recorder when the session changes."""

    id: str
    name: str | None
    client: str
    started: float
    ended: float | None
    solution: str | None  # the policy's solution; None while no policy applies (yet)
    policy_file: str | None
    first_site: str | None
    steps: tuple[str, ...]  # step labels, oldest first (the latest STEP_LABELS_KEPT)
    counts: dict[str, int]


class SessionTracker:
    def __init__(self) -> None:
        self._by_client: dict[str, Session] = {}

    def active(self) -> list[Session]:
        return list(self._by_client.values())

    def adopt(self, session: Session) -> None:
        """Make ``session`` (resumed from the database) the active one of its client."""
        self._by_client[session.client] = session

    def by_id(self, session_id: str) -> Session | None:
        return next((s for s in self._by_client.values() if s.id == session_id), None)

    def current(self, client: str | None) -> Session | None:
        return self._by_client.get(ALL_CLIENTS) or (self._by_client.get(client) if client else None)

    def session_for(self, client: str, when: float, source: str = "live") -> tuple[Session, bool]:
        """The session a flow from ``client`` belongs to, and whether it was started just now."""
        found = self.current(client)
        if found is not None:
            return found, False
        session = Session(id=uuid.uuid4().hex, started=when, client=client, source=source)
        self._by_client[client] = session
        return session, True

    def start(
        self, name: str, when: float, client: str | None = None, policy_name: str | None = None, source: str = "live",
        session_id: str | None = None,
    ) -> tuple[Session, list[Session]]:
        """Start a named session (for ``client``, or every client); returns it and the sessions it ended."""
        ended = self.end(when, client)
        session = Session(
            id=session_id or uuid.uuid4().hex,
            started=when,
            client=client or ALL_CLIENTS,
            name=name,
            policy_name=policy_name,
            source=source,
        )
        self._by_client[session.client] = session
        return session, ended

    def end(self, when: float, client: str | None = None) -> list[Session]:
        """End the session of ``client`` (its own and any covering every client), or all sessions."""
        keys = list(self._by_client) if client is None else [k for k in (client, ALL_CLIENTS) if k in self._by_client]
        ended = []
        for k in keys:
            s = self._by_client.pop(k)
            s.ended = when
            s.step = None
            ended.append(s)
        return ended

    def step(self, label: str, when: float, client: str | None = None) -> tuple[list[Step], list[Session]]:
        """Mark a step in the session of ``client``, or in every active session when no client is given.

        Where no session is active yet, one is started (for ``client``, or for every client) so that the step
        is not lost; returns the steps and the sessions started for them.
        """
        started = []
        if client is not None:
            session, new = self.session_for(client, when)
            sessions = [session]
            started = [session] if new else []
        else:
            sessions = self.active()
            if not sessions:
                session, _ = self.session_for(ALL_CLIENTS, when)
                sessions, started = [session], [session]
        steps = []
        for session in sessions:
            session.step = Step(id=uuid.uuid4().hex, session_id=session.id, label=label, started=when)
            bisect.insort(session.step_times, (when, session.step.id))
            del session.step_times[:-STEP_TIMES_KEPT]
            session.step_labels.append(label)
            del session.step_labels[:-STEP_LABELS_KEPT]
            steps.append(session.step)
        return steps, started
