"""A phone in one scan: mitmproxy's WireGuard mode, shown as a QR code.

With ``tredjepart proxy --wireguard`` mitmproxy also runs a WireGuard server. The phone's WireGuard app scans the
client configuration as a QR code and then sends ALL its traffic through the proxy: apps that ignore the system's
proxy settings included, without a proxy password (the client's key is its credential). The QR code is printed in
the terminal at start-up and shown on the control page (``/wireguard``), which only logged-in clients reach.
docs/phone-setup.md says what it can and cannot do.
"""

from __future__ import annotations

import io

from mitmproxy.proxy.mode_specs import WireGuardMode


def client_configs(master) -> list[str]:
    """The WireGuard client configurations of the running WireGuard servers (none without ``--wireguard``)."""
    server = master.addons.get("proxyserver")
    if server is None:
        return []
    out = []
    for instance in server.servers:
        if isinstance(instance.mode, WireGuardMode):
            conf = instance.client_conf()
            if conf:
                out.append(conf)
    return out


def qr_text(conf: str) -> str:
    """The configuration as a QR code of block characters, for a terminal."""
    import segno

    out = io.StringIO()
    segno.make(conf, error="l").terminal(out=out, compact=True)
    return out.getvalue()


def qr_svg(conf: str) -> str:
    """The configuration as an inline SVG QR code, for the control page."""
    import segno

    return segno.make(conf, error="l").svg_inline(scale=5, dark="#000", light="#fff")
