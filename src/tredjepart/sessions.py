"""Sessions and steps: which walkthrough a flow belongs to and which step the tester had marked.

A session is one walkthrough by one device. Without a name, each client address gets its own session, started by
its first flow. A tester can start a named session (mitmproxy command, the ``tredjepart_session`` option, or the
control page): one started from a command or the option applies to every client (one device under test); one
started from the control page applies to the device that opened the page. Ending a session makes the next flow
of that client start a fresh unnamed one.

Plain state, no mitmproxy: the addon calls these methods and stores what they return.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

ALL_CLIENTS = "*"


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
    first_site: str | None = None  # site of its first top-level document (or first flow, for apps)
    step: Step | None = None
    meta: dict = field(default_factory=dict)  # solution, owner, policy_file, first_party, set by the addon


class SessionTracker:
    def __init__(self) -> None:
        self._by_client: dict[str, Session] = {}

    def active(self) -> list[Session]:
        return list(self._by_client.values())

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
            steps.append(session.step)
        return steps, started
