"""Benchmark-only mitmproxy addon: every host name the proxy connects to is played by the local origin.

tests/routing_addon.py rewrites ``server.address`` in ``server_connect``; mitmproxy then finds no open connection
whose address matches the next request's host, so every request opened a new upstream connection. Here the
connection keeps the host's name and only the socket goes to loopback (``asyncio.open_connection``, which
mitmproxy's server uses, is wrapped), so upstream connections are kept alive per host, as on a real network.
Host names (not IP literals) are routed; nothing leaves the machine.
"""

from __future__ import annotations

import asyncio
import ipaddress

from mitmproxy import ctx

_real_open = asyncio.open_connection


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return False


async def _routed(host=None, port=None, **kwargs):
    origin = ctx.options.bench_origin_port
    if origin and isinstance(host, str) and not _is_ip(host):
        host, port = "127.0.0.1", origin
    return await _real_open(host, port, **kwargs)


class Loopback:
    def load(self, loader) -> None:
        loader.add_option("bench_origin_port", int, 0, "Local port that plays every host name (benchmark only).")

    def running(self) -> None:
        asyncio.open_connection = _routed

    def done(self) -> None:
        asyncio.open_connection = _real_open


addons = [Loopback()]
