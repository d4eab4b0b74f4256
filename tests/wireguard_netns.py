"""A WireGuard client of our own for the end-to-end tests: a network namespace joined to the host by a veth pair,
with the userspace WireGuard (wireguard-go) inside it, configured from the client configuration mitmproxy prints.

A phone is what the WireGuard mode is for, and no phone is at hand in a test; a namespace is the nearest thing: its
own interfaces, routes and sockets, so its traffic really leaves through the tunnel and reaches mitmproxy as UDP
from another address. Only what a test names is routed into the tunnel (the configuration says
``AllowedIPs = 0.0.0.0/0``, which wg-quick would make the default route): the tunnel's endpoint stays reachable
through the veth, and the host's own routes are never touched. Addresses are private (10.231.0.0/16 for the veth,
10.232.0.0/16 for servers), chosen at random per namespace and checked against the host's; everything made here
is removed by ``close()`` whatever happened before.
"""

from __future__ import annotations

import ipaddress
import os
import random
import re
import secrets
import shutil
import subprocess
import time
from pathlib import Path

TOOLS = {"ip": "iproute2", "wg": "wireguard-tools", "wireguard-go": "wireguard-go"}
# Keys of the client configuration that only wg-quick understands; `wg setconf` refuses them.
WG_QUICK_ONLY = {"address", "dns", "mtu", "table", "preup", "postup", "predown", "postdown", "saveconfig"}
CONF_LINE = re.compile(r"^(\[(Interface|Peer)\]|[A-Za-z]+ = \S.*|)$")


def missing() -> str | None:
    """Why a namespace with a WireGuard client cannot be made here (None: it can be tried)."""
    if os.geteuid() != 0:
        return "needs root (network namespaces, veth pairs, a TUN device)"
    for tool, package in TOOLS.items():
        if shutil.which(tool) is None:
            return f"`{tool}` is not installed (Debian package {package})"
    if not os.path.exists("/dev/net/tun"):
        return "no /dev/net/tun (wireguard-go needs a TUN device)"
    return None


def client_conf(log: str) -> str | None:
    """The first WireGuard client configuration in mitmproxy's output: from ``[Interface]`` to the last
    ``Key = value`` line of the block."""
    start = log.find("[Interface]")
    if start < 0:
        return None
    lines = []
    for line in log[start:].splitlines():
        if not CONF_LINE.match(line.strip()):
            break
        lines.append(line.strip())
    return "\n".join(lines).strip() + "\n"


def conf_value(conf: str, key: str) -> str | None:
    for line in conf.splitlines():
        name, sep, value = line.partition(" = ")
        if sep and name.strip().lower() == key.lower():
            return value.strip()
    return None


def setconf_text(conf: str) -> str:
    """The configuration as `wg setconf` takes it: wg-quick's own keys (Address, DNS, ...) left out."""
    return "\n".join(line for line in conf.splitlines()
                     if line.partition(" = ")[0].strip().lower() not in WG_QUICK_ONLY) + "\n"


