"""`make bench`: what tredjepart costs, as ratios to bare mitmdump measured in the same run, in one table.

1. live: throughput, p50/p99 latency and CPU per request (proxy + worker) through ``mitmdump -s addons/audit.py``
   with the example policy (and bench/identity.yaml where the option exists) against bare mitmdump, alternating
   rounds, median of the paired ratios; latency added at a walkthrough's 20 requests/s;
2. memory: peak RSS of proxy + worker against bare; the RSS slope over ``--flows`` flows through one proxy;
3. offline: ``tredjepart analyze`` of a generated ``--offline-flows`` capture against ``mitmdump -nr``;
4. report: HTML and JSON report of the database that analysis made, against a count(*) of its tables;
5. marks: how long after the response an uncovered flow is marked (worker mode);
6. instrument: CPU per HTML page of the in-page instrument, where bench/instrument.py exists (its branch);
and a profile of the worker and the proxy under load (bench/profiles.py).

Loopback only: a local origin (bench/origin.py) plays every host. Prints the table and writes bench/results.json.
Absolute times on a shared machine drift; the ratios are the figures. Run on a quiet machine: the load average
is recorded, and a warning printed when other work was running.

    make bench                      # the full run (15-30 minutes on 2 cores: the soak is 100,000 flows)
    make bench-quick                # a short run (about 3 minutes): fewer rounds, 10,000 flows (or BENCH_QUICK=1)
    .venv/bin/python bench/run.py --smoke   # tiny sizes, the test suite's check of the table and JSON
    .venv/bin/python bench/run.py --help
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import live  # noqa: E402
import load  # noqa: E402
import offline  # noqa: E402
import procs  # noqa: E402
import instrument_part  # noqa: E402
import profiles  # noqa: E402
import proxy  # noqa: E402
import table  # noqa: E402

PARTS = ("live", "soak", "offline", "profile", "instrument")
QUICK = {"rounds": 2, "seconds": 4, "warmup": 1, "paced_seconds": 5, "flows": 10_000, "offline_flows": 5_000,
         "report_rounds": 1, "profile_seconds": 6, "soak_limit": 120}
# the test suite's smoke run (tests/test_bench.py): every part on tiny sizes, for the shape of the table and JSON
SMOKE = {"rounds": 1, "seconds": 1, "warmup": 1, "paced_seconds": 1, "flows": 300, "chunk": 1, "soak_limit": 10,
         "offline_flows": 200, "report_rounds": 1, "profile_seconds": 0}


def options(argv=None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    a = ap.add_argument
    a("--quick", action="store_true", help="a short run (also BENCH_QUICK=1): "
      + ", ".join(f"{k}={v}" for k, v in QUICK.items()) + "; options given explicitly win")
    a("--smoke", action="store_true", help="the test suite's tiny run, no figure means anything: "
      + ", ".join(f"{k}={v}" for k, v in SMOKE.items()))
    a("--rounds", type=int, default=4, help="live rounds (each: one bare and one tredjepart run)")
    a("--seconds", type=float, default=8, help="seconds of wrk load per live run")
    a("--warmup", type=float, default=2, help="seconds of warm-up load before each measured run")
    a("--connections", type=int, default=10, help="wrk's keep-alive connections")
    a("--rate", type=float, default=20, help="requests/s of the paced client (a walkthrough's load)")
    a("--paced-seconds", type=float, default=10, help="seconds of paced load per live run (0: none)")
    a("--flows", type=int, default=100_000, help="flows of the memory soak run")
    a("--chunk", type=float, default=5, help="seconds of load between the soak's memory samples")
    a("--soak-limit", type=float, default=1200, help="at most this many seconds of soak load")
    a("--soak-bare", action="store_true", help="also soak bare mitmdump (its slope as a reference)")
    a("--offline-flows", type=int, default=100_000, help="flows of the generated capture")
    a("--offline-rounds", type=int, default=1, help="rounds of analyze / mitmdump -nr")
    a("--report-rounds", type=int, default=3, help="runs of each report (median)")
    a("--profile-seconds", type=float, default=15, help="seconds of load while profiling (0: no profile)")
    a("--top", type=int, default=15, help="functions per profile table")
    a("--skip", default="", help=f"comma-separated parts to leave out: {','.join(PARTS)}")
    a("--output", type=Path, default=proxy.BENCH / "results.json")
    a("--keep", type=Path, default=None, help="keep databases, logs and profiles in this folder")
    first = ap.parse_args(argv)
    preset = SMOKE if first.smoke else QUICK if first.quick or os.environ.get("BENCH_QUICK") == "1" else {}
    ap.set_defaults(**preset, quick=bool(preset))
    o = ap.parse_args(argv)
    o.skip = {s.strip() for s in o.skip.split(",") if s.strip()}
    if o.skip - set(PARTS):
        ap.error(f"--skip: unknown part(s) {', '.join(sorted(o.skip - set(PARTS)))}")
    return o


def say(text: str) -> None:
    print(text, flush=True)


def main(argv=None) -> int:
    o = options(argv)
    procs.install_handlers()
    started = time.monotonic()
    res: dict = {"date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
                 "machine": machine(), "options": {k: (sorted(v) if isinstance(v, set) else str(v) if
                                                       isinstance(v, Path) else v) for k, v in vars(o).items()},
                 "missing": []}
    o.identity = "tredjepart_identity" in proxy.addon_options()
    o.analyze_identity = "--identity" in subprocess.run([str(proxy.VENV_BIN / "tredjepart"), "analyze", "--help"],
                                                        capture_output=True, text=True).stdout
    res["identity"] = {"proxy": o.identity, "analyze": o.analyze_identity}
    say(f"tredjepart benchmark, {res['date']}, {res['machine']['cpus']} CPUs, load average "
        f"{res['machine']['loadavg_start']:.1f}")
    say("identity file: " + ("loaded in the proxy (tredjepart_identity=bench/identity.yaml)" if o.identity else
                             "NOT loaded: this tredjepart has no option tredjepart_identity")
        + ("; analyze --identity too" if o.analyze_identity else "; analyze has no --identity"))
    if res["machine"]["loadavg_start"] > 0.5 * res["machine"]["cpus"]:
        say(f"WARNING: the machine is busy (load average {res['machine']['loadavg_start']:.1f} on "
            f"{res['machine']['cpus']} CPUs): other work shares the cores, figures will scatter")
    if not load.wrk_available():
        res["missing"].append("wrk")
        say("MISSING TOOL: wrk (Debian: apt-get install -y wrk): the live, soak and profile parts are skipped")
        o.skip |= {"live", "soak", "profile"}
    if "profile" not in o.skip and not profiles.pyspy():
        res["missing"].append("py-spy")
        say("py-spy not found (.venv/bin/python -m pip install py-spy): the proxy is profiled with cProfile")
    try:
        with tempfile.TemporaryDirectory(prefix="tredjepart-bench-") as d:
            tmp = o.keep or Path(d)
            tmp.mkdir(parents=True, exist_ok=True)
            measure(tmp, o, res)
    except KeyboardInterrupt:
        say("interrupted: every process the benchmark started is stopped; no results written")
        return 130
    finally:
        procs.cleanup()
    res["machine"]["loadavg_end"] = os.getloadavg()[0]
    res["seconds"] = round(time.monotonic() - started)
    res["table"] = table.rows(res)
    say("\n" + table.render(res["table"]))
    say(f"\n{res['date']}, {res['machine']['cpus']} CPUs, load average {res['machine']['loadavg_start']:.1f} at the "
        f"start, {res['machine']['loadavg_end']:.1f} at the end; {res['seconds']} s. Identity file "
        f"{'loaded' if o.identity else 'not loaded (no option tredjepart_identity)'}.")
    print_profiles(res.get("profile"))
    o.output.write_text(json.dumps(res, indent=1, default=str))
    say(f"results: {o.output}")
    return 2 if res["missing"] == ["wrk"] else 0


def measure(tmp: Path, o, res: dict) -> None:
    o.lua = load.write_lua(tmp / "requests.lua")
    origin_port = proxy.free_port()
    origin = procs.start([sys.executable, str(proxy.BENCH / "origin.py"), str(origin_port)], stdout=subprocess.PIPE)
    if origin.stdout.readline().strip() != b"ready":
        raise RuntimeError("the local origin did not start")
    if "live" not in o.skip:
        say(f"live: {o.rounds} rounds of {o.seconds:g} s wrk ({o.connections} connections) and {o.paced_seconds:g} s "
            f"at {o.rate:g} req/s, bare and tredjepart alternating")
        pairs = live.rounds(tmp, origin_port, o, say)
        res["live"] = {"rounds": [[_lean(b), _lean(t)] for b, t in pairs], "summary": live.summarise(pairs)}
    if "soak" not in o.skip:
        say(f"memory: {o.flows} flows through one proxy (at most {o.soak_limit:g} s)")
        res["soak"] = {"tredjepart": live.soak(tmp, origin_port, o, say)}
        if o.soak_bare:
            res["soak"]["bare"] = live.soak(tmp, origin_port, o, say, "bare")
    if "profile" not in o.skip and o.profile_seconds > 0:
        say(f"profile: {o.profile_seconds:g} s of load with the worker's cProfile and a sampling profile of the proxy")
        res["profile"] = profiles.run(tmp, origin_port, o, say)
    procs.stop(origin)
    if "offline" not in o.skip:
        say(f"offline: {o.offline_flows} flows")
        res["offline"] = offline.run(tmp, o, say)
    if "instrument" not in o.skip:
        res["instrument"] = instrument_part.run(say)


def _lean(run: dict) -> dict:
    """A run without its per-flow mark delays (they are summarised)."""
    out = dict(run)
    for key in ("marks_full_load", "marks_paced"):
        if out.get(key):
            out[key] = {k: v for k, v in out[key].items() if k != "delays"}
    return out


def machine() -> dict:
    return {"cpus": os.cpu_count(), "loadavg_start": os.getloadavg()[0], "python": platform.python_version(),
            "kernel": platform.release(), "note": "shared VM: absolute times drift; compare the ratios"}


def print_profiles(prof: dict | None) -> None:
    if not prof:
        return
    w, p, ws = prof.get("worker"), prof.get("proxy"), prof.get("worker_sampled")
    if ws:
        say(f"\nworker ({ws['tool']}, {ws['samples']} samples, {prof['worker_cpu_ms_per_request']:.2f} ms CPU/request):"
            " top by own time")
        for r in ws["by_own"][:12]:
            say(f"  {r['share'] * 100:5.1f} %  {r['ms_per_request']:.3f} ms/request  {r['function']}")
        say("worker: top by cumulative time")
        for r in ws["by_cumulative"][:15]:
            say(f"  {r['share'] * 100:5.1f} %  {r['ms_per_request']:.3f} ms/request  {r['function']}")
    if w:
        say(f"\nworker ({w['tool']}, {w['total_s']:.1f} s of CPU): top by own time")
        for r in w["by_own"][:10]:
            say(f"  {r['own_s']:8.3f} s own {r['cum_s']:8.3f} s cum {r['calls']:>9} calls  {r['function']}")
        say("worker: top by cumulative time")
        for r in w["by_cumulative"][:10]:
            say(f"  {r['cum_s']:8.3f} s cum {r['own_s']:8.3f} s own {r['calls']:>9} calls  {r['function']}")
        say("worker: per call")
        for name, e in w["entry_points"].items():
            say(f"  {e['per_call_ms']:8.3f} ms x {e['calls']:>8}  {name}")
    if p and "tredjepart_shares" in p:
        say(f"\nproxy ({p['tool']}, {p['samples']} samples, {prof['proxy_cpu_ms_per_request']:.2f} ms CPU/request): "
            "tredjepart's share of the proxy's CPU")
        for k, v in p["tredjepart_shares"].items():
            say(f"  {v['share'] * 100:5.1f} %  {v['ms_per_request']:.3f} ms/request  {k}")
        say("proxy: top by own time")
        for r in p["by_own"][:12]:
            say(f"  {r['share'] * 100:5.1f} %  {r['ms_per_request']:.3f} ms/request  {r['function']}")
    if prof.get("proxy_minus_bare"):
        d = prof["proxy_minus_bare"]
        say(f"proxy: where it spends more than bare mitmdump ({d['bare_proxy_cpu_ms_per_request']:.2f} ms CPU/request "
            "in the same profiling), own time in ms per request")
        for r in d["by_own"][:12]:
            say(f"  {r['added_ms_per_request']:+.3f}  (bare {r['bare_ms']:.3f}, tredjepart {r['tredjepart_ms']:.3f})  "
                f"{r['function']}")
    if p and "tredjepart_shares" not in p:
        say(f"\nproxy ({p['tool']}): top by own time")
        for r in p["by_own"][:10]:
            say(f"  {r['own_s']:8.3f} s own {r['cum_s']:8.3f} s cum  {r['function']}")


if __name__ == "__main__":
    sys.exit(main())
