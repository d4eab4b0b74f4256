"""The mitmproxy addon: options, commands and hooks; thin wiring around ``pipeline.Recorder``.

Load it with ``mitmdump -s addons/audit.py`` (or mitmweb), or run ``tredjepart proxy``.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import Sequence
from typing import Optional

from mitmproxy import command, ctx, exceptions, http, tls
from mitmproxy.hooks import UpdateHook

from tredjepart import control
from tredjepart.cname import CnameResolver
from tredjepart.entities import load_entities
from tredjepart.pipeline import Recorder
from tredjepart.store.writer import open_database
from tredjepart.remote import RemoteRecorder
from tredjepart.worker import Settings
from tredjepart.policy import load_policies


logger = logging.getLogger(__name__)

MARK = ":warning:"


class Auditor:
    def __init__(self) -> None:
        self.writer = None  # the recorder's writer (or the worker stand-in): .failed, .flush(), .written
        self.recorder: Recorder | None = None
        self._policies: list = []
        self._entities = None
        self._last_alert = 0.0
        self._control_host = control.DEFAULT_HOST
        self._ui = False  # whether a UI (mitmweb, mitmproxy's console) shows flows and must hear of late marks

    def load(self, loader) -> None:
        loader.add_option("tredjepart_db", str, "tredjepart.sqlite", "SQLite file the audit is recorded into.")
        loader.add_option(
            "tredjepart_policy", Optional[str], None,
            "Policy YAML file, or a folder of them, declaring the solution's first and third parties. "
            "Without one, the site of a session's first page is its first party and every other site is flagged.",
        )
        loader.add_option(
            "tredjepart_session", Optional[str], None,
            "Name of a session to start now, for every client; changing it starts a new session.",
        )
        loader.add_option(
            "tredjepart_entities", Sequence[str], [],
            "Extra tracker/owner lists (Disconnect services.json/entities.json, DuckDuckGo tds.json/"
            "android-tds.json, or tredjepart's own YAML); they win over the built-in owners.",
        )
        loader.add_option(
            "tredjepart_background_hosts", Sequence[str], [],
            "Extra hosts (domains or globs, optionally with a /path prefix) that are the device's own "
            "background traffic, never a third party of the solution.",
        )
        loader.add_option(
            "tredjepart_control_host", str, control.DEFAULT_HOST,
            "Host name of the control page the tester opens on the device to start sessions and mark steps.",
        )
        loader.add_option(
            "tredjepart_cnames", bool, True,
            "Resolve the canonical name (CNAME) of first-party hosts, once each and off the event loop, to find "
            "trackers behind a first-party name. Turn off where the proxy must not make DNS lookups.",
        )
        loader.add_option(
            "tredjepart_process", bool, True,
            "Record in a separate worker process, so the proxy keeps its speed (marks on uncovered flows then "
            "arrive milliseconds after the response). Off: record inside the proxy's own process.",
        )
        loader.add_option(
            "tredjepart_store_values", bool, False,
            "DEBUG ONLY: also store cookie values in clear. Never use this on real citizens' data.",
        )

    def configure(self, updated: set[str]) -> None:
        self._control_host = ctx.options.tredjepart_control_host.lower()
        try:
            if "tredjepart_entities" in updated:  # users' lists are read now, so a bad one is an options error
                lists = ctx.options.tredjepart_entities
                self._entities = load_entities(list(lists)) if lists else None
            if "tredjepart_policy" in updated:
                path = ctx.options.tredjepart_policy
                self._policies = load_policies(path) if path else []
                if path:
                    logger.info("tredjepart: policy %s loaded (%d solution(s))", path, len(self._policies))
            if updated & {"tredjepart_db", "tredjepart_store_values", "tredjepart_background_hosts",
                          "tredjepart_cnames", "tredjepart_process", "tredjepart_entities"}:
                self._open(ctx.options.tredjepart_db)
            elif self.recorder is not None:
                self.recorder.policies = self._policies
                if "tredjepart_policy" in updated:
                    self.recorder.set_policies(self._policies)
        except ValueError as e:
            raise exceptions.OptionsError(str(e)) from e
        if ctx.options.tredjepart_store_values and "tredjepart_store_values" in updated:
            logger.warning("tredjepart: cookie values are stored IN CLEAR (tredjepart_store_values). Debug only.")
        if "tredjepart_session" in updated and ctx.options.tredjepart_session and self.recorder:
            self.recorder.start_session(ctx.options.tredjepart_session)

    def _open(self, path: str) -> None:
        self.done()
        o = ctx.options
        if o.tredjepart_process:
            open_database(path).close()  # a bad path is an options error now, not a dead worker later
            self.recorder = RemoteRecorder(
                Settings(path, self._policies, list(o.tredjepart_entities), o.tredjepart_store_values,
                         tuple(o.tredjepart_background_hosts), o.tredjepart_cnames),
                on_uncovered=lambda f, reason: self._mark(f, reason, late=True), on_finding=self._log_finding,
            )
        else:
            if self._entities is None:  # the worker loads its own; in-process, the proxy needs them
                self._entities = load_entities(list(o.tredjepart_entities))
            self.recorder = Recorder.open(
                path, policies=self._policies, entities=self._entities, store_values=o.tredjepart_store_values,
                background_hosts=tuple(o.tredjepart_background_hosts),
                cnames=CnameResolver() if o.tredjepart_cnames else None,
            )
        self.writer = self.recorder.writer
        logger.info("tredjepart: recording into %s%s", path, " (worker process)" if o.tredjepart_process else "")

    def running(self) -> None:
        # Everything loaded at start-up (owner data, the public suffix list, policies) lives as long as the proxy:
        # move it out of the garbage collector's sight, or every full collection walks it again (measured: about
        # a tenth of mitmdump's throughput on a busy proxy).
        gc.freeze()
        self._ui = ctx.master.addons.get("view") is not None
        if isinstance(self.recorder, RemoteRecorder):
            self._poller = asyncio.get_running_loop().create_task(self._poll())

    async def _poll(self) -> None:
        """Send buffered flows and apply the worker's replies, also when traffic pauses."""
        while True:
            await asyncio.sleep(0.05)
            if isinstance(self.recorder, RemoteRecorder):
                self.recorder.poll()

    # --- commands -----------------------------------------------------------------------------------------

    @command.command("tredjepart.session.start")
    def session_start(self, name: str, *policy: str) -> None:
        """Start a new named session for every client (ends the current ones). With several policies loaded,
        a second argument names the one to judge it by (its solution or file name); otherwise the policy is
        chosen by the session's first page."""
        if self.recorder:
            s = self.recorder.start_session(name, policy_name=" ".join(policy) or None)
            logger.info("tredjepart: session %r started (%s), policy: %s", name, s.id[:8],
                        s.meta.get("solution") or "chosen by the first page")

    @command.command("tredjepart.session.end")
    def session_end(self) -> None:
        """End every active session; the next flow of a client starts a new unnamed one."""
        if self.recorder:
            for s in self.recorder.end_session():
                logger.info("tredjepart: session %s ended", s.name or s.id[:8])

    @command.command("tredjepart.step")
    def step(self, label: str) -> None:
        """Mark a walkthrough step (e.g. "login", "consent: reject") in the active sessions."""
        if self.recorder:
            self.recorder.mark_step(label)
            logger.info("tredjepart: step %r", label)

    @command.command("tredjepart.policy.reload")
    def policy_reload(self) -> None:
        """Re-read the policy file(s) after editing them; an invalid policy keeps the old one loaded."""
        path = ctx.options.tredjepart_policy
        if not path:
            logger.warning("tredjepart: no policy to reload (tredjepart_policy is not set)")
            return
        try:
            policies = load_policies(path)
        except ValueError as e:
            raise exceptions.CommandError(str(e)) from e
        self._policies = policies
        if self.recorder:
            self.recorder.set_policies(policies)
        logger.info("tredjepart: policy %s reloaded", path)

    # --- hooks --------------------------------------------------------------------------------------------

    def request(self, flow: http.HTTPFlow) -> None:
        # request.host, not pretty_host: a plain attribute, checked for every request the proxy sees
        if flow.request.host.lower() != self._control_host or not flow.live:
            return
        flow.metadata["tredjepart_control"] = True
        client = flow.client_conn.peername[0] if flow.client_conn.peername else None
        flow.response = control.respond(self.recorder, flow.request, client, ctx.options.tredjepart_control_host)

    def response(self, flow: http.HTTPFlow) -> None:
        self._record(flow)

    def error(self, flow: http.HTTPFlow) -> None:
        self._record(flow)

    def tls_failed_client(self, data: tls.TlsData) -> None:
        """The device refused the proxy's certificate (pinning, untrusted CA): record a blind spot."""
        if self.recorder is None or (self.writer and self.writer.failed):
            return
        conn = data.conn
        host = conn.sni
        if not host and data.context.server.address:
            host = data.context.server.address[0]
        client = conn.peername[0] if conn.peername else None
        try:
            new = self.recorder.record_tls_failure(host, client, conn.error, time.time())
        except Exception:  # noqa: BLE001 - a failing record must never break the proxy
            logger.exception("tredjepart: could not record the TLS failure for %s", host)
            return
        for f in new:
            logger.warning("tredjepart [%s] %s", f.rule, f.message)

    def done(self) -> None:
        if self.recorder is not None:
            self.recorder.close()
            logger.info("tredjepart: %d rows written to %s", self.writer.written, self.writer.path)
        self.writer = self.recorder = None

    def _record(self, flow: http.HTTPFlow) -> None:
        if self.recorder is None or flow.metadata.get("tredjepart_control"):
            return
        if self.writer and self.writer.failed:
            self._not_recording(flow)
            return
        try:
            result = self.recorder.record(flow)
        except Exception:  # noqa: BLE001 - a failing record must never break the traffic
            logger.exception("tredjepart: could not record flow %s %s", flow.id, flow.request.pretty_url[:200])
            return
        if result.uncovered:
            self._mark(flow, result.reason)
        for f in result.new_findings:
            self._log_finding(f.severity, f.rule, f.message)

    def _mark(self, flow: http.HTTPFlow, reason: str | None, late: bool = False) -> None:
        """Mark an uncovered flow for mitmweb and mitmproxy's console, with the reason as its comment."""
        flow.marked = MARK
        flow.comment = f"tredjepart: {reason or 'third party not covered by the policy'}"
        if late and self._ui:  # marked after the response went out (worker process): tell the UI
            ctx.master.addons.trigger(UpdateHook([flow]))

    @staticmethod
    def _log_finding(severity: str, rule: str, message: str) -> None:
        if severity == "error":  # one clear line the first time a session meets the problem
            logger.warning("tredjepart [%s] %s", rule, message)

    def _not_recording(self, flow: http.HTTPFlow) -> None:
        flow.marked = ":x:"
        flow.comment = f"tredjepart: NOT RECORDED, database error: {self.writer.failed}"
        now = time.monotonic()
        if now - self._last_alert > 10:
            self._last_alert = now
            logger.error("tredjepart: NOT RECORDING: %s (unsaved records go to %s)",
                         self.writer.failed, self.writer.fallback_path)