def run(*cmd: str, timeout: float = 15.0, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if check and done.returncode != 0:
        shown = " ".join(c if len(c) < 60 else c[:57] + "..." for c in cmd)
        raise RuntimeError(f"`{shown}` exited {done.returncode}: {done.stderr.strip() or done.stdout.strip()}")
    return done


def _free_net() -> tuple[str, str, str]:
    """(host address, namespace address, server address), in networks no address or route of this host touches."""
    text = run("ip", "-o", "-4", "addr", "show").stdout + run("ip", "-4", "route", "show", "table", "all").stdout
    used = [ipaddress.ip_network(m, strict=False) for m in re.findall(r"\b\d+\.\d+\.\d+\.\d+(?:/\d+)?", text)]
    for _ in range(50):
        a, b = random.randrange(256), random.randrange(64) * 4
        mine = (ipaddress.ip_network(f"10.231.{a}.{b}/30"), ipaddress.ip_network(f"10.232.{a}.{b + 1}/32"))
        if not any(n.overlaps(m) for n in used for m in mine):
            return f"10.231.{a}.{b + 1}", f"10.231.{a}.{b + 2}", f"10.232.{a}.{b + 1}"
    raise RuntimeError("no free 10.231.x.y/30 and 10.232.x.y found in 50 tries: this host routes them")


class Namespace:
    """The namespace and its veth pair: the host side is ``host_addr`` (where mitmproxy's WireGuard server
    listens) and ``server_addr`` (where the test's servers listen, reached from the namespace only through the
    tunnel); the namespace side is ``ns_addr``."""

    def __init__(self, logdir: Path) -> None:
        tag = secrets.token_hex(3)
        self.name = f"tredjepart-wg-{tag}"
        self.host_if, self.ns_if, self.wg_if = f"tpw{tag}h", f"tpw{tag}n", f"tpwg{tag}"
        self.host_addr, self.ns_addr, self.server_addr = _free_net()
        self.logdir = logdir
        self.etc = Path("/etc/netns") / self.name
        self.wireguard: subprocess.Popen | None = None
        self.made = False

    def create(self) -> None:
        run("ip", "netns", "add", self.name)
        self.made = True
        run("ip", "link", "add", self.host_if, "type", "veth", "peer", "name", self.ns_if)
        run("ip", "link", "set", self.ns_if, "netns", self.name)
        run("ip", "addr", "add", f"{self.host_addr}/30", "dev", self.host_if)
        run("ip", "addr", "add", f"{self.server_addr}/32", "dev", self.host_if)
        run("ip", "link", "set", self.host_if, "up")
        run("ip", "-n", self.name, "addr", "add", f"{self.ns_addr}/30", "dev", self.ns_if)
        run("ip", "-n", self.name, "link", "set", self.ns_if, "up")
        run("ip", "-n", self.name, "link", "set", "lo", "up")

    def start_wireguard(self, conf: str, routes: list[str], timeout: float = 15.0) -> None:
        """wireguard-go in the namespace with this client configuration; ``routes`` (addresses) go through it,
        and so do name lookups, to the configuration's DNS server (as wg-quick and the phone's app do)."""
        log = (self.logdir / "wireguard-go.log").open("w")
        self.wireguard = subprocess.Popen(["ip", "netns", "exec", self.name, "wireguard-go", "-f", self.wg_if],
                                          stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while run("ip", "-n", self.name, "link", "show", self.wg_if, check=False).returncode != 0:
            if self.wireguard.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"wireguard-go made no {self.wg_if}: "
                                   f"{(self.logdir / 'wireguard-go.log').read_text()[-2000:]}")
            time.sleep(0.1)
        path = self.logdir / "wg.conf"
        path.write_text(setconf_text(conf))
        path.chmod(0o600)
        self.exec("wg", "setconf", self.wg_if, str(path))
        address = conf_value(conf, "Address") or "10.0.0.1/32"
        for a in address.split(","):
            if ":" not in a:  # IPv4 only: the namespace has no IPv6 route to the host
                run("ip", "-n", self.name, "addr", "add", a.strip(), "dev", self.wg_if)
        run("ip", "-n", self.name, "link", "set", self.wg_if, "up")
        dns = [a.strip() for a in (conf_value(conf, "DNS") or "").split(",") if a.strip() and ":" not in a]
        if dns:  # `ip netns exec` shows /etc/netns/NAME/resolv.conf to the namespace as /etc/resolv.conf
            self.etc.mkdir(parents=True, exist_ok=True)
            (self.etc / "resolv.conf").write_text("".join(f"nameserver {a}\n" for a in dns))
        for r in [*routes, *dns]:
            run("ip", "-n", self.name, "route", "add", f"{r}/32", "dev", self.wg_if)

    def exec(self, *cmd: str, timeout: float = 30.0, check: bool = True) -> subprocess.CompletedProcess:
        """A command inside the namespace."""
        return run("ip", "netns", "exec", self.name, *cmd, timeout=timeout, check=check)

    def latest_handshake(self) -> int:
        """Seconds since the epoch of the tunnel's last handshake (0: none yet), as `wg show` reports it."""
        out = self.exec("wg", "show", self.wg_if, "latest-handshakes").stdout.split()
        return int(out[1]) if len(out) >= 2 else 0

    def close(self) -> None:
        """Remove everything made here; every step is tried, whatever the one before did."""
        if self.wireguard is not None and self.wireguard.poll() is None:
            self.wireguard.terminate()
            try:
                self.wireguard.wait(10)
            except subprocess.TimeoutExpired:
                self.wireguard.kill()
                self.wireguard.wait(10)
        if self.made:
            run("ip", "netns", "del", self.name, check=False)  # takes the namespace's veth end and its peer along
        if run("ip", "link", "show", self.host_if, check=False).returncode == 0:
            run("ip", "link", "del", self.host_if, check=False)
        Path(f"/var/run/wireguard/{self.wg_if}.sock").unlink(missing_ok=True)
        shutil.rmtree(self.etc, ignore_errors=True)
