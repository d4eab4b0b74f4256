"""End-to-end harness: local HTTP/HTTPS servers that play several hosts, and a real mitmdump in front of them.

Everything stays on loopback. The test-only addon ``tests/routing_addon.py`` sends every upstream connection to
the local server (HTTP or HTTPS port by scheme), so clients can use real-looking host names.
"""

from __future__ import annotations

import datetime
import os
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import ThreadingHTTPServer
from pathlib import Path

from tredjepart.demo.site import host_handler

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
VENV_BIN = Path(sys.executable).parent

# host -> path -> (status, headers, body); the default site model for the recording tests.
GIF_1X1 = bytes.fromhex("47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, timeout: float = 30.0, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listening on port {port} after {timeout}s")


def self_signed(tmp: Path) -> tuple[Path, Path]:
    """A throwaway certificate for the local HTTPS server (mitmproxy is started with ssl_insecure)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=2)).sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp / "server-cert.pem", tmp / "server-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


class Sites:
    """Local servers answering for many host names: ``routes[host][path] = (status, headers, body)``, on
    ``address`` (loopback unless a test needs them elsewhere)."""

    def __init__(self, routes: dict, tmp: Path, address: str = "127.0.0.1") -> None:
        self.routes = routes
        self.requests: list[tuple[str, str, dict]] = []
        handler = self._handler()
        self.http = ThreadingHTTPServer((address, 0), handler)
        self.https = ThreadingHTTPServer((address, 0), handler)
        cert, key = self_signed(tmp)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        self.https.socket = ctx.wrap_socket(self.https.socket, server_side=True)
        for server in (self.http, self.https):
            threading.Thread(target=server.serve_forever, daemon=True).start()

    @property
    def ports(self) -> tuple[int, int]:
        return self.http.server_address[1], self.https.server_address[1]

    def close(self) -> None:
        for server in (self.http, self.https):
            server.shutdown()
            server.server_close()

    def _handler(self):
        return host_handler(
            lambda host, path: self.routes.get(host, {}).get(path, (404, [], b"not found")),
            on_request=lambda host, path, headers: self.requests.append((host, path, headers)),
            close=False,
        )


class Mitmdump:
    """A real mitmdump with addons/audit.py and the routing addon, on a free loopback port."""

    def __init__(self, tmp: Path, sites: Sites, *, db: Path, policy: Path | None = None,
                 extra: tuple[str, ...] = ()) -> None:
        self.port = free_port()
        self.confdir = tmp / "mitmconf"
        self.confdir.mkdir(exist_ok=True)
        http_port, https_port = sites.ports
        cmd = [
            str(VENV_BIN / "mitmdump"), "--listen-host", "127.0.0.1", "--listen-port", str(self.port),
            "--set", f"confdir={self.confdir}", "--set", "ssl_insecure=true", "--set", "connection_strategy=lazy",
            "-s", str(ROOT / "addons" / "audit.py"), "-s", str(HERE / "routing_addon.py"),
            "--set", f"route_http_port={http_port}", "--set", f"route_https_port={https_port}",
            "--set", f"tredjepart_db={db}", "--set", "tredjepart_cnames=false",  # no DNS in tests
        ]
        if policy:
            cmd += ["--set", f"tredjepart_policy={policy}"]
        cmd += list(extra)
        self.log = (tmp / "mitmdump.log").open("w+")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, cwd=tmp,
                                     env={**os.environ, "PYTHONUNBUFFERED": "1"}, start_new_session=True)
        wait_port(self.port, proc=self.proc)

    @property
    def ca(self) -> Path:
        return self.confdir / "mitmproxy-ca-cert.pem"

    def opener(self) -> urllib.request.OpenerDirector:
        proxy = f"http://127.0.0.1:{self.port}"
        ctx = ssl.create_default_context(cafile=str(self.ca))
        return urllib.request.build_opener(
            urllib.request.ProxyHandler({"http": proxy, "https": proxy}),
            urllib.request.HTTPSHandler(context=ctx),
        )

    def output(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text(errors="backslashreplace")

    def stop(self) -> int:
        """Stop like a user pressing Ctrl-C in a terminal: SIGINT to the whole process group (the proxy and its
        recording worker), so the addon's done() must flush everything even so."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        return self.proc.returncode


class RawServer:
    """A plain-HTTP server that answers each path with raw bytes, as a hostile or broken server would: status
    lines and headers that no well-behaved library writes. Unknown paths get a small 200."""

    def __init__(self, responses: dict[str, bytes]) -> None:
        self.responses = responses
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self._stop = False
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(10)
            data = b""
            while b"\r\n\r\n" not in data and len(data) < 65536:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                data += chunk
            path = data.split(b" ", 2)[1].decode("latin-1")
            default = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
            conn.sendall(self.responses.get(path, default))

    def close(self) -> None:
        self._stop = True
        self.sock.close()


def raw_proxy_request(port: int, request: bytes, timeout: float = 10.0) -> bytes:
    """Send ``request`` (raw bytes, absolute-form) to the proxy on ``port``; the raw answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(request)
        out = b""
        while True:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            out += chunk
        return out
