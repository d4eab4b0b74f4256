"""End to end: a WireGuard client is recorded like any other client, and needs no proxy password.

A real mitmdump runs the regular proxy (which asks for a password, as ``tredjepart proxy`` does when it listens
beyond this machine) beside mitmproxy's WireGuard mode. The client is wireguard-go in a network namespace of its
own, configured from the configuration the proxy prints (what the phone's WireGuard app scans). Like a phone, it
looks the names up through the tunnel (the configuration's ``DNS = 10.0.0.53``, answered by mitmproxy from a local
name server of the test's), then opens a page over HTTP and a tracking pixel over HTTPS (trusting mitmproxy's CA,
as a phone does once mitm.it's certificate is installed) on local servers the namespace reaches only through the
tunnel. Needs root, /dev/net/tun, iproute2, wireguard-tools and wireguard-go (.ci/run installs them); skipped
with the reason otherwise.
"""

from __future__ import annotations

import contextlib
import json
import socket
import sys
import time

import pytest
from sqlite_utils import Database

from e2e_helpers import GIF_1X1, Mitmdump, Sites, raw_proxy_request
from fake_dns import FakeDns
from wireguard_netns import Namespace, client_conf, conf_value, missing

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(missing() is not None, reason=missing() or "")]

SECRET = "PORTALSESSION-wg-5e1f0c"
ROUTES = {
    "www.example-portal.dk": {
        "/": (200, [("content-type", "text/html"),
                    ("set-cookie", f"portal_session={SECRET}; Path=/; HttpOnly; Secure; SameSite=Lax")],
              b"<html><img src=https://pixel.tracker-demo.com/p.gif></html>"),
    },
    "pixel.tracker-demo.com": {"/p.gif": (200, [("content-type", "image/gif")], GIF_1X1)},
}
UA = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36"

# The phone's side, run inside the namespace: each request on its own connection to a name the namespace looks
# up through the tunnel; prints each answer's status line and headers.
CLIENT = r"""
import json, socket, ssl, sys
out = []
for r in json.loads(sys.argv[1]):
    sock = socket.create_connection((r["host"], r["port"]), timeout=10)
    if r["ca"]:
        sock = ssl.create_default_context(cafile=r["ca"]).wrap_socket(sock, server_hostname=r["host"])
    head = "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n" % (r["path"], r["host"])
    sock.sendall((head + "".join("%s: %s\r\n" % tuple(kv) for kv in r["headers"]) + "\r\n").encode())
    data = b""
    while len(data) < 1 << 20:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    sock.close()
    out.append(data.split(b"\r\n\r\n", 1)[0].decode("latin-1"))
print(json.dumps(out))
"""


class _NoRouting:
    """No local ports for tests/routing_addon.py: mitmproxy connects where the tunnelled packets were going."""
    ports = (0, 0)


@pytest.fixture
def netns(tmp_path):
    ns = Namespace(tmp_path)
    try:
        ns.create()
    except RuntimeError as e:
        ns.close()
        if not ns.made:  # root, the tools and the TUN device are here, yet no namespace: a locked-down container
            pytest.skip(f"cannot make a network namespace here: {e}")
        raise
    yield ns
    ns.close()


