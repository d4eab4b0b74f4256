"""A flow's trip from observation to the store, shared by the live proxy and offline analysis.

``Recorder`` holds the state that outlives one flow (sessions, the hashing key, policies, owners, findings) and
turns each flow into records: observe -> party -> owner -> judge -> queue for the writer. It knows mitmproxy
flows but no hooks, options or commands: the addon wires those.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from mitmproxy import http

from tredjepart import cname
from tredjepart.cname import CnameResolver
from tredjepart.detect import Detectors
from tredjepart.findings import FindingSet, finding_key
from tredjepart.observe import observe
from tredjepart.ids import record_id
from tredjepart.observe.signals import wire_signals
from tredjepart.policy import Policy, choose_policy, judge_flow
from tredjepart.records import Finding, Observation
from tredjepart.sessions import Session, SessionTracker, Step
from tredjepart.store.rows import finding_row, session_row, to_row
from tredjepart.store.schema import hashing_key
from tredjepart.store.writer import Op, Writer, open_database
from tredjepart.transfers import transfer_finding

logger = logging.getLogger(__name__)

# Owner categories whose hosts never identify the solution itself.
TRACKING_CATEGORIES = {"analytics", "advertising", "social", "crash-reporting", "push"}


@dataclass(slots=True)
class Result:
    """What one flow yielded, for the addon to show (mark, comment) and for tests."""

    observation: Observation
    session: Session
    new_findings: list[Finding] = field(default_factory=list)

    @property
    def uncovered(self) -> bool:
        return self.observation.flow.party == "third" and self.observation.flow.covered is False

    @property
    def reason(self) -> str | None:
        """Why the flow is not covered (its verdict), for the flow's comment in mitmproxy."""
        return self.observation.flow.verdict


