"""Load through the proxy: wrk for throughput (keep-alive connections, as fast as the proxy answers) and a paced
client for a human walkthrough's rate (about 20 requests/s).

wrk talks to an HTTP proxy when each request carries an absolute URI: the Lua script, written from
bench/site_model.py, rotates through a page view's requests (absolute URIs, the Host header and the browser's
headers) and prints wrk's summary and latency percentiles as JSON.

The paced client sends request i at start + i/rate on one of a few keep-alive connections (a browser keeps about
six) and measures each latency from the time it was due, not from when it was sent, so a slow proxy cannot hide
its queueing (as wrk2 does). Debian's wrk has no rate option.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import statistics
import subprocess
import time
from pathlib import Path

from site_model import SEQUENCE, request_headers, url

LUA_DONE = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('{"requests": %d, "duration_us": %d, "bytes": %d, "connect": %d, "read": %d, '
    .. '"write": %d, "status": %d, "timeout": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "mean_us": %.1f}\\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean))
end
"""


def _lua(s: str) -> str:
    return json.dumps(s)  # ASCII only here: JSON's escapes are Lua's


def write_lua(path: Path) -> Path:
    lines = ["local reqs = {}", "local i = 0", "init = function(args)"]
    for e, revalidate in SEQUENCE:
        headers = ", ".join(f"[{_lua(k)}] = {_lua(v)}" for k, v in request_headers(e, revalidate))
        lines.append(f"  reqs[#reqs + 1] = wrk.format('GET', {_lua(url(e))}, {{{headers}}})")
    lines += ["end", "request = function()", "  i = i + 1", "  return reqs[(i % #reqs) + 1]", "end", LUA_DONE]
    path.write_text("\n".join(lines))
    return path


def wrk_available() -> str | None:
    return shutil.which("wrk")


def run_wrk(proxy_port: int, seconds: float, connections: int, lua: Path, threads: int = 1) -> dict:
    """One wrk run through the proxy; its JSON summary plus requests/s."""
    cmd = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{max(1, round(seconds))}s", "--timeout", "10s",
           "-s", str(lua), f"http://127.0.0.1:{proxy_port}/"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    line = next((x for x in out.stdout.splitlines() if x.startswith("{")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no summary (exit {out.returncode}): {out.stdout[-500:]} {out.stderr[-500:]}")
    r = json.loads(line)
    r["rps"] = r["requests"] / (r["duration_us"] / 1e6)
    r["errors"] = r["connect"] + r["read"] + r["write"] + r["status"] + r["timeout"]
    return r


async def _paced(proxy_port: int, rate: float, seconds: float, connections: int) -> dict:
    raw = []
    for e, revalidate in SEQUENCE:
        head = f"GET {url(e)} HTTP/1.1\r\n" + "".join(
            f"{k}: {v}\r\n" for k, v in request_headers(e, revalidate)) + "\r\n"
        raw.append(head.encode())
    idle: asyncio.Queue = asyncio.Queue()
    conns = []
    for _ in range(connections):
        conns.append(await asyncio.open_connection("127.0.0.1", proxy_port))
        idle.put_nowait(conns[-1])
    latencies: list[float] = []
    errors = 0

    async def one(i: int, due: float) -> None:
        nonlocal errors
        reader, writer = conn = await idle.get()
        try:
            writer.write(raw[i % len(raw)])
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
            length = next((int(x.split(b":")[1]) for x in head.split(b"\r\n")
                           if x.lower().startswith(b"content-length:")), 0)
            await asyncio.wait_for(reader.readexactly(length), 10)
            latencies.append((time.monotonic() - due) * 1000)
            idle.put_nowait(conn)
        except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError):
            errors += 1
            writer.close()
            idle.put_nowait(await asyncio.open_connection("127.0.0.1", proxy_port))

    start = time.monotonic() + 0.05
    n = int(rate * seconds)
    tasks = []
    for i in range(n):
        due = start + i / rate
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        tasks.append(asyncio.create_task(one(i, due)))
    await asyncio.gather(*tasks)
    for _, w in conns:
        w.close()
    return {"requests": len(latencies), "errors": errors, "p50_ms": _pct(latencies, 50),
            "p99_ms": _pct(latencies, 99), "mean_ms": statistics.fmean(latencies) if latencies else None}


def _pct(values: list[float], p: float) -> float | None:
    if not values:
        return None
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(p / 100 * len(s) + 0.5) - 1))]


def run_paced(proxy_port: int, rate: float, seconds: float, connections: int = 6) -> dict:
    return asyncio.run(_paced(proxy_port, rate, seconds, connections))


def percentile(values: list[float], p: float) -> float | None:
    return _pct(values, p)
