"""The recorder in the caller's thread: a flow's trip from observation to the store.

``LocalRecorder`` holds what outlives one flow (sessions, the hashing key, policies, owners, detectors' state,
findings) and turns each flow into records: observe -> attribute -> detect -> judge -> queue for the writer, then
tells its listener what the proxy should know. Offline analysis, crawls and tests use it directly; the live proxy
uses it inside the worker process (record.worker). It knows mitmproxy flows, but no hooks, options or commands.
"""

from __future__ import annotations

import logging
import time

from mitmproxy import http

from tredjepart.detect import Detectors
from tredjepart.detect.transfers import transfer_finding
from tredjepart.entities import load_entities
from tredjepart.observe import observe
from tredjepart.observe.flow import when_seen
from tredjepart.observe.signals import wire_signals
from tredjepart.observe.streams import StreamFacts, stream_facts, stream_record
from tredjepart.policy import choose_policy
from tredjepart.record.events import Listener, Status
from tredjepart.record.attribution import attribute, judge, opens_session
from tredjepart.record.dns import CnameResolver
from tredjepart.record.findings import FindingBook, finding_id
from tredjepart.record.hosts import HostBook
from tredjepart.record.resume import load_sessions
from tredjepart.record.sessions import Session, SessionTracker, SessionView
from tredjepart.record.storage import PageBook, attribute_records, storage_findings
from tredjepart.record.telling import Teller
from tredjepart.record.wire import Settings
from tredjepart.records import Finding
from tredjepart.ids import record_id
from tredjepart.instrument.evidence import PageRecord, bare_url, storage_records
from tredjepart.store import Op, Writer, open_database, read_key
from tredjepart.received import (RequestParts, Scanner, load_decoders, load_identity, parts_from_flow,
                                 received_findings)
from tredjepart.store.rows import finding_row, received_row, session_row, to_row

logger = logging.getLogger(__name__)