class Recorder:
    def __init__(
        self,
        writer: Writer,
        key: bytes,
        key_id: str,
        *,
        policies: list[Policy] | None = None,
        entities=None,
        store_values: bool = False,
        background_hosts: tuple[str, ...] = (),
        cnames: CnameResolver | None = None,
    ) -> None:
        self.writer = writer
        self.cnames = cnames
        self.key = key
        self.key_id = key_id
        self.policies = policies or []
        self.entities = entities
        self.store_values = store_values
        self.background_hosts = background_hosts
        self.sessions = SessionTracker()
        self.findings: dict[str, FindingSet] = {}
        self._collect: list[Op] | None = None  # the current flow's operations, queued together
        self._dirty: set[str] = set()  # sessions whose findings changed since they were last queued
        self._findings_flushed = 0.0
        self.detectors = Detectors()

    @classmethod
    def open(cls, path, *, policies=None, entities=None, store_values: bool = False,
             background_hosts: tuple[str, ...] = (), interval: float = 0.5,
             cnames: CnameResolver | None = None, threaded: bool = True) -> "Recorder":
        """A recorder writing into the database at ``path`` (created and migrated when needed)."""
        db = open_database(path)
        try:
            key = hashing_key(db)
            kid = db.table("meta").get("key_id")["value"]
        finally:
            db.close()
        return cls(Writer(path, interval=interval, threaded=threaded), key, kid, policies=policies, entities=entities,
                   store_values=store_values, background_hosts=background_hosts, cnames=cnames)

    # --- sessions and steps -------------------------------------------------------------------------------

    def start_session(self, name: str, when: float | None = None, client: str | None = None,
                      policy_name: str | None = None, source: str = "live",
                      session_id: str | None = None) -> Session:
        when = time.time() if when is None else when
        session, ended = self.sessions.start(name, when, client, policy_name, source, session_id)
        for s in ended:
            self._save_session(s)
            self.detectors.end_session(s.id)
            if s.id in self._dirty:
                self._flush_findings(s.id)
        self._attach_policy(session, None)
        self._save_session(session)
        return session

    def end_session(self, when: float | None = None, client: str | None = None) -> list[Session]:
        ended = self.sessions.end(time.time() if when is None else when, client)
        for s in ended:
            self._save_session(s)
            self.detectors.end_session(s.id)
            if s.id in self._dirty:
                self._flush_findings(s.id)
        return ended

    def mark_step(self, label: str, when: float | None = None, client: str | None = None) -> list[Step]:
        steps, started = self.sessions.step(label, time.time() if when is None else when, client)
        for s in started:
            self._save_session(s)
        self.writer.put(Op("steps", [to_row(s) for s in steps]))
        return steps

    def close(self, when: float | None = None) -> None:
        """End every active session and write everything queued."""
        self.end_session(when)
        self._flush_findings()
        if self.cnames is not None:
            self.cnames.close()
        self.writer.close()

    # --- flows --------------------------------------------------------------------------------------------

    def record(self, flow: http.HTTPFlow, source: str = "live") -> Result:
        """Observe, attribute, detect and judge one flow, and queue its records in one piece."""
        self._collect = []
        try:
            result = self._record(flow, source)
            if self._dirty and time.monotonic() - self._findings_flushed > 1.0:
                self._flush_findings()
            self.writer.put(self._collect)
            return result
        finally:
            self._collect = None

    def _record(self, flow: http.HTTPFlow, source: str) -> Result:
        client = flow.client_conn.peername[0] if flow.client_conn.peername else "unknown"
        when = flow.request.timestamp_start
        session, new = self.sessions.session_for(client, when, source)
        obs = observe(flow, session.id, self.key, store_values=self.store_values,
                      background_hosts=self.background_hosts)
        rec = obs.flow
        if session.device is None and rec.user_agent and not rec.background:
            session.device = rec.user_agent
            new = True
        if session.first_site is None and not rec.background and (
                rec.top_level or (rec.client == "app" and not self._serves_trackers(rec))):
            session.first_site = rec.site
            session.meta["first_host"] = rec.host
            self._attach_policy(session, rec.host)
            new = True
        if new:
            self._save_session(session)
        step_id = session.step.id if session.step else None
        rec.step_id = step_id
        rec.party = self._party(rec, session)
        entity = cloak = None
        if self.entities is not None:
            entity = self.entities.lookup(rec.host)
            if rec.party == "first" and self.cnames is not None:
                cloak = cname.detect_cloaking(rec, self.cnames.canonical(rec.host), self.entities,
                                              session.meta.get("owner"))
                if cloak is not None:  # a tracker behind a first-party name: judged as the third party it is
                    entity, rec.party, rec.site = cloak.entity, "third", cloak.site
            rec.entity = entity.name if entity else None
            if rec.client == "app":
                sdk = self.entities.sdk_for(cloak.canonical if cloak else rec.host, rec.path)
                rec.sdk = sdk.name if sdk else None
        for r in (*obs.cookies, *obs.scripts):
            r.step_id, r.party = step_id, rec.party
        detected = self.detectors.on_flow(obs, wire_signals(flow, self.key, obs))
        result = Result(obs, session)
        if cloak is not None:
            self._add_findings(session.id, [cloak.finding], result)
        self._judge(result, detected.behaviours, cloak)
        if (transfer := transfer_finding(rec, entity)) is not None:
            self._add_findings(session.id, [transfer], result)
        self._add_findings(session.id, detected.findings, result)
        self._queue(obs)
        if detected.detections:
            self._put(Op("detections", [to_row(d) for d in detected.detections]))
        return result

    def _put(self, op: Op) -> None:
        """Queue ``op``, with the rest of the current flow's records when a flow is being recorded."""
        if self._collect is not None:
            self._collect.append(op)
        else:
            self.writer.put(op)

    def record_tls_failure(self, host: str | None, client: str | None, error: str | None,
                           when: float | None = None, source: str = "live") -> list[Finding]:
        """A failed client TLS handshake (mitmproxy's tls_failed_client): a blind spot and its new findings."""
        when = time.time() if when is None else when
        session, new = self.sessions.session_for(client or "unknown", when, source)
        if new:
            self._save_session(session)
        spot, findings = self.detectors.on_tls_failed(session.id, host, client, error, when)
        if spot is None:
            return []
        self.writer.put(Op("blind_spots", [to_row(spot)], replace=True))
        return self._add_findings(session.id, findings)

    def _serves_trackers(self, rec) -> bool:
        """Whether ``rec`` goes to an SDK endpoint or a known tracking owner: an app's first such call (Firebase
        starting up) does not tell which solution the app is."""
        if self.entities is None:
            return False
        if self.entities.sdk_for(rec.host, rec.path) is not None:
            return True
        owner = self.entities.lookup(rec.host)
        return owner is not None and bool(set(owner.categories) & TRACKING_CATEGORIES)

    def _party(self, rec, session: Session) -> str:
        if rec.background:
            return "background"
        policy: Policy | None = session.meta.get("policy")
        if policy is not None:
            return "first" if policy.is_first_party(rec.host) else "third"
        if session.first_site is None:  # before the first page (or an app's first own call)
            return "third" if self._serves_trackers(rec) else "first"
        return "first" if rec.site == session.first_site else "third"

    def _judge(self, result: Result, detected: set[str] | frozenset[str] = frozenset(), cloak=None) -> None:
        rec = result.observation.flow
        if rec.party != "third":
            return
        behaviours = {rec.kind} | set(detected)
        for c in result.observation.cookies:
            behaviours.add("cookie_set" if c.direction == "set" else "cookie_sent")
        if rec.sdk:
            behaviours.add("sdk")
        policy = result.session.meta.get("policy")
        judged = cname.judge_view(rec, cloak, policy) if cloak is not None else rec
        verdict, findings = judge_flow(judged, behaviours, policy, result.observation.cookies)
        rec.covered, rec.party_name, rec.basis, rec.verdict = (
            verdict.covered, verdict.party_name, verdict.basis, verdict.reason)
        self._add_findings(result.session.id, findings, result)

    def _add_findings(self, session_id: str, findings: list[Finding], result: Result | None = None) -> list[Finding]:
        """Merge findings into the session's FindingSet, queue the changed ones; returns the new ones."""
        if not findings:
            return []
        fs = self.findings.setdefault(session_id, FindingSet())
        new = []
        for f in findings:
            f.session_id = session_id
            if fs.add(f):
                new.append(f)
        if result is not None:
            result.new_findings.extend(new)
        self._dirty.add(session_id)
        if new:  # a new problem is written at once; repeats (more evidence) at most once a second
            self._flush_findings(session_id)
        return new

    def _flush_findings(self, session_id: str | None = None) -> None:
        """Queue the changed findings of one session, or (None) of every session with changes."""
        for sid in [session_id] if session_id else list(self._dirty):
            self._dirty.discard(sid)
            changed = self.findings[sid].drain_changed() if sid in self.findings else []
            if changed:
                self._put(Op("findings", [finding_row(f, self.finding_id(f)) for f in changed], replace=True))
        self._findings_flushed = time.monotonic()

    @staticmethod
    def finding_id(f: Finding) -> str:
        return record_id(f.session_id or "", *finding_key(f))

    def _queue(self, obs: Observation) -> None:
        self._put(Op("flows", [to_row(obs.flow)]))
        if obs.cookies:
            self._put(Op("cookies", [to_row(c) for c in obs.cookies]))
        if obs.scripts:
            self._put(Op("scripts", [to_row(s) for s in obs.scripts]))

    # --- policies -----------------------------------------------------------------------------------------

    def _attach_policy(self, session: Session, host: str | None) -> None:
        policy = choose_policy(self.policies, session.policy_name, host)
        if policy is None:
            session.meta.pop("policy", None)
            return
        session.meta.update(
            policy=policy,
            policy_file=str(policy.path) if policy.path else None,
            solution=policy.solution,
            owner=policy.owner,
            first_party=list(policy.first_party),
        )

    def set_policies(self, policies: list[Policy]) -> None:
        """Replace the loaded policies (reload); active sessions are judged against the new ones from now on."""
        self.policies = policies
        for session in self.sessions.active():
            self._attach_policy(session, session.meta.get("first_host"))
            self._save_session(session)

    def _save_session(self, s: Session) -> None:
        self.writer.put(Op("sessions", [session_row(s, self.key_id)], replace=True))
