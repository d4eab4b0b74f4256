"""Throughput and memory of mitmdump with the tredjepart addon, as a ratio to bare mitmdump in the same run.

Local load only (loopback): a small asyncio origin server plays a first party and several third parties; a load
generator keeps CONNECTIONS keep-alive connections busy through the proxy for SECONDS per round. Bare mitmdump
and mitmdump with the addon (and the example policy) alternate for ROUNDS rounds each, so machine noise hits
both alike. Prints requests/s, peak RSS, and the ratios; writes bench/results/latest.json.

Run: make bench   (or: .venv/bin/python bench/throughput.py --seconds 8 --rounds 3)
Where the recording worker spends its time: TREDJEPART_PROFILE_WORKER=/tmp/worker.prof make bench, then
python -m pstats /tmp/worker.prof.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from e2e_helpers import VENV_BIN, free_port, wait_port  # noqa: E402

PATHS = [
    ("www.example-portal.dk", "/", b"text/html", b"<html>portal</html>", b"sid=abcdef0123456789; Path=/; HttpOnly"),
    ("www.example-portal.dk", "/app.js", b"application/javascript", b"var a=1;" * 50, None),
    ("cdn.tracker-demo.com", "/t.js", b"application/javascript", b"track();" * 100,
     b"uid=9f8e7d6c5b4a39281706; Max-Age=63072000; Domain=tracker-demo.com"),
    ("pixel.tracker-demo.com", "/p.gif?uid=1&ev=view", b"image/gif", bytes.fromhex(
        "47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b"), None),
    ("stats-demo.dk", "/collect?v=2&tid=X", b"text/plain", b"", None),
]


async def origin(port: int) -> asyncio.base_events.Server:
    by_path = {p.split("?")[0]: (ct, body, cookie) for _, p, ct, body, cookie in PATHS}

    async def handle(reader, writer):
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                path = head.split(b" ", 2)[1].decode().split("?")[0]
                ct, body, cookie = by_path.get(path, (b"text/plain", b"x", None))
                extra = b"set-cookie: " + cookie + b"\r\n" if cookie else b""
                # The origin closes after each response (without saying so, so the client's keep-alive connection
                # to the proxy stays): the routing addon sends every host to this one address, and mitmproxy cannot
                # reuse such a connection for the next host (see tredjepart.proxy.inproc.Resolve).
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: " + ct + b"\r\ncontent-length: "
                             + str(len(body)).encode() + b"\r\n" + extra + b"\r\n" + body)
                await writer.drain()
                writer.close()
                return
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    return await asyncio.start_server(handle, "127.0.0.1", port)


async def load(proxy_port: int, seconds: float, connections: int) -> int:
    deadline = time.monotonic() + seconds
    done = 0

    async def worker(i: int):
        nonlocal done
        reader, writer = await asyncio.open_connection("127.0.0.1", proxy_port)
        n = 0
        while time.monotonic() < deadline:
            host, path, *_ = PATHS[(i + n) % len(PATHS)]
            n += 1
            writer.write(f"GET http://{host}{path} HTTP/1.1\r\nhost: {host}\r\nuser-agent: bench\r\n"
                         f"referer: http://www.example-portal.dk/\r\ncookie: sid=abc; uid=def\r\n\r\n".encode())
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            await reader.readexactly(length)
            done += 1
        writer.close()

    await asyncio.gather(*(worker(i) for i in range(connections)))
    return done


def start_proxy(tmp: Path, origin_port: int, with_addon: bool, script: Path = ROOT / "addons" / "audit.py"
                ) -> tuple[subprocess.Popen, int]:
    port = free_port()
    cmd = [str(VENV_BIN / "mitmdump"), "-q", "--listen-host", "127.0.0.1", "--listen-port", str(port),
           "--set", f"confdir={tmp / 'conf'}", "-s", str(ROOT / "tests" / "routing_addon.py"),
           "--set", f"route_http_port={origin_port}"]
    if with_addon:
        for old in tmp.glob("bench.sqlite*"):
            old.unlink()  # every round records into a new database, as a new audit would
        cmd += ["-s", str(script), "--set", f"tredjepart_db={tmp / 'bench.sqlite'}",
                "--set", f"tredjepart_policy={ROOT / 'policies' / 'example-portal.yaml'}",
                "--set", "tredjepart_cnames=false"]  # the benchmark's hosts are local stand-ins
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=None if os.environ.get("BENCH_STDERR") else subprocess.DEVNULL)
    wait_port(port, proc=proc)
    return proc, port


def cpu_seconds(pid: int, tree: bool = False) -> float:
    """User + system CPU time so far of a process (all its threads), or with ``tree`` of it and its children."""
    total = 0
    for p in process_tree(pid) if tree else [pid]:
        fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants (the recording worker process, when there is one)."""
    out = [pid]
    for task in Path(f"/proc/{pid}/task").iterdir():
        children = (task / "children").read_text().split()
        for child in children:
            out += process_tree(int(child))
    return out