class LocalRecorder:
    def __init__(self, settings: Settings, listener: Listener, *, entities=None, cnames=None,
                 threaded: bool = True) -> None:
        db = open_database(settings.db)  # creates and migrates; a bad path fails here, at start-up
        try:
            self.key, self.key_id = read_key(db)
        finally:
            db.close()
        self.settings = settings
        self.listener = listener
        self.policies = list(settings.policies)
        self.entities = entities if entities is not None else load_entities(list(settings.entities))
        self.cnames = cnames if cnames is not None else (CnameResolver() if settings.cnames else None)
        self.scanner = Scanner(load_identity(settings.identity) if settings.identity else None,
                               load_decoders(settings.decoders))
        self.writer = Writer(settings.db, interval=settings.commit_seconds, threaded=threaded)
        self.sessions = SessionTracker()
        self.book = FindingBook()
        self.detectors = Detectors()
        self.tell = Teller(listener, self.status)
        self.hosts = HostBook(self.entities)
        self.pages = PageBook()

    # --- flows ----------------------------------------------------------------------------------------------

    def record(self, flow: http.HTTPFlow) -> None:
        """Observe, attribute, detect and judge one flow; queue its records in one piece; tell the listener."""
        client = flow.client_conn.peername[0] if flow.client_conn.peername else "unknown"
        session, changed = self._session_for(client, flow.request.timestamp_start)
        obs = observe(flow, session.id, self.key, store_values=self.settings.store_values,
                      background_hosts=self.settings.background_hosts)
        rec = obs.flow
        rec.path, rec.url = self.scanner.mask_path(rec.path), self.scanner.mask_url(rec.url)
        for script in obs.scripts:
            script.url = self.scanner.mask_url(script.url)
        changed = self._learn(session, rec) or changed
        a = self._attribute(rec, session, self.cnames.canonical if self.cnames else None)
        for r in (*obs.cookies, *obs.scripts):
            r.step_id, r.party = rec.step_id, rec.party
        detected = self.detectors.on_flow(obs, wire_signals(flow, self.key, obs))
        found: list[Finding] = [a.cloak.finding] if a.cloak else []
        found += judge(rec, obs.cookies, detected.behaviours, a.cloak, session.policy)
        found += detected.findings
        ops = [Op("flows", [to_row(rec)])]
        if (evidence := self.hosts.gather(flow, rec, session)) is not None:
            ops.append(Op("hosts", [evidence], replace=True))
        if rec.party == "third":  # what reached it (received): the declared identity, patterns, decoders
            found += self._received(rec, parts_from_flow(flow), ops)
        for table, records in (("cookies", obs.cookies), ("scripts", obs.scripts),
                               ("detections", detected.detections)):
            if records:
                ops.append(Op(table, [to_row(r) for r in records]))
        self._finish(flow, session, rec, a, found, ops, changed)

    def record_stream(self, flow) -> None:
        """A TCP, UDP or DNS flow, or a WebSocket's messages (a mitmproxy flow, or its observe.streams facts): a
        flow row with the sizes; raw TCP and UDP are also a blind spot (their content is not read)."""
        facts = flow if isinstance(flow, StreamFacts) else stream_facts(flow)
        if facts is None:
            return
        session, changed = self._session_for(facts.client, facts.started)
        rec = stream_record(facts, session.id)
        rec.step_id = session.step_at(rec.started)
        a = self._attribute(rec, session)
        found = judge(rec, [], frozenset(), None, session.policy)
        ops = [Op("flows", [to_row(rec)])]
        if facts.sent and rec.party == "third":  # what a WebSocket's client sent the third party
            found += self._received(rec, RequestParts("MESSAGES", facts.host, "/", websocket=facts.sent,
                                                      scheme=facts.scheme), ops)
        if facts.kind in ("tcp", "udp") and rec.party != "background":
            spot, spotted = self.detectors.on_tls_failed(session.id, rec.host, facts.client,
                                                         f"raw {facts.kind.upper()} connection", facts.started)
            if spot is not None:
                ops.append(Op("blind_spots", [to_row(spot)], replace=True))
                found += spotted if rec.party == "third" else []
        self._finish(flow, session, rec, a, found, ops, changed)

    def _received(self, rec, parts: RequestParts, ops: list[Op]) -> list[Finding]:
        """Scan what a third party received; its rows join ``ops``; the findings it makes."""
        items = self.scanner.scan(parts)
        if items:
            ops.append(Op("received", [received_row(rec, i) for i in items]))
        return received_findings(rec, items)

    def _learn(self, session: Session, rec) -> bool:
        """What a flow tells of its session (the device; the first page, which may choose the policy); whether
        the session changed. Also places the flow in the step current when its request started."""
        changed = False
        if session.device is None and rec.user_agent and not rec.background:
            session.device, changed = rec.user_agent, True
        if session.first_site is None and opens_session(rec, self.entities, self.settings.own_hosts):
            session.first_site, session.first_host = rec.site, rec.host
            self._attach_policy(session)
            changed = True
        rec.step_id = session.step_at(rec.started)
        return changed

    def _attribute(self, rec, session: Session, canonical=None):
        a = attribute(rec, session, self.entities, canonical, self.settings.own_hosts)
        rec.party, rec.site, rec.sdk = a.party, a.site, a.sdk
        rec.entity = a.entity.name if a.entity else None
        return a

    def _finish(self, flow, session: Session, rec, a, found: list[Finding], ops: list[Op], changed: bool) -> None:
        """The common end of a flow's trip: transfers, findings merged, everything queued in one piece, the
        listener told (the verdict on a third-party flow, new findings, the session)."""
        if (transfer := transfer_finding(rec, a.entity)) is not None:
            found.append(transfer)
        if changed:
            ops.append(self._session_op(session))
        new = self.book.add(session.id, found)
        self.writer.put(ops + self._findings_ops(force=bool(new)))
        session.count(rec.party, rec.site, rec.covered is False, len(new))
        if rec.party == "third":
            self.listener.on_verdict(flow, bool(rec.covered), rec.verdict or "")
        for f in new:
            self.listener.on_finding(f)
        self.tell.session(session, changed)

    def record_tls_failure(self, host: str | None, client: str | None, error: str | None,
                           when: float | None = None) -> None:
        """A failed client TLS handshake (mitmproxy's tls_failed_client): a blind spot and its finding."""
        when = time.time() if when is None else when
        session, new = self._session_for(client or "unknown", when)
        if new:
            self.writer.put(self._session_op(session))
        spot, found = self.detectors.on_tls_failed(session.id, host, client, error, when)
        if spot is None:
            return
        self.writer.put(Op("blind_spots", [to_row(spot)], replace=True))
        fresh = self.book.add(session.id, found)
        self.writer.put(self._findings_ops(force=bool(fresh)))
        for f in fresh:
            self.listener.on_finding(f)
        self.tell.session(session, new)

    def record_blind_spots(self, spots: list) -> None:
        """Blind spots found outside a flow (a capture's skipped entries): rows of ``blind_spots``."""
        if spots:
            self.writer.put(Op("blind_spots", [to_row(s) for s in spots], replace=True))

    # --- the in-page instrument ----------------------------------------------------------------------------

    def record_page(self, mitm_id: str, client: str | None, url: str, injected: bool, placement: str,
                    csp_changes: tuple[str, ...] = (), charset: str | None = None, when: float | None = None) -> None:
        """An HTML response the proxy put the instrument into, or could not (``placement`` says why)."""
        when = time.time() if when is None else when
        session, new = self._session_for(client or "unknown", when)
        flow_id = record_id(session.id, mitm_id)
        page = PageRecord(id=record_id(session.id, "instrument-page", flow_id), session_id=session.id,
                          step_id=session.step_at(when), flow_id=flow_id, time=when,
                          url=self.scanner.mask_url(u) if (u := bare_url(url)) else None, injected=injected,
                          placement=placement, csp_adjusted=bool(csp_changes), csp_changes=tuple(csp_changes),
                          charset=charset)
        if injected:
            self.pages.add(session.id, mitm_id, page)
        self.writer.put(([self._session_op(session)] if new else []) + [Op("instrument_pages", [to_row(page)],
                                                                               replace=True)])

    def record_storage(self, batch, mitm_id: str, client: str | None, when: float | None = None) -> None:
        """A report batch of the instrument in page ``mitm_id``: its events as ``storage`` rows (values only
        hashed), the page's counters, and the findings storage raises."""
        when = time.time() if when is None else when
        session, new = self._session_for(client or "unknown", when)
        records = storage_records(batch, hmac_key=self.key, session_id=session.id, step_id=None, received=when)
        mask = self.scanner.mask_url
        for r in records:
            r.page = mask(r.page) if r.page else r.page
            r.script_url = mask(r.script_url) if r.script_url else r.script_url
            r.stack = tuple(mask(s) for s in r.stack)
            if r.kind in ("fetch", "xhr", "beacon") and r.key_name:
                r.key_name = mask(r.key_name)
        attribute_records(records, session, self.entities, self.settings.own_hosts)
        ops = [self._session_op(session)] if new else []
        if records:
            ops.append(Op("storage", [to_row(r) for r in records]))
        if (page := self.pages.count(session.id, mitm_id, len(records), batch.dropped, batch.rejected)) is not None:
            ops.append(Op("instrument_pages", [to_row(page)], replace=True))
        fresh = self.book.add(session.id, storage_findings(records, session))
        self.writer.put(ops + self._findings_ops(force=bool(fresh)))
        for f in fresh:
            self.listener.on_finding(f)
        if fresh or new:
            self.tell.session(session, new)

    # --- sessions and steps ---------------------------------------------------------------------------------

    def start_session(self, name: str, *, client: str | None = None, policy_name: str | None = None,
                      when: float | None = None, source: str = "live", session_id: str | None = None) -> str:
        when = time.time() if when is None else when
        session, ended = self.sessions.start(name, when, client, policy_name, source, session_id)
        self._ended(ended)
        self._attach_policy(session)
        self.writer.put(self._session_op(session))
        self.tell.session(session, True)
        return session.id

    def end_session(self, *, client: str | None = None, when: float | None = None) -> None:
        self._ended(self.sessions.end(time.time() if when is None else when, client))

    def mark_step(self, label: str, *, client: str | None = None, when: float | None = None) -> None:
        steps, started = self.sessions.step(label, time.time() if when is None else when, client)
        self.writer.put([self._session_op(s) for s in started] + [Op("steps", [to_row(s) for s in steps])])
        for step in steps:
            self.tell.session(self.sessions.by_id(step.session_id), True)

    def set_policies(self, policies: list) -> None:
        """Replace the loaded policies (reload); active sessions are judged against the new ones from now on."""
        self.policies = list(policies)
        for session in self.sessions.active():
            self._attach_policy(session)
            self.writer.put(self._session_op(session))
            self.tell.session(session, True)

    def resume(self, session_ids: list[str]) -> None:
        """Carry on the active sessions ``session_ids`` of a recorder that stopped (record.resume)."""
        self.writer.flush()
        for session, findings in load_sessions(self.settings.db, session_ids, self.policies):
            self.sessions.adopt(session)
            self.book.restore(findings)
            self.tell.session(session, True)

    def session_of(self, client: str | None) -> SessionView | None:
        session = self.sessions.current(client)
        return session.view() if session else None

    # --- the store ------------------------------------------------------------------------------------------

    def status(self) -> Status:
        w = self.writer
        return Status(str(w.path), w.written, w.refused, w.failed, w.fallback_path, w.waiting)

    async def sync(self, timeout: float = 2.0) -> None:
        return None  # everything is applied before the call that sent it returns

    async def run(self) -> None:
        return None

    def flush(self, timeout: float = 30.0) -> bool:
        done = self.writer.flush(timeout)
        self.tell.status()
        return done

    def close(self, when: float | None = None) -> Status:
        """End every active session and write everything queued."""
        self.end_session(when=when)
        self.writer.put(self._findings_ops(force=True))
        if self.cnames is not None:
            self.cnames.close()
        self.writer.close()
        self.tell.status()
        return self.status()

    # --- helpers --------------------------------------------------------------------------------------------

    def _session_for(self, client: str, when: float) -> tuple[Session, bool]:
        """The session of ``client``; a new one is judged by the policy that applies before any page (the named
        or the only one) from its first flow on. A time that is no number (a hostile capture) counts as now."""
        session, new = self.sessions.session_for(client, when_seen(when))
        if new:
            self._attach_policy(session)
        return session, new

    def _attach_policy(self, session: Session) -> None:
        session.policy = choose_policy(self.policies, session.policy_name, session.first_host)

    def _ended(self, sessions: list[Session]) -> None:
        for s in sessions:
            self.writer.put(self._session_op(s))
            self.detectors.end_session(s.id)
            self.tell.session(s, True)
        if sessions:
            self.writer.put(self._findings_ops(force=True))

    def _session_op(self, s: Session) -> Op:
        return Op("sessions", [session_row(s, self.key_id, self.scanner.declared_fields(), self.settings.instrument)],
                  replace=True)

    def _findings_ops(self, *, force: bool) -> list[Op]:
        due = self.book.due(force=force)
        return [Op("findings", [finding_row(f, finding_id(f)) for f in due], replace=True)] if due else []
