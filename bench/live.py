"""Live figures: throughput, latency, CPU per request, memory and marks, bare mitmdump against tredjepart.
Memory: the peak resident size of each process (the kernel's high-water mark) and, after the load, the process
tree's proportional set size (pages shared between proxy and worker counted once).

A round starts a fresh proxy of each mode (the order alternates between rounds, so a machine whose speed drifts
hits both alike) and, for each: a warm-up, a wait until the process tree is idle, wrk for ``seconds`` (closed
loop, keep-alive), a wait until the tree is idle again (the worker may still be working through its queue: that
CPU belongs to the requests, and the wait is reported as the drain time), then the paced client at a human's
rate. CPU per request is the tree's user + system time from before the wrk run until idle, over wrk's requests.
The soak run sends ``flows`` requests through one tredjepart proxy in chunks and samples resident memory.
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

import load
import procs
import proxy
from site_model import UNCOVERED_HOSTS


def one_run(mode: str, tmp: Path, origin_port: int, tag: str, o) -> dict:
    p = proxy.start(mode, tmp, origin_port, tag, o.identity)
    try:
        load.run_wrk(p.port, o.warmup, o.connections, o.lua)
        procs.quiesce(p.pid)
        own0, kids0 = p.split_cpu()
        t0 = time.monotonic()
        r = load.run_wrk(p.port, o.seconds, o.connections, o.lua)
        t1 = time.monotonic()
        drain = procs.quiesce(p.pid)
        own1, kids1 = p.split_cpu()
        paced, w = None, (0.0, 0.0)
        if o.paced_seconds > 0:
            t2 = time.monotonic()
            paced = load.run_paced(p.port, o.rate, o.paced_seconds)
            w = (t2, time.monotonic())
            procs.quiesce(p.pid, limit=10)
        hwm = p.split_mib("VmHWM")
        pss = sum(procs.pss_kib(x) for x in procs.tree(p.pid)) / 1024
    finally:
        stop_s = p.stop()
    marks = read_marks(p.marks)
    n = max(r["requests"], 1)
    out = {
        "mode": mode, "start_s": p.start_seconds, "stop_s": stop_s, "rps": r["rps"], "requests": r["requests"],
        "errors": r["errors"], "p50_ms": r["p50_us"] / 1000, "p99_ms": r["p99_us"] / 1000,
        "cpu_ms_per_request": ((own1 - own0) + (kids1 - kids0)) * 1000 / n,
        "proxy_cpu_ms_per_request": (own1 - own0) * 1000 / n, "worker_cpu_ms_per_request": (kids1 - kids0) * 1000 / n,
        "drain_s": drain, "peak_rss_mib": hwm[0] + hwm[1], "proxy_peak_rss_mib": hwm[0], "worker_peak_rss_mib": hwm[1],
        "pss_after_load_mib": pss,
        "paced": paced, "marks_full_load": mark_stats(marks, (t0, t1 + drain)),
        "marks_paced": mark_stats(marks, w) if paced else None, "loadavg": _loadavg(),
    }
    return out


def rounds(tmp: Path, origin_port: int, o, say) -> list[tuple[dict, dict]]:
    pairs = []
    for i in range(o.rounds):
        got = {}
        for mode in (("bare", "tredjepart") if i % 2 == 0 else ("tredjepart", "bare")):
            got[mode] = run = one_run(mode, tmp, origin_port, f"{mode}-{i}", o)
            paced = run["paced"] or {}
            say(f"  round {i + 1}/{o.rounds} {mode:10s} {run['rps']:7.1f} req/s  p50 {run['p50_ms']:6.1f} ms  "
                f"p99 {run['p99_ms']:6.1f} ms  CPU {run['cpu_ms_per_request']:5.2f} ms/req "
                f"(worker {run['worker_cpu_ms_per_request']:4.2f}, drain {run['drain_s']:.1f} s)  "
                f"peak {run['peak_rss_mib']:6.1f} MiB  paced p50/p99 {_f(paced.get('p50_ms'))}/"
                f"{_f(paced.get('p99_ms'))} ms  load {run['loadavg']:.1f}")
        pairs.append((got["bare"], got["tredjepart"]))
    return pairs


def summarise(pairs: list[tuple[dict, dict]]) -> dict:
    """Median of the paired ratios (tredjepart / bare) per figure, and the added paced latency in ms."""
    def ratio(key):
        return statistics.median(t[key] / b[key] for b, t in pairs if b[key])

    def median(side, key):
        return statistics.median(p[side][key] for p in pairs)

    out = {"throughput_ratio": ratio("rps"), "p50_ratio": ratio("p50_ms"), "p99_ratio": ratio("p99_ms"),
           "cpu_ratio": ratio("cpu_ms_per_request"), "peak_rss_ratio": ratio("peak_rss_mib"),
           "pss_ratio": ratio("pss_after_load_mib"),
           "paired_ratios": {k: [round(t[k] / b[k], 3) for b, t in pairs] for k in
                             ("rps", "p99_ms", "cpu_ms_per_request", "peak_rss_mib")}}
    for k in ("rps", "p50_ms", "p99_ms", "cpu_ms_per_request", "proxy_cpu_ms_per_request",
              "worker_cpu_ms_per_request", "peak_rss_mib", "proxy_peak_rss_mib", "worker_peak_rss_mib", "pss_after_load_mib", "drain_s",
              "start_s", "stop_s"):
        out[f"bare_{k}"], out[f"tredjepart_{k}"] = median(0, k), median(1, k)
    paced = [(b["paced"], t["paced"]) for b, t in pairs if b["paced"] and t["paced"]]
    if paced:
        out["paced_added_p50_ms"] = statistics.median(t["p50_ms"] - b["p50_ms"] for b, t in paced)
        out["paced_added_p99_ms"] = statistics.median(t["p99_ms"] - b["p99_ms"] for b, t in paced)
        out["paced_bare_p50_ms"] = statistics.median(b["p50_ms"] for b, _ in paced)
        out["paced_bare_p99_ms"] = statistics.median(b["p99_ms"] for b, _ in paced)
    delays = [d for _, t in pairs for d in (t["marks_paced"] or {}).get("delays", [])]
    full = [d for _, t in pairs for d in t["marks_full_load"].get("delays", [])]
    out["marks_paced"] = _pcts(delays)
    out["marks_full_load"] = _pcts(full)
    out["unmarked"] = sum(t["marks_full_load"]["unmarked"] for _, t in pairs)
    return out


def read_marks(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {"events": [], "responses": {}, "marks": {}}  # the proxy did not stop cleanly: no marks


def mark_stats(marks: dict, window: tuple[float, float]) -> dict:
    """Mark delays (ms) of flows whose response came within ``window`` (monotonic clock, shared by processes)."""
    lo, hi = window
    delays = [d for t, d in marks.get("events", []) if lo <= t <= hi]
    got, marked = marks.get("responses", {}), marks.get("marks", {})
    unmarked = sum(got.get(h, 0) - marked.get(h, 0) for h in UNCOVERED_HOSTS)
    return {"delays": delays, "unmarked": unmarked, **_pcts(delays)}


def _pcts(delays: list[float]) -> dict:
    return {"n": len(delays), "p50_ms": load.percentile(delays, 50), "p99_ms": load.percentile(delays, 99)}


def soak(tmp: Path, origin_port: int, o, say, mode: str = "tredjepart") -> dict:
    """``o.flows`` requests through one proxy in chunks of wrk; resident memory after each chunk; the slope after
    the warm-up (the first fifth), in MiB per 10,000 flows."""
    p = proxy.start(mode, tmp, origin_port, f"soak-{mode}", o.identity)
    samples = []
    served0 = origin_count(origin_port)
    deadline = time.monotonic() + o.soak_limit
    try:
        while True:
            flows = origin_count(origin_port) - served0
            own, kids = p.split_mib("VmRSS")
            samples.append({"flows": flows, "proxy_mib": own, "worker_mib": kids, "t": time.monotonic()})
            if flows >= o.flows or time.monotonic() > deadline:
                break
            load.run_wrk(p.port, o.chunk, o.connections, o.lua)
        drain = procs.quiesce(p.pid, limit=120)
        served = origin_count(origin_port) - served0
        own, kids = p.split_mib("VmRSS")
        hwm = p.split_mib("VmHWM")
    finally:
        p.stop()
    rows = _count_flows(p.db) if p.db else None
    warm = [s for s in samples if s["flows"] >= o.flows / 5]
    out = {"mode": mode, "flows": samples[-1]["flows"], "samples": samples, "drain_s": drain,
           "after_drain_mib": own + kids, "peak_mib": hwm[0] + hwm[1], "served": served, "rows_in_db": rows,
           "complete": samples[-1]["flows"] >= o.flows}
    for key in ("proxy_mib", "worker_mib", None):
        ys = [s["proxy_mib"] + s["worker_mib"] if key is None else s[key] for s in warm]
        out[f"slope_{key or 'total'}_per_10k"] = _slope([s["flows"] / 10_000 for s in warm], ys)
    marks = read_marks(p.marks)
    out["marks"] = mark_stats(marks, (0, float("inf")))
    out["marks"].pop("delays")
    say(f"  soak {mode}: {out['flows']} flows, RSS {samples[0]['proxy_mib'] + samples[0]['worker_mib']:.0f} -> "
        f"{samples[-1]['proxy_mib'] + samples[-1]['worker_mib']:.0f} MiB, slope "
        f"{_f(out['slope_total_per_10k'], 2)} MiB/10k flows after warm-up, drain {drain:.1f} s; "
        f"{served} requests served, {rows if rows is not None else '-'} flows in the database"
        + ("" if out["complete"] else f" (INCOMPLETE: --soak-limit {o.soak_limit:g} s reached)"))
    return out


def origin_count(port: int) -> int:
    import urllib.request

    req = urllib.request.Request(f"http://127.0.0.1:{port}/count", headers={"Host": "bench.origin"})
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(req, timeout=10) as r:
        return int(r.read())


def _count_flows(db: Path) -> int | None:
    import sqlite3

    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as c:
            return c.execute("select count(*) from flows").fetchone()[0]
    except sqlite3.Error:
        return None


def _slope(xs: list[float], ys: list[float]) -> float | None:
    if len(xs) < 3 or max(xs) == min(xs):
        return None
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


def _loadavg() -> float:
    import os

    return os.getloadavg()[0]


def _f(v, digits: int = 1) -> str:
    return "-" if v is None else f"{v:.{digits}f}"
