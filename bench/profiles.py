"""Where tredjepart spends its CPU under load: the worker's cProfile and a sampling profile of the proxy process.

Two extra tredjepart runs under wrk (not measured rounds: profilers slow what they watch). In the first, py-spy
samples the proxy and its worker on-CPU (``--nonblocking``, so it does not stop them to read them): shares of
the CPU that are true to an unprofiled run. In the second the worker writes a cProfile of itself
(TREDJEPART_PROFILE_WORKER=FILE, record.worker): call counts and the cost per call, inflated for small calls.
Without py-spy the proxy runs under cProfile in the first run instead. The proxy's samples are also sorted into what
tredjepart does there: snapshot, pickling a batch, the sender thread, reading replies, the hooks' other work.
"""

from __future__ import annotations

import io
import pstats
import shutil
import subprocess
import time
from collections import Counter
from pathlib import Path

import load
import procs
import proxy
from proxy import VENV_BIN

# (label, function name, file suffix): the first that matches a sample's stack names its share
SHARES = (
    ("snapshot (record/wire.py)", "snapshot", "record/wire.py"),
    ("pickle batch (client._push)", "_push", "record/client.py"),
    ("sender thread (process._send_loop)", "_send_loop", "record/process.py"),
    ("replies and marks (client.poll)", "poll", "record/client.py"),
)


# the worker's steps per flow, and its start-up (one-off), whose cost per call the summary gives
ENTRY_POINTS = (("_apply", "record/worker.py"), ("rebuild", "record/wire.py"), ("record", "record/recorder.py"),
                ("observe", "observe/__init__.py"), ("attribute", "record/attribution.py"),
                ("judge", "record/attribution.py"), ("wire_signals", "observe/signals.py"),
                ("on_flow", "detect/__init__.py"), ("put", "store/writer.py"), ("flush", "store/writer.py"),
                ("<built-in method _pickle.loads>", "~"), ("__init__", "record/recorder.py"))


def pyspy() -> str | None:
    return shutil.which("py-spy", path=str(VENV_BIN)) or shutil.which("py-spy")


def run(tmp: Path, origin_port: int, o, say) -> dict:
    """Two runs under the same load: py-spy on proxy and worker (or cProfile on the proxy without py-spy), then
    the worker under its own cProfile (call counts and cost per call; cProfile inflates small calls)."""
    spy = pyspy()
    raw, raw_bare = tmp / "pyspy.txt", tmp / "pyspy-bare.txt"
    proxy_prof, worker_prof = tmp / "proxy.prof", tmp / "worker.prof"
    wrap = None if spy else [str(VENV_BIN / "python"), "-m", "cProfile", "-o", str(proxy_prof)]

    def sampler(out: Path):
        return [spy, "record", "--rate", "250", "--nonblocking", "--subprocesses", "--format", "raw", "-o", str(out),
                "--duration", f"{int(o.profile_seconds)}", "--pid"] if spy else None

    a = _loaded_run(tmp, origin_port, o, "tredjepart", "profile-sampled", {}, wrap, sampler(raw))
    bare = _loaded_run(tmp, origin_port, o, "bare", "profile-bare", {}, None, sampler(raw_bare)) if spy else None
    b = _loaded_run(tmp, origin_port, o, "tredjepart", "profile-worker",
                    {"TREDJEPART_PROFILE_WORKER": str(worker_prof)})
    out = {"requests": a["requests"], "proxy_cpu_ms_per_request": a["proxy_ms"],
           "worker_cpu_ms_per_request": a["worker_ms"],
           "worker": pstats_summary(worker_prof, o.top) if worker_prof.exists() else None}
    if out["worker"]:
        out["worker"]["tool"] = f"cProfile (TREDJEPART_PROFILE_WORKER), {b['requests']} requests, start-up included"
    out["proxy"] = out["worker_sampled"] = None
    if spy and raw.exists():
        stacks = split_processes(raw.read_text(errors="replace"), a["pid"])
        out["proxy"] = pyspy_summary(stacks.get("proxy", []), o.top, a["proxy_ms"])
        out["proxy"]["tool"] = "py-spy (sampling, on-CPU, 250 Hz)"
        out["worker_sampled"] = pyspy_summary(stacks.get("worker", []), o.top, a["worker_ms"])
        out["worker_sampled"]["tool"] = "py-spy (sampling, on-CPU, 250 Hz)"
        if bare and raw_bare.exists():
            base = split_processes(raw_bare.read_text(errors="replace"), bare["pid"]).get("proxy", [])
            out["proxy_minus_bare"] = {
                "bare_proxy_cpu_ms_per_request": bare["proxy_ms"],
                "by_own": own_difference(base, bare["proxy_ms"], stacks.get("proxy", []), a["proxy_ms"], o.top)}
    elif proxy_prof.exists():
        out["proxy"] = pstats_summary(proxy_prof, o.top)
        out["proxy"]["tool"] = "cProfile (py-spy not installed)"
    say(f"  profile: {a['requests']} requests in {o.profile_seconds:g} s; CPU per request: proxy "
        f"{a['proxy_ms']:.2f} ms, worker {a['worker_ms']:.2f} ms; worker cProfile "
        f"{'written' if out['worker'] else 'MISSING'}; proxy: {out['proxy']['tool'] if out['proxy'] else 'MISSING'}")
    return out


