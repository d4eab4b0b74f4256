"""End to end: recording survives what goes wrong around it. The recording worker killed mid-walkthrough is
noticed and replaced, and what it had not committed is handed to its successor; the proxy killed outright leaves
a consistent database that lost at most the last moment."""

from __future__ import annotations

import os
import signal
import sqlite3
import time
from pathlib import Path

import pytest
from sqlite_utils import Database

from e2e_helpers import Mitmdump, RawServer, raw_proxy_request

pytestmark = pytest.mark.e2e


def _get(port: int, path: str, host: str = "www.example-portal.dk") -> bytes:
    return raw_proxy_request(port, (f"GET http://{host}{path} HTTP/1.1\r\nHost: {host}\r\n"
                                    "User-Agent: Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0\r\n"
                                    "Accept: text/html\r\nConnection: close\r\n\r\n").encode())


def _worker_pid(proxy_pid: int, timeout: float = 30.0, other_than: int | None = None) -> int:
    """The recording worker: the proxy's child that multiprocessing spawned (not its resource tracker); with
    ``other_than``, a worker other than that one (a replacement may take a moment on a loaded machine)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                cmd = (entry / "cmdline").read_bytes()
            except (OSError, IndexError, ValueError):
                continue
            if (ppid == proxy_pid and b"spawn_main" in cmd and b"resource_tracker" not in cmd
                    and int(entry.name) != other_than):
                return int(entry.name)
        time.sleep(0.1)
    raise TimeoutError("no recording worker found")


class _Ports:
    def __init__(self, port: int) -> None:
        self.ports = (port, port)


def test_a_killed_worker_is_replaced_and_nothing_is_lost(tmp_path):
    server = RawServer({})
    db = tmp_path / "audit.sqlite"
    proxy = Mitmdump(tmp_path, _Ports(server.port), db=db, extra=("--set", "tredjepart_session=kill test"))
    try:
        for i in range(3):
            assert _get(proxy.port, f"/before{i}").startswith(b"HTTP/1.1 200")
        first = _worker_pid(proxy.proc.pid)
        os.kill(first, signal.SIGKILL)
        for i in range(5):
            assert _get(proxy.port, f"/after{i}").startswith(b"HTTP/1.1 200")
            time.sleep(0.05)
        second = _worker_pid(proxy.proc.pid, other_than=first)
        assert second != first
    finally:
        proxy.stop()
        server.close()
    log = proxy.output()
    # the death is noticed when the worker's pipe breaks or when it is found gone, whichever comes first: said once
    assert log.count("restarted it (1 of 3)") == 1 and "restarted it (2 of 3)" not in log, log[-3000:]
    rows = Database(db).query("select path, session_id from flows")
    paths = sorted(r["path"] for r in rows)
    assert paths == sorted([f"/before{i}" for i in range(3)] + [f"/after{i}" for i in range(5)]), log[-3000:]
    sessions = list(Database(db).table("sessions").rows)
    assert [s["name"] for s in sessions] == ["kill test"]  # the walkthrough goes on in the same session
    assert sessions[0]["ended"] is not None


@pytest.mark.parametrize("process", ["true", "false"], ids=["worker", "in-process"])
def test_a_killed_proxy_loses_at_most_the_last_second(tmp_path, process):
    """SIGKILL of the proxy (and its worker) in the middle of traffic: the database is consistent, and every flow
    answered more than a second before the kill is in it."""
    server = RawServer({})
    db = tmp_path / "audit.sqlite"
    proxy = Mitmdump(tmp_path, _Ports(server.port), db=db, extra=("--set", f"tredjepart_process={process}"))
    answered: list[tuple[str, float]] = []
    try:
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            path = f"/p{len(answered)}"
            _get(proxy.port, path)
            answered.append((path, time.monotonic()))
        killed = time.monotonic()
        os.killpg(proxy.proc.pid, signal.SIGKILL)
        proxy.proc.wait(10)
    finally:
        server.close()
    with sqlite3.connect(db) as conn:
        assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
        recorded = {r[0] for r in conn.execute("select path from flows")}
    lost = [(p, round(killed - t, 3)) for p, t in answered if p not in recorded]
    assert all(age <= 1.0 for _, age in lost), lost
    assert len(recorded) >= len(answered) // 2, (len(recorded), len(answered))


@pytest.mark.parametrize("process", ["true", "false"], ids=["worker", "in-process"])
def test_a_locked_database_neither_freezes_traffic_nor_loses_flows(tmp_path, process):
    """Another process holding the database locked froze all proxied traffic for about 2 s and, past 5 s, ended
    recording for good. Now traffic flows on, the rows wait, and everything is written once the lock goes."""
    server = RawServer({})
    db = tmp_path / "audit.sqlite"
    proxy = Mitmdump(tmp_path, _Ports(server.port), db=db, extra=("--set", f"tredjepart_process={process}"))
    slowest = 0.0
    try:
        _get(proxy.port, "/first")
        time.sleep(1)
        other = sqlite3.connect(db, isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")
        locked_until = time.monotonic() + 6
        sent = 0
        while time.monotonic() < locked_until:
            t = time.monotonic()
            assert _get(proxy.port, f"/during{sent}").startswith(b"HTTP/1.1 200")
            slowest = max(slowest, time.monotonic() - t)
            sent += 1
            time.sleep(0.02)
        other.execute("COMMIT")
        other.close()
        _get(proxy.port, "/after")
    finally:
        proxy.stop()
        server.close()
    assert slowest < 1.0, slowest  # the first version froze for about 2 s, then stopped recording
    paths = {r[0] for r in sqlite3.connect(db).execute("select path from flows")}
    assert paths == {"/first", "/after"} | {f"/during{i}" for i in range(sent)}, proxy.output()[-2000:]
    assert "locked by another process" in proxy.output()


def test_strangers_get_407_and_are_not_recorded(tmp_path):
    """With proxy authentication on (automatic when the proxy listens beyond this machine; forced here, since tests
    listen on loopback only), a client without the printed credentials gets 407 and leaves no trace."""
    import base64
    import re

    server = RawServer({})
    db = tmp_path / "audit.sqlite"
    proxy = Mitmdump(tmp_path, _Ports(server.port), db=db, extra=("--set", "tredjepart_auth=always"))
    try:
        stranger = _get(proxy.port, "/stranger")
        control = raw_proxy_request(proxy.port, b"POST http://tredjepart.proxy/session/end HTTP/1.1\r\n"
                                    b"Host: tredjepart.proxy\r\nOrigin: http://tredjepart.proxy\r\n"
                                    b"Content-Length: 0\r\nConnection: close\r\n\r\n")
        found = re.search(r"user (\S+), password (\S+)", proxy.output())
        assert found, proxy.output()
        auth = base64.b64encode(f"{found[1]}:{found[2]}".encode())
        tester = raw_proxy_request(proxy.port, b"GET http://www.example-portal.dk/tester HTTP/1.1\r\n"
                                   b"Host: www.example-portal.dk\r\nProxy-Authorization: Basic " + auth +
                                   b"\r\nConnection: close\r\n\r\n")
    finally:
        proxy.stop()
        server.close()
    assert stranger.startswith(b"HTTP/1.1 407") and control.startswith(b"HTTP/1.1 407")
    assert tester.startswith(b"HTTP/1.1 200")
    assert [r[0] for r in sqlite3.connect(db).execute("select path from flows")] == ["/tester"]


def test_raw_tcp_to_a_tracker_is_recorded_as_what_it_is(tmp_path):
    """An MQTT-like connection to a tracker host carried data both ways and left no flow, no blind spot, no
    finding. Now it is a flow of kind tcp with its sizes, judged like any other, and a blind spot."""
    import socket
    import threading

    echo = socket.socket()
    echo.bind(("127.0.0.1", 0))
    echo.listen(4)

    def serve():
        conn, _ = echo.accept()
        with conn:
            data = conn.recv(1024)
            conn.sendall(b"\x20\x02\x00\x00" + b"x" * len(data))  # an MQTT CONNACK, and some more

    threading.Thread(target=serve, daemon=True).start()
    policy = tmp_path / "p.yaml"
    policy.write_text("solution: Demo portal\nfirst_party: [example-portal.dk]\n")
    db = tmp_path / "audit.sqlite"
    proxy = Mitmdump(tmp_path, _Ports(echo.getsockname()[1]), db=db, policy=policy)
    try:
        with socket.create_connection(("127.0.0.1", proxy.port), timeout=10) as s:
            s.sendall(b"CONNECT mqtt.tracker-demo.com:1883 HTTP/1.1\r\nHost: mqtt.tracker-demo.com:1883\r\n\r\n")
            assert s.recv(1024).startswith(b"HTTP/1.1 200")
            s.sendall(b"\x10\x10\x00\x04MQTT\x04\x02\x00\x3cdevice-1")
            got = b""
            while len(got) < 4:
                chunk = s.recv(1024)
                if not chunk:
                    break
                got += chunk
        assert got.startswith(b"\x20\x02")
        time.sleep(0.5)
    finally:
        proxy.stop()
        echo.close()
    data = Database(db)
    (flow,) = [f for f in data.table("flows").rows if f["kind"] == "tcp"]
    assert (flow["host"], flow["port"], flow["party"], flow["covered"], flow["method"]) == (
        "mqtt.tracker-demo.com", 1883, "third", 0, "TCP")
    assert flow["request_size"] == 20 and flow["response_size"] >= 4
    assert [b["host"] for b in data.table("blind_spots").rows] == ["mqtt.tracker-demo.com"]
    rules = {f["rule"] for f in data.table("findings").rows}
    assert {"undeclared-third-party", "uninspectable-host"} <= rules


def test_wireguard_mode_starts_and_shows_its_qr_code(tmp_path):
    """`tredjepart proxy --wireguard` runs mitmproxy's WireGuard mode beside the regular proxy; the client
    configuration comes out as a QR code in the terminal and on the control page."""
    import re
    import socket
    import urllib.request

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        wg_port = s.getsockname()[1]
    server = RawServer({})
    proxy = Mitmdump(tmp_path, _Ports(server.port), db=tmp_path / "audit.sqlite",
                     extra=("--mode", "regular", "--mode", f"wireguard@127.0.0.1:{wg_port}"))
    try:
        deadline = time.monotonic() + 20
        while "WireGuard: scan this" not in proxy.output() and time.monotonic() < deadline:
            time.sleep(0.2)
        page = proxy.opener().open("http://tredjepart.proxy/wireguard", timeout=20).read().decode()
    finally:
        proxy.stop()
        server.close()
    log = proxy.output()
    assert "[Interface]" in log and "PrivateKey = " in log and f"Endpoint = 127.0.0.1:{wg_port}" in log, log[-2000:]
    assert "\u2588" in log or "\u2580" in log  # the QR code's blocks
    assert "<svg" in page and "[Interface]" in page and re.search(r"Endpoint = 127\.0\.0\.1:\d+", page)
