"""Start bare mitmdump or mitmdump with tredjepart, the same way for both, and read what it cost.

Both modes load the benchmark's two helper addons (bench/addons: loopback routing and the mark spy), so the
only difference is ``-s addons/audit.py`` with the example policy (and the identity file, when this tredjepart
has the option ``tredjepart_identity``). Every tredjepart run records into a new database, as a new audit would.
"""

from __future__ import annotations

import os
import runpy
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import procs

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
VENV_BIN = ROOT / ".venv" / "bin"
POLICY = ROOT / "policies" / "example-portal.yaml"
IDENTITY = BENCH / "identity.yaml"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, proc: subprocess.Popen, log: Path, timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"exited with {proc.returncode} before listening: {tail(log)}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listening on {port} after {timeout}s: {tail(log)}")


def tail(log: Path, n: int = 1500) -> str:
    try:
        return log.read_text(errors="replace")[-n:]
    except OSError:
        return ""


def addon_options() -> set[str]:
    """The option names the tredjepart entry script's addons declare (to see whether ``tredjepart_identity``
    exists in this version), read without starting a proxy."""
    names: set[str] = set()

    class Loader:
        def add_option(self, name, *args, **kwargs):
            names.add(name)

        def add_command(self, *args, **kwargs):
            pass

    for addon in runpy.run_path(str(ROOT / "addons" / "audit.py")).get("addons", []):
        if hasattr(addon, "load"):
            addon.load(Loader())
    return names


@dataclass
class Proxy:
    mode: str  # "bare" or "tredjepart"
    proc: subprocess.Popen
    port: int
    db: Path | None
    marks: Path
    log: Path
    start_seconds: float
    env: dict = field(default_factory=dict)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def split_cpu(self) -> tuple[float, float]:
        """CPU seconds so far of the proxy process, and of its children (the worker) together."""
        cpu = procs.tree_cpu(self.pid)
        own = cpu.pop(self.pid, 0.0)
        return own, sum(cpu.values())

    def split_mib(self, field: str) -> tuple[float, float]:
        pids = procs.tree(self.pid)
        own = procs.status_kib(self.pid, field) / 1024
        return own, sum(procs.status_kib(p, field) for p in pids[1:]) / 1024

    def stop(self) -> float:
        return procs.stop(self.proc)


def start(mode: str, tmp: Path, origin_port: int, tag: str, identity: bool, env: dict | None = None,
          wrap: list[str] | None = None) -> Proxy:
    """mitmdump on a free loopback port, listening; ``wrap`` prefixes the command (a profiler)."""
    port = free_port()
    marks, log = tmp / f"marks-{tag}.json", tmp / f"mitmdump-{tag}.log"
    cmd = [*(wrap or []), str(VENV_BIN / "mitmdump"), "-q", "--listen-host", "127.0.0.1", "--listen-port", str(port),
           "--set", f"confdir={tmp / 'conf'}",
           "-s", str(BENCH / "addons" / "loopback.py"), "--set", f"bench_origin_port={origin_port}",
           "-s", str(BENCH / "addons" / "marks.py"), "--set", f"bench_marks_file={marks}"]
    db = None
    if mode == "tredjepart":
        db = tmp / f"{tag}.sqlite"
        for old in tmp.glob(f"{tag}.sqlite*"):
            old.unlink()
        cmd += ["-s", str(ROOT / "addons" / "audit.py"), "--set", f"tredjepart_db={db}",
                "--set", f"tredjepart_policy={POLICY}",
                "--set", "tredjepart_cnames=false"]  # the benchmark's host names are stand-ins: no DNS
        if identity:
            cmd += ["--set", f"tredjepart_identity={IDENTITY}"]
    t0 = time.monotonic()
    with open(log, "wb") as out:
        proc = procs.start(cmd, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})
    wait_port(port, proc, log)
    wait_answer(port, proc, log)
    return Proxy(mode, proc, port, db, marks, log, time.monotonic() - t0, env or {})


def wait_answer(port: int, proc: subprocess.Popen, log: Path, timeout: float = 180.0) -> None:
    """Until a request through the proxy is answered: mitmdump listens before its addons are ready (tredjepart's
    worker may still be loading), so the start-up time is the time to the first answer."""
    import urllib.request

    opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": f"http://127.0.0.1:{port}"}))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"exited with {proc.returncode}: {tail(log)}")
        try:
            with opener.open("http://www.example-portal.dk/static/site.css", timeout=timeout) as r:
                r.read()
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"no answer through port {port} after {timeout}s: {tail(log)}")