def _loaded_run(tmp: Path, origin_port: int, o, mode: str, tag: str, env: dict, wrap=None, sampler=None) -> dict:
    """One proxy under wrk for ``o.profile_seconds`` (after a warm-up), ``sampler`` (a command that takes the
    proxy's pid last) watching it; CPU per request of proxy and worker."""
    p = proxy.start(mode, tmp, origin_port, tag, o.identity, env=env, wrap=wrap)
    try:
        load.run_wrk(p.port, o.warmup, o.connections, o.lua)
        procs.quiesce(p.pid)
        own0, kids0 = p.split_cpu()
        spy = procs.start([*sampler, str(p.pid)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) \
            if sampler else None
        r = load.run_wrk(p.port, o.profile_seconds, o.connections, o.lua)
        if spy is not None:
            try:
                spy.wait(30)
            finally:
                procs.stop(spy)
        procs.quiesce(p.pid)
        own1, kids1 = p.split_cpu()
    finally:
        p.stop()
    n = max(r["requests"], 1)
    return {"pid": p.pid, "requests": r["requests"], "proxy_ms": (own1 - own0) * 1000 / n,
            "worker_ms": (kids1 - kids0) * 1000 / n}


def pstats_summary(path: Path, top: int) -> dict:
    """Top functions by cumulative and by own time, and the per-call cost of the recorder's entry points."""
    st = pstats.Stats(str(path), stream=io.StringIO())
    rows = []
    for (file, line, name), (cc, nc, tt, ct, _) in st.stats.items():
        rows.append({"function": f"{name} ({_short(file)}:{line})", "calls": nc, "own_s": tt, "cum_s": ct})
    total = st.total_tt
    entry = {}
    for (file, line, name), (cc, nc, tt, ct, _) in st.stats.items():
        for want, where in ENTRY_POINTS:
            if name == want and where in file:
                entry[f"{name} ({_short(file)})"] = {"calls": nc, "cum_s": round(ct, 3),
                                                     "per_call_ms": round(ct * 1000 / max(nc, 1), 4)}
    return {"total_s": total, "by_cumulative": _top(rows, "cum_s", top), "by_own": _top(rows, "own_s", top),
            "entry_points": entry}


def _top(rows: list[dict], key: str, n: int) -> list[dict]:
    return [{**r, "cum_s": round(r["cum_s"], 3), "own_s": round(r["own_s"], 3)}
            for r in sorted(rows, key=lambda r: r[key], reverse=True)[:n]]


def split_processes(text: str, proxy_pid: int) -> dict[str, list[tuple[list[str], int]]]:
    """py-spy's raw (collapsed) stacks of ``--subprocesses``, by process: the proxy's and the worker's. Each line is
    ``process PID:"cmdline";frame;... COUNT``, a child's with its parent's process first."""
    out: dict[str, list] = {}
    for line in text.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = stack.split(";")
        who = "proxy"
        while frames and frames[0].startswith("process "):  # a child's stacks come under its parent's process
            pid = frames.pop(0)[8:].split(":", 1)[0]
            who = "proxy" if pid == str(proxy_pid) else "worker"
        out.setdefault(who, []).append((frames, int(count)))
    return out


def pyspy_summary(stacks: list[tuple[list[str], int]], top: int, ms_per_request: float) -> dict:
    """Share of samples per function, own (leaf) and cumulative, and per share of tredjepart's work in the proxy;
    ``ms_per_request`` (the process's CPU per request, from /proc) turns a share into ms per request."""
    own: Counter = Counter()
    cum: Counter = Counter()
    shares: Counter = Counter()
    total = 0
    for stack, n in stacks:
        if not stack:
            continue
        frames = [_frame(f) for f in stack]
        total += n
        own[frames[-1]] += n
        for f in set(frames):
            cum[f] += n
        shares[_share(frames)] += n
    total = max(total, 1)

    def table(c: Counter) -> list[dict]:
        # frames under every sample (the process's main loop and its callers) say nothing: left out
        return [{"function": f, "share": round(v / total, 4), "ms_per_request": round(v / total * ms_per_request, 4)}
                for f, v in c.most_common() if v / total < 0.98][:top]

    return {"samples": total, "by_cumulative": table(cum), "by_own": table(own),
            "tredjepart_shares": {k: {"share": round(v / total, 4),
                                      "ms_per_request": round(v / total * ms_per_request, 4)}
                                  for k, v in shares.most_common()}}


def own_difference(bare: list, bare_ms: float, stacks: list, ms: float, top: int) -> list[dict]:
    """Where the tredjepart proxy spends more CPU per request than bare mitmdump: each function's own time in ms
    per request (its share of samples times the process's CPU per request), tredjepart minus bare."""
    def per_function(st: list, per_request: float) -> dict[str, float]:
        c: Counter = Counter()
        for frames, n in st:
            if frames:
                c[_frame(frames[-1])] += n
        total = max(sum(c.values()), 1)
        return {f: v / total * per_request for f, v in c.items()}

    b, t = per_function(bare, bare_ms), per_function(stacks, ms)
    diff = sorted(((f, t.get(f, 0.0) - b.get(f, 0.0), b.get(f, 0.0), t.get(f, 0.0)) for f in set(b) | set(t)),
                  key=lambda x: x[1], reverse=True)
    return [{"function": f, "added_ms_per_request": round(d, 4), "bare_ms": round(bm, 4), "tredjepart_ms": round(tm, 4)}
            for f, d, bm, tm in diff[:top]]


def _frame(f: str) -> str:
    """``name (path/to/file.py:123)`` -> ``name (pkg/file.py)``: one entry per function, not per line."""
    name, _, where = f.partition(" (")
    file = where.rstrip(")").rsplit(":", 1)[0]
    return f"{name} ({_short(file)})"


def _share(frames: list[str]) -> str:
    for label, name, file in SHARES:
        if any(f.split(" (", 1)[0].rsplit(".", 1)[-1] == name and file in f for f in frames):
            return label
    if any("tredjepart/" in f for f in frames):
        return "other tredjepart work in the proxy (hooks, listener)"
    return "mitmproxy, asyncio and the rest (not tredjepart)"


def _short(file: str) -> str:
    for marker in ("site-packages/", "/src/", "/lib/python3.12/"):
        if marker in file:
            return file.split(marker, 1)[1]
    return file