def _udp_port(address: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((address, 0))
        return s.getsockname()[1]


def _wait_for(proxy: Mitmdump, text: str, timeout: float = 30.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in (log := proxy.output()):
            return log
        if proxy.proc.poll() is not None:
            break
        time.sleep(0.2)
    raise AssertionError(f"no {text!r} in mitmdump's output:\n{proxy.output()[-3000:]}")


def test_a_wireguard_client_is_recorded_like_any_other_and_needs_no_password(tmp_path, netns):
    db = tmp_path / "audit.sqlite"
    with contextlib.ExitStack() as running:
        sites = Sites(ROUTES, tmp_path, address=netns.server_addr)
        running.callback(sites.close)
        names = FakeDns({host: netns.server_addr for host in ROUTES}, netns.server_addr)
        running.callback(names.close)
        wg_port = _udp_port(netns.host_addr)
        proxy = Mitmdump(tmp_path, _NoRouting(), db=db,
                         extra=("--mode", "regular", "--mode", f"wireguard@{netns.host_addr}:{wg_port}",
                                "--set", "tredjepart_auth=always", "--set", f"dns_name_servers={netns.server_addr}",
                                "--set", "dns_use_hosts_file=false"))
        running.callback(proxy.stop)
        log = _wait_for(proxy, "WireGuard: scan this")
        conf = client_conf(log[log.index("WireGuard: scan this"):])
        assert conf and conf_value(conf, "Endpoint") == f"{netns.host_addr}:{wg_port}", log[-3000:]
        netns.start_wireguard(conf, routes=[netns.server_addr])
        http_port, https_port = sites.ports
        requests = [
            {"port": http_port, "ca": None, "host": "www.example-portal.dk",
             "path": "/", "headers": [["User-Agent", UA], ["Accept", "text/html"], ["Sec-Fetch-Dest", "document"],
                                      ["Sec-Fetch-Mode", "navigate"], ["Sec-Fetch-Site", "none"]]},
            {"port": https_port, "ca": str(proxy.ca), "host": "pixel.tracker-demo.com",
             "path": "/p.gif", "headers": [["User-Agent", UA], ["Accept", "image/*"], ["Sec-Fetch-Dest", "image"],
                                           ["Sec-Fetch-Mode", "no-cors"], ["Sec-Fetch-Site", "cross-site"],
                                           ["Referer", "http://www.example-portal.dk/"]]},
        ]
        answers = json.loads(netns.exec(sys.executable, "-c", CLIENT, json.dumps(requests), timeout=60).stdout)
        handshake = netns.latest_handshake()
        # The regular proxy on the same mitmdump does ask for the password: the tunnel is the credential.
        refused = raw_proxy_request(proxy.port, b"GET http://www.example-portal.dk/ HTTP/1.1\r\n"
                                                b"Host: www.example-portal.dk\r\nConnection: close\r\n\r\n")
    log = proxy.output()
    assert handshake > time.time() - 300, "wg show reports no handshake with mitmproxy's WireGuard server"
    assert [a.split("\r\n", 1)[0] for a in answers] == ["HTTP/1.1 200 OK"] * 2, (answers, log[-3000:])
    assert refused.startswith(b"HTTP/1.1 407"), refused[:200]
    # mitmproxy reached the servers on the addresses the tunnelled packets were for, and asked nothing of them
    assert [(h, p) for h, p, _ in sites.requests] == [("www.example-portal.dk", "/"), ("pixel.tracker-demo.com",
                                                                                       "/p.gif")]
    assert not any(k.lower() in ("authorization", "proxy-authorization") for *_, hs in sites.requests for k in hs)

    tunnel_address = conf_value(conf, "Address").split("/")[0]
    # the phone asked mitmproxy's DNS (in the tunnel), which asked the name server it was given
    assert {n for n, _ in names.queries} == set(ROUTES), names.queries
    lookups = {f["host"] for f in Database(db).query("select host from flows where kind = 'dns'")}
    assert lookups == set(ROUTES), lookups
    flows = list(Database(db).query("select host, path, scheme, party, client, session_id, status from flows "
                                    "where kind != 'dns' order by started"))
    assert [(f["host"], f["path"], f["scheme"], f["status"]) for f in flows] == [
        ("www.example-portal.dk", "/", "http", 200), ("pixel.tracker-demo.com", "/p.gif", "https", 200)], log[-3000:]
    assert [f["party"] for f in flows] == ["first", "third"]  # the first page decided the first party
    assert {f["client"] for f in flows} == {"browser"}
    sessions = list(Database(db).table("sessions").rows)
    assert len(sessions) == 1 and {f["session_id"] for f in flows} == {sessions[0]["id"]}
    assert sessions[0]["client"] == tunnel_address  # the phone's address in the tunnel, from its configuration
    cookies = list(Database(db).query("select name from cookies"))
    assert [c["name"] for c in cookies] == ["portal_session"]
    assert SECRET.encode() not in db.read_bytes()