def peak_rss_mib(pid: int) -> float:
    """Peak resident memory of the proxy and its worker process together."""
    total = 0
    for p in process_tree(pid):
        for line in Path(f"/proc/{p}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                total += int(line.split()[1])
    return total / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=8.0)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--connections", type=int, default=10)
    ap.add_argument("--script", type=Path, default=ROOT / "addons" / "audit.py",
                    help="entry script to measure (default addons/audit.py); for comparing variants")
    args = ap.parse_args()
    results: dict[str, list[dict]] = {"bare": [], "tredjepart": []}
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        loop = asyncio.new_event_loop()
        origin_port = free_port()
        server = loop.run_until_complete(origin(origin_port))
        for r in range(args.rounds):
            for name in (("bare", "tredjepart") if r % 2 == 0 else ("tredjepart", "bare")):
                proc, port = start_proxy(tmp, origin_port, name == "tredjepart", args.script)
                loop.run_until_complete(load(port, 1.0, args.connections))  # warm-up
                cpu0, all0 = cpu_seconds(proc.pid), cpu_seconds(proc.pid, tree=True)
                n = loop.run_until_complete(load(port, args.seconds, args.connections))
                cpu_ms = (cpu_seconds(proc.pid) - cpu0) * 1000 / max(n, 1)
                all_ms = (cpu_seconds(proc.pid, tree=True) - all0) * 1000 / max(n, 1)
                rss = peak_rss_mib(proc.pid)
                proc.send_signal(2)
                proc.wait(60)
                results[name].append({"rps": n / args.seconds, "peak_rss_mib": rss, "cpu_ms_per_request": cpu_ms,
                                      "cpu_ms_per_request_with_worker": all_ms})
                print(f"round {r + 1} {name:10s} {n / args.seconds:8.1f} req/s  {cpu_ms:5.2f} ms CPU/request in "
                      f"the proxy ({all_ms:5.2f} with its worker)  peak RSS {rss:6.1f} MiB", flush=True)
        server.close()
        rows = 0
        if (tmp / "bench.sqlite").exists():
            import sqlite3

            rows = sqlite3.connect(tmp / "bench.sqlite").execute("select count(*) from flows").fetchone()[0]
    bare = statistics.median(x["rps"] for x in results["bare"])
    addon = statistics.median(x["rps"] for x in results["tredjepart"])
    # Rounds alternate, so each round's pair saw about the same machine: the median of the paired ratios is the
    # figure least moved by a machine whose speed drifts during the run.
    paired = statistics.median(t["rps"] / b["rps"] for b, t in zip(results["bare"], results["tredjepart"]))
    mem_bare = statistics.median(x["peak_rss_mib"] for x in results["bare"])
    mem_addon = statistics.median(x["peak_rss_mib"] for x in results["tredjepart"])
    cpu_bare = statistics.median(x["cpu_ms_per_request"] for x in results["bare"])
    cpu_addon = statistics.median(x["cpu_ms_per_request"] for x in results["tredjepart"])
    summary = {
        "bare_cpu_ms_per_request": round(cpu_bare, 3), "tredjepart_cpu_ms_per_request": round(cpu_addon, 3),
        "bare_rps": round(bare, 1), "tredjepart_rps": round(addon, 1), "throughput_ratio": round(addon / bare, 3),
        "paired_throughput_ratio": round(paired, 3),
        "bare_peak_rss_mib": round(mem_bare, 1), "tredjepart_peak_rss_mib": round(mem_addon, 1),
        "memory_ratio": round(mem_addon / mem_bare, 3), "flows_recorded": rows,
        "seconds": args.seconds, "rounds": args.rounds, "connections": args.connections, "cpus": os.cpu_count(),
        "rounds_detail": results,
    }
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "latest.json").write_text(json.dumps(summary, indent=2))
    print(f"\nthroughput: bare {bare:.1f} req/s, with tredjepart {addon:.1f} req/s -> ratio {addon / bare:.3f}; "
          f"median of the rounds' paired ratios {paired:.3f} (target >= 0.95)\n"
          f"memory (proxy and worker): peak RSS bare {mem_bare:.1f} MiB, with tredjepart {mem_addon:.1f} MiB"
          f" -> ratio {mem_addon / mem_bare:.3f}\nCPU per request in mitmdump: bare {cpu_bare:.2f} ms, with tredjepart"
          f" {cpu_addon:.2f} ms\nflows recorded in the last tredjepart round's database: {rows}")


if __name__ == "__main__":
    main()
