"""What the tester needs at start-up, in one place: where to point the device, how to log in, where the CA is,
the control page, mitmweb's address, and where the evidence goes."""

from __future__ import annotations

from pathlib import Path

from tredjepart.proxy.access import is_loopback

ALL = ("", "0.0.0.0", "::")


def lan_address() -> str | None:
    """This machine's address on the local network, as mitmproxy finds it (no packet is sent)."""
    try:
        from mitmproxy.net import local_ip

        return local_ip.get_local_ip() or local_ip.get_local_ip6()
    except Exception:  # noqa: BLE001 - a banner without the address beats no proxy
        return None


def banner(master, options, policies: list) -> list[str]:
    """The lines of the start-up banner."""
    server = master.addons.get("proxyserver")
    addrs = server.listen_addrs() if server is not None else []
    port = addrs[0][1] if addrs else options.listen_port or 8080
    host = options.listen_host
    lines = ["tredjepart: ready. Evidence goes into " + str(Path(options.tredjepart_db).resolve())]
    if policies:
        lines.append("  policy: " + ", ".join(f"{p.solution} ({p.path})" if p.path else p.solution for p in policies))
    else:
        lines.append("  policy: none (each session's first page decides its first party; every other site is "
                     "flagged)")
    if host in ALL:
        lan = lan_address()
        lines.append(f"  point the device's proxy at {lan or 'this machine'}:{port} (listening on ALL interfaces)")
    else:
        where = "this machine only" if is_loopback(host) else "this address only"
        lines.append(f"  point the device's proxy at {host}:{port} ({where})")
    auth = options.proxyauth or ""
    if auth and ":" in auth and not auth.startswith(("@", "ldap")):
        user, password = auth.split(":", 1)
        lines.append(f"  log in with user {user}, password {password}")
    ca = Path(options.confdir).expanduser() / "mitmproxy-ca-cert.pem"
    lines.append(f"  CA certificate: open http://{options.onboarding_host or 'mitm.it'}/ on the device ({ca})")
    lines.append(f"  control page (sessions and steps), from the device: http://{options.tredjepart_control_host}/")
    web_url = getattr(master, "web_url", None)
    if web_url:
        lines.append(f"  mitmweb: {web_url}")
    lines.append("  Ctrl-C ends the recording and prints the report command.")
    return lines
