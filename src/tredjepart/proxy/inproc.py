"""mitmproxy started inside this process, with the audit addon: for `tredjepart crawl` and `make demo`.

The proxy runs its own asyncio loop in a background thread; ``call`` runs a function on that loop (the addon is
only ever touched from the proxy's thread). ``resolve`` maps host names to local addresses (like curl's
``--resolve``), so a crawl can reach servers that have no DNS entry, such as the bundled demo portal.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
from collections.abc import Callable

from mitmproxy import options
from mitmproxy.tools.dump import DumpMaster

from tredjepart.proxy.addon import Auditor

logger = logging.getLogger(__name__)


class Resolve:
    """Send connections for the given hosts to the given (address, port) instead of resolving them.

    With ``only=True`` every other host is refused without connecting anywhere (the demo and the tests: the
    browser's own background calls must not leave the machine).

    mitmproxy reuses a keep-alive server connection only for the address it was opened for, and the rewritten
    address does not match the next request's, so mapped servers should close connections after each response
    (the demo server does): otherwise mitmproxy's per-address connection limit is soon reached.
    """

    def __init__(self, mapping: dict[str, tuple[str, int]], only: bool = False) -> None:
        self.mapping = {h.lower(): a for h, a in mapping.items()}
        self.only = only

    def request(self, flow) -> None:
        if self.only and flow.live and not flow.response and flow.request.pretty_host.lower() not in self.mapping:
            from mitmproxy import http

            flow.response = http.Response.make(403, b"blocked: not a host of this local run",
                                               {"content-type": "text/plain"})

    def server_connect(self, data) -> None:
        host = (data.server.sni or (data.server.address or ("",))[0] or "").lower()
        if host in self.mapping:
            data.server.address = self.mapping[host]
        elif self.only:
            data.server.error = f"blocked: {host} is not a host of this local run"


class InProcessProxy:
    def __init__(self, *, db: str, policy: str | None = None, entities: tuple[str, ...] = (),
                 resolve: dict[str, tuple[str, int]] | None = None, confdir: str | None = None,
                 options: dict | None = None) -> None:
        self.settings = dict(
            listen_host="127.0.0.1", listen_port=0, tredjepart_db=str(db), tredjepart_policy=policy,
            tredjepart_entities=list(entities), connection_strategy="lazy", ssl_insecure=bool(resolve),
            tredjepart_cnames=not resolve,  # mapped hosts are local stand-ins: nothing to look up in DNS
            tredjepart_process=False,  # the crawl drives the recorder directly (sessions, steps) and needs no speed
        )
        if confdir:
            self.settings["confdir"] = confdir
        self.settings.update(options or {})  # further tredjepart_* options (identity, instrument, ...)
        self.resolve = resolve or {}
        self.auditor = Auditor()
        self.port: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._master: DumpMaster | None = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def __enter__(self) -> "InProcessProxy":
        ready = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(ready,), name="tredjepart-proxy", daemon=True)
        self._thread.start()
        if not ready.wait(60) or self.port is None:
            raise RuntimeError(f"the in-process proxy did not start: {self._error}")
        return self

    def __exit__(self, *exc) -> None:
        if self._master and self._loop and self._loop.is_running():
            self._loop.call_soon_threadsafe(self._master.shutdown)
        if self._thread:
            self._thread.join(60)

    def call(self, fn: Callable, *args, timeout: float = 30.0):
        """Run ``fn(*args)`` on the proxy's loop and return its result."""
        async def run():
            return fn(*args)

        future: concurrent.futures.Future = asyncio.run_coroutine_threadsafe(run(), self._loop)
        return future.result(timeout)

    def _run(self, ready: threading.Event) -> None:
        async def main():
            self._loop = asyncio.get_running_loop()
            opts = options.Options()
            self._master = DumpMaster(opts, with_termlog=False, with_dumper=False)
            self._master.addons.add(self.auditor)
            if self.resolve:
                self._master.addons.add(Resolve(self.resolve, only=True))
            opts.update(**self.settings)
            run = asyncio.create_task(self._master.run())
            server = self._master.addons.get("proxyserver")
            for _ in range(200):
                await asyncio.sleep(0.05)
                addrs = server.listen_addrs()
                if addrs:
                    self.port = addrs[0][1]
                    break
            ready.set()
            await run

        try:
            asyncio.run(main())
        except BaseException as e:  # noqa: BLE001 - reported to the caller waiting on ready
            self._error = e
            logger.error("tredjepart: in-process proxy stopped: %s", e)
        finally:
            ready.set()
