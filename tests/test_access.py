"""Who may use the proxy: credentials are asked wherever the proxy listens beyond this machine."""

import pytest

from mitmproxy.proxy.mode_specs import ProxyMode
from mitmproxy.test import tflow

from tredjepart.proxy.access import exposed, holds_key, is_loopback, new_credentials


@pytest.mark.parametrize("listen_host, modes, expected", [
    ("", [], ["regular"]),  # mitmproxy's default: every interface
    ("0.0.0.0", ["regular"], ["regular"]),
    ("::", ["socks5"], ["socks5"]),
    ("192.168.1.20", ["upstream:http://corp:3128"], ["upstream:http://corp:3128"]),
    ("127.0.0.1", ["regular"], []),
    ("::1", ["regular"], []),
    ("localhost", ["regular"], []),
    ("127.0.0.1", ["regular@0.0.0.0:8081"], ["regular@0.0.0.0:8081"]),
    ("", ["wireguard"], []),  # its clients hold the keys
    ("", ["reverse:https://portal.example"], []),
    ("", ["not a mode"], []),  # mitmproxy refuses it itself
])
def test_exposed(listen_host, modes, expected):
    assert exposed(listen_host, modes) == expected


def test_credentials_are_fresh_and_typeable():
    a, b = new_credentials(), new_credentials()
    assert a != b and a.startswith("tredjepart:") and len(a.split(":", 1)[1]) >= 24
    assert is_loopback("127.8.9.10") and not is_loopback("10.0.0.1") and not is_loopback("example.dk")


@pytest.mark.parametrize("spec, expected", [
    ("wireguard", True), ("wireguard@51821", True), ("wireguard:/keys.conf@0.0.0.0:51820", True),
    ("regular", False), ("socks5", False), ("upstream:http://corp:3128", False), ("reverse:https://p.example", False),
    ("transparent", False),
])
def test_only_wireguard_clients_hold_a_key(spec, expected):
    """A WireGuard client is let in without a password (its key is its credential); no other mode's client is."""
    client = tflow.tclient_conn()
    client.proxy_mode = ProxyMode.parse(spec)
    assert holds_key(client) is expected
    assert holds_key(object()) is False  # no mode at all: not let in
