"""The DNS resolver behind CNAME-cloaking detection (detect.cloaking): canonical names of hosts, each resolved once,
off the caller's thread.

What is resolved, and when:

- only hosts of flows that are first party by name (``flow.party == "first"``); third parties and the device's
  background traffic are never looked up, so the audit adds one DNS query per first-party host and no more;
- once per host, in a small thread pool, never on mitmproxy's event loop: the first flow of a host finds no
  answer yet and passes as first party; later flows of the host are judged with the answer;
- by the system resolver of the machine running the proxy (``socket.getaddrinfo`` with ``AI_CANONNAME``), which
  follows CNAME chains and gives their last name. The device may use another resolver (DNS over HTTPS, a VPN,
  a split horizon) and be told something else; the proxy connects where its own resolver says, though, so the
  answer is where the traffic went.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from tredjepart.sites import is_ip, normalize_host

logger = logging.getLogger(__name__)

_MISSING = object()


def system_canonical(host: str) -> str | None:
    """The canonical name of ``host`` by the system resolver (CNAME chains followed), or None."""
    infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM, flags=socket.AI_CANONNAME)
    return (infos[0][3] or None) if infos else None


class CnameResolver:
    """Canonical names of hosts, each resolved once, off the caller's thread, and cached (bounded, oldest out).

    ``canonical(host)`` never blocks: it answers from the cache, else starts the lookup and returns None. A
    failed lookup (no such name, timeout, anything the resolver raises) is cached as None.
    """

    def __init__(self, resolve: Callable[[str], str | None] = system_canonical, *, max_hosts: int = 10_000,
                 workers: int = 2, max_pending: int = 1_000) -> None:
        self._resolve = resolve
        self.max_hosts = max_hosts
        self.max_pending = max_pending
        self._cache: dict[str, str | None] = {}
        self._pending: dict[str, Future] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="tredjepart-cname")
        self._closed = False

    def canonical(self, host: str) -> str | None:
        """The cached canonical name of ``host``; None when it is no alias, failed, or is not resolved yet."""
        value = self._cache.get(host, _MISSING)
        if value is _MISSING:
            host = normalize_host(host)
            value = self._cache.get(host, _MISSING)
            if value is _MISSING:
                self.submit(host)
                return None
        return value

    def submit(self, host: str) -> Future | None:
        """Start resolving ``host`` unless it is known or under way; its future (None: nothing to wait for)."""
        host = normalize_host(host)
        with self._lock:
            if host in self._cache or self._closed:
                return None
            if (future := self._pending.get(host)) is not None:
                return future
            if not host or is_ip(host):
                self._store(host, None)
                return None
            if len(self._pending) >= self.max_pending:  # a flood of new hosts: try again on a later flow
                return None
            future = self._pending[host] = self._pool.submit(self._run, host)
            return future

    def wait(self, host: str, timeout: float | None = None) -> str | None:
        """The canonical name of ``host``, waiting up to ``timeout`` seconds for it (offline analysis, tests)."""
        future = self.submit(host)
        if future is not None:
            try:
                return future.result(timeout)
            except FutureTimeout:
                return None
        return self._cache.get(normalize_host(host))

    def __contains__(self, host: str) -> bool:
        """Whether ``host`` has been resolved (its answer, possibly None, is cached)."""
        return normalize_host(host) in self._cache

    def __len__(self) -> int:
        return len(self._cache)

    def close(self) -> None:
        """Stop: queued lookups are dropped; one under way finishes in the background."""
        with self._lock:
            self._closed = True
            self._pending.clear()
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _run(self, host: str) -> str | None:
        try:
            answer = self._resolve(host)
            value = normalize_host(answer) if answer else None
            if value == host:  # no alias: the common case, answered as None so callers skip it at once
                value = None
        except Exception as e:  # noqa: BLE001 - gaierror, timeouts, IDNA errors: all mean "no answer"
            logger.debug("tredjepart: no canonical name for %s: %s", host, e)
            value = None
        with self._lock:
            self._pending.pop(host, None)
            self._store(host, value)
        return value

    def _store(self, host: str, value: str | None) -> None:
        while len(self._cache) >= self.max_hosts:
            del self._cache[next(iter(self._cache))]
        self._cache[host] = value
