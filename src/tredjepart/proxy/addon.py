"""The mitmproxy addon: options, commands and hooks, thin wiring around the recorder (record.api).

Load it with ``mitmdump -s addons/audit.py`` (or mitmweb), or run ``tredjepart proxy``. It talks to the recorder
interface and the policy loader and to nothing lower: what the recorder learns (verdicts, findings, sessions,
trouble) comes back through the listener methods below, which mark flows for mitmweb and write log lines.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import secrets
from mitmproxy import command, ctx, exceptions, http, tls
from mitmproxy.utils import asyncio_utils

from tredjepart.policy import load_policies
from tredjepart.proxy import control
from tredjepart.proxy.access import guard, holds_key
from tredjepart.proxy.banner import banner
from tredjepart.proxy.instrumenting import Instrumenter
from tredjepart.proxy.listener import ProxyListener
from tredjepart.proxy.streamhooks import StreamHooks
from tredjepart.proxy.terminal import Terminal
from tredjepart.proxy.wireguard import client_configs, qr_text
from tredjepart.proxy.options import add_options
from tredjepart.record.api import Recorder, check_decoders, check_identity, check_owner_lists, open_recorder
from tredjepart.record.wire import OWN_HOSTS, Settings

logger = logging.getLogger(__name__)

RECORDING_OPTIONS = {"tredjepart_db", "tredjepart_store_values", "tredjepart_background_hosts",
                     "tredjepart_identity", "tredjepart_decoders",
                     "tredjepart_cnames", "tredjepart_process", "tredjepart_entities", "tredjepart_control_host",
                     "onboarding_host", "tredjepart_instrument"}


class Auditor:
    def __init__(self) -> None:
        self.recorder: Recorder | None = None
        self._policies: list = []
        self._control_host = control.DEFAULT_HOST
        self._token = secrets.token_urlsafe(24)  # the control page's token for this run
        self._task: asyncio.Task | None = None  # the recorder's background work
        self._tasks: list[asyncio.Task] = []  # the terminal's
        self.recording = None  # the flow being handed to the recorder (a verdict for it is not late)
        self.terminal = Terminal()
        self.listener = ProxyListener(lambda: self.recording, self.terminal)
        self._wireguard: list[str] = []  # WireGuard client configurations, when that mode runs
        self._closed_path: str | None = None  # set once recording has closed: later flows are said to be lost
        self.logins_required = False  # whether clients log in (proxyauth): flows of those who did not are skipped
        self.instrumenter: Instrumenter | None = None  # the in-page instrument, when tredjepart_instrument is on
        self.addons = [StreamHooks(self)]  # mitmproxy loads these beside this addon

    def load(self, loader) -> None:
        add_options(loader)

    def configure(self, updated: set[str]) -> None:
        o = ctx.options
        if "tredjepart_control_host" in updated:
            host = o.tredjepart_control_host.strip().lower()
            if not host or "/" in host or " " in host:
                raise exceptions.OptionsError(f"tredjepart_control_host: not a host name: {host!r}")
            self._control_host = host
        if updated & {"tredjepart_instrument", "tredjepart_control_host"}:
            self.instrumenter = Instrumenter(self._control_host) if o.tredjepart_instrument else None
            if o.tredjepart_instrument:
                logger.warning("tredjepart: the in-page instrument is ON: HTML pages are changed (one more script, "
                               "their CSP widened for it); reports of these sessions say so")
        if "tredjepart_entities" in updated:  # users' lists are read now, so a bad one is this option's error
            _named_error("tredjepart_entities", check_owner_lists, list(o.tredjepart_entities))
        if "tredjepart_identity" in updated and o.tredjepart_identity:
            _named_error("tredjepart_identity", check_identity, o.tredjepart_identity)
        if "tredjepart_decoders" in updated:
            _named_error("tredjepart_decoders", check_decoders, list(o.tredjepart_decoders))
        if "tredjepart_policy" in updated:
            path = o.tredjepart_policy
            self._policies = _named_error("tredjepart_policy", load_policies, path) if path else []
            if path:
                logger.info("tredjepart: policy %s loaded (%d solution(s))", path, len(self._policies))
        if updated & {"tredjepart_auth", "listen_host", "mode", "proxyauth"}:
            self._guard()
        if updated & RECORDING_OPTIONS:
            _named_error("tredjepart_db", self._open)
        elif "tredjepart_policy" in updated and self.recorder is not None:
            self.recorder.set_policies(self._policies)
        if "tredjepart_terminal" in updated:
            self.terminal.quiet_mitmproxy = o.tredjepart_terminal == "tredjepart"
        if o.tredjepart_store_values and "tredjepart_store_values" in updated:
            logger.warning("tredjepart: cookie values are stored IN CLEAR (tredjepart_store_values). Debug only.")
        if "tredjepart_session" in updated and o.tredjepart_session and self.recorder:
            self.recorder.start_session(o.tredjepart_session)

    def _guard(self) -> None:
        """Require proxy credentials where the proxy is reachable beyond this machine (proxy.access)."""
        o = ctx.options
        if not all(hasattr(o, name) for name in ("proxyauth", "listen_host", "mode")):
            return  # no proxy server here (tests of the addon alone)
        credentials = guard(o.tredjepart_auth, o.proxyauth, o.listen_host, o.mode)
        if credentials:
            o.update(proxyauth=credentials)
        self.logins_required = bool(o.proxyauth)

    def _open(self) -> None:
        self._close()
        o = ctx.options
        own = (self._control_host, getattr(o, "onboarding_host", "mitm.it"), *OWN_HOSTS)
        settings = Settings(o.tredjepart_db, self._policies, list(o.tredjepart_entities),
                            store_values=o.tredjepart_store_values,
                            background_hosts=tuple(o.tredjepart_background_hosts), cnames=o.tredjepart_cnames,
                            identity=o.tredjepart_identity, decoders=list(o.tredjepart_decoders),
                            own_hosts=tuple(dict.fromkeys(own)), instrument=o.tredjepart_instrument)
        self.recorder = open_recorder(settings, self.listener, process=o.tredjepart_process)
        logger.info("tredjepart: recording into %s%s", o.tredjepart_db,
                    " (worker process)" if o.tredjepart_process else "")
        if self._task is None and _loop_running():
            self._start_task()

    def running(self) -> None:
        # Everything loaded at start-up (owner data, the public suffix list, policies) lives as long as the proxy:
        # move it out of the garbage collector's sight, or every full collection walks it again (measured: about
        # a tenth of mitmdump's throughput on a busy proxy).
        gc.freeze()
        self.listener.ui = ctx.master.addons.get("view") is not None
        self.terminal.install()
        if self._task is None and self.recorder is not None:
            self._start_task()
        self._tasks.append(asyncio_utils.create_task(self._show(), name="tredjepart terminal", keep_ref=True))

    async def _show(self) -> None:
        """The start-up banner once the proxy listens, then the status line, refreshed."""
        server = ctx.master.addons.get("proxyserver")
        for _ in range(100):  # the servers start in the background: wait for them (bounded)
            if server is None or server.listen_addrs():
                break
            await asyncio.sleep(0.1)
        for line in banner(ctx.master, ctx.options, self._policies):
            logger.info("%s", line)
        for _ in range(50):  # the WireGuard server, when asked for, starts a little later
            self._wireguard = client_configs(ctx.master)
            if self._wireguard or "wireguard" not in " ".join(ctx.options.mode):
                break
            await asyncio.sleep(0.1)
        for conf in self._wireguard:
            logger.info("tredjepart: WireGuard: scan this in the phone's WireGuard app (also on the control page, "
                        "http://%s/wireguard):\n%s\n%s", self._control_host, qr_text(conf), conf)
        while True:
            self.terminal.refresh()
            await asyncio.sleep(0.5)

    def _start_task(self) -> None:
        self._task = asyncio_utils.create_task(self.recorder.run(), name="tredjepart recorder", keep_ref=True)

    def done(self) -> None:
        for task in self._tasks:
            task.cancel()
        self._tasks.clear()
        path = self._close()
        if path is not None:
            self.terminal.goodbye(path)
        self.terminal.uninstall()

    def _close(self) -> str | None:
        """Close the recorder (everything queued is written); the database's path, or None without one."""
        if self._task is not None:
            self._task.cancel()
            self._task = None
        if self.recorder is None:
            return None
        status = self.recorder.close()
        self.recorder = None
        self._closed_path = status.path
        logger.info("tredjepart: %d rows written to %s", status.written, status.path)
        return status.path

    # --- commands -----------------------------------------------------------------------------------------

    @command.command("tredjepart.session.start")
    def session_start(self, name: str, *policy: str) -> str:
        """Start a new named session for every client (ends the current ones). With several policies loaded,
        a second argument names the one to judge it by (its solution or file name); otherwise the policy is
        chosen by the session's first page."""
        session_id = self._recorder().start_session(name, policy_name=" ".join(policy) or None)
        return f"session {name!r} started ({session_id[:8]})"

    @command.command("tredjepart.session.end")
    def session_end(self) -> str:
        """End every active session; the next flow of a client starts a new unnamed one."""
        self._recorder().end_session()
        return "sessions ended"

    @command.command("tredjepart.step")
    def step(self, label: str) -> str:
        """Mark a walkthrough step (e.g. "login", "consent: reject") in the active sessions."""
        self._recorder().mark_step(label)
        logger.info("tredjepart: step %r", label)
        return f"step {label!r} marked"

    @command.command("tredjepart.policy.reload")
    def policy_reload(self) -> str:
        """Re-read the policy file(s) after editing them; an invalid policy keeps the old one loaded."""
        path = ctx.options.tredjepart_policy
        if not path:
            raise exceptions.CommandError("no policy to reload: tredjepart_policy is not set")
        try:
            policies = load_policies(path)
        except ValueError as e:
            raise exceptions.CommandError(str(e)) from e
        self._policies = policies
        self._recorder().set_policies(policies)
        logger.info("tredjepart: policy %s reloaded", path)
        return f"policy {path} reloaded"

    def _recorder(self) -> Recorder:
        if self.recorder is None:
            raise exceptions.CommandError("tredjepart is not recording (no database open)")
        return self.recorder

    # --- hooks --------------------------------------------------------------------------------------------

    async def request(self, flow: http.HTTPFlow) -> None:
        # request.host, not pretty_host: a plain attribute, checked for every request the proxy sees
        if flow.request.host.lower() != self._control_host or not flow.live:
            return
        if self.logins_required and "proxyauth" not in flow.metadata:
            return  # mitmproxy's proxyauth has answered 407: strangers do not reach the control page
        flow.metadata["tredjepart_control"] = True
        if self.instrumenter is not None and self.instrumenter.handles(flow.request.path):
            flow.response = self.instrumenter.respond(flow.request, self.recorder)
            return
        client = flow.client_conn.peername[0] if flow.client_conn.peername else None
        flow.response = await control.respond(self.recorder, flow.request, client, self._control_host, self._token,
                                              self._wireguard)

    def client_connected(self, client) -> None:
        """A WireGuard client is logged in by its key: without this, proxyauth answers its requests 401."""
        if self.logins_required and holds_key(client) and (auth := ctx.master.addons.get("proxyauth")) is not None:
            auth.authenticated[client] = ("wireguard", "")

    def requestheaders(self, flow: http.HTTPFlow) -> None:
        """An instrument report over its size bound is refused before its body is read."""
        if (self.instrumenter is not None and flow.request.host.lower() == self._control_host
                and self.instrumenter.too_large(flow.request)):
            flow.metadata["tredjepart_control"] = True
            flow.response = http.Response.make(413, b"report too large", {"content-type": "text/plain"})

    def response(self, flow: http.HTTPFlow) -> None:
        if self._record(flow) and self.instrumenter is not None:
            self.instrumenter.response(flow, self.recorder)

    def error(self, flow: http.HTTPFlow) -> None:
        self._record(flow)

    def tls_failed_client(self, data: tls.TlsData) -> None:
        """The device refused the proxy's certificate (pinning, untrusted CA): record a blind spot."""
        if self.recorder is None:
            return
        conn = data.conn
        host = conn.sni or (data.context.server.address[0] if data.context.server.address else None)
        try:
            self.recorder.record_tls_failure(host, conn.peername[0] if conn.peername else None, conn.error)
        except Exception:  # noqa: BLE001 - a failing record must never break the proxy
            logger.exception("tredjepart: could not record the TLS failure for %s", host)

    def _record(self, flow: http.HTTPFlow) -> bool:
        """Record ``flow``; whether it is part of the evidence (not the control host's, nor a stranger's)."""
        if flow.metadata.get("tredjepart_control"):
            return False
        if self.recorder is None:
            if self._closed_path is not None:  # a flow that finished while the proxy shut down
                self.listener.too_late(flow, self._closed_path)
            return False
        if self.logins_required and "proxyauth" not in flow.metadata and not flow.is_replay:
            return False  # a client that did not log in: answered 407 by mitmproxy, and no part of the evidence
        status = self.recorder.status()
        if status.failed:
            self.listener.not_recording(flow, status)
        self.recording = flow
        try:
            self.recorder.record(flow)
        except Exception as e:  # noqa: BLE001 - a failing record must never break the traffic
            logger.error("tredjepart: could not record flow %s (%s: %s)", flow.id, type(e).__name__, e)
        finally:
            self.recording = None
        return True


def _named_error(option: str, fn, *args):
    """``fn(*args)``, with a ValueError turned into an OptionsError that names ``option``."""
    try:
        return fn(*args)
    except ValueError as e:
        raise exceptions.OptionsError(f"{option}: {e}") from e


def _loop_running() -> bool:
    try:
        asyncio.get_running_loop()
        return True
    except RuntimeError:
        return False
