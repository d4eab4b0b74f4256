"""Who may use the proxy. An auditing proxy that any host of the network can use is a TLS-intercepting open proxy:
strangers' traffic lands in the authority's evidence, and anyone can end the tester's sessions from the control
page. So when the proxy listens beyond this machine, every client must log in (loopback clients too: a host that
reaches the port reaches it whatever its address), with mitmproxy's own proxy authentication (``proxyauth``):
a password made at start-up and printed, unless the tester gave one.

Modes whose clients cannot be asked for a password are left as they are: WireGuard (its clients hold the keys),
transparent, reverse, DNS, TUN and local capture (they are not reached as a proxy). mitmproxy's proxyauth, once
set, asks every HTTP request of every mode for a password, and a phone's apps cannot answer the 401 it sends
through the tunnel: so a WireGuard client counts as logged in from its first packet (``holds_key``).
"""

from __future__ import annotations

import ipaddress
import logging
import secrets
from collections.abc import Sequence

from mitmproxy.proxy.mode_specs import ProxyMode, RegularMode, Socks5Mode, UpstreamMode, WireGuardMode

logger = logging.getLogger("tredjepart.proxy.addon")

USER = "tredjepart"
ASKS_FOR_PASSWORD = (RegularMode, UpstreamMode, Socks5Mode)


def is_loopback(host: str) -> bool:
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def exposed(listen_host: str, modes: Sequence[str]) -> list[str]:
    """The modes (as given) that listen beyond this machine and ask clients for proxy credentials."""
    out = []
    for spec in modes or ["regular"]:
        try:
            mode = ProxyMode.parse(spec)
        except ValueError:
            continue  # mitmproxy itself refuses it, with its own message
        if isinstance(mode, ASKS_FOR_PASSWORD) and not is_loopback(mode.listen_host(listen_host)):
            out.append(spec)
    return out


def holds_key(client) -> bool:
    """Whether this client connection came through the WireGuard mode: its key was its credential."""
    return isinstance(getattr(client, "proxy_mode", None), WireGuardMode)


def new_credentials() -> str:
    """``user:password`` for mitmproxy's ``proxyauth``: a password of about 100 bits, easy to type on a phone."""
    words = secrets.token_hex(13)
    return f"{USER}:{words[:6]}-{words[6:12]}-{words[12:18]}-{words[18:]}"


def guard(setting: str, proxyauth: str | None, listen_host: str, modes: Sequence[str]) -> str | None:
    """The credentials to require (``user:password`` for ``proxyauth``), when the tester set none and the proxy
    must ask (``setting`` "always", or "auto" and listening beyond this machine); None otherwise. Says so."""
    if proxyauth or setting == "off":
        if setting == "off" and (reachable := exposed(listen_host, modes)):
            logger.warning("tredjepart: OPEN PROXY: %s listens beyond this machine without a password "
                           "(tredjepart_auth=off); anyone who reaches it is recorded", ", ".join(reachable))
        return None
    if setting != "always" and not exposed(listen_host, modes):
        return None
    credentials = new_credentials()
    user, password = credentials.split(":", 1)
    logger.warning("tredjepart: the proxy asks every client to log in: user %s, password %s (choose your own: "
                   "tredjepart proxy --proxy-auth USER:PASS, or mitmdump --set proxyauth=USER:PASS; none is asked "
                   "with --listen-host 127.0.0.1)", user, password)
    return credentials
