"""Offline figures: ``tredjepart analyze`` of a generated capture against ``mitmdump -nr`` of the same file, and
the reports of the database the analysis made against a plain ``SELECT count(*)`` of its tables.

``mitmdump -q -n -r FILE`` (no addon, no output) is the floor: reading and parsing the flows the way mitmproxy
does. Runs alternate as in the live rounds. Wall time is what a tester waits; CPU time (user + system of the
process and its children) is what the work costs and moves less on a busy machine, so both are given.
"""

from __future__ import annotations

import os
import sqlite3
import statistics
import time
from pathlib import Path

import procs
from capture import write_capture
from proxy import IDENTITY, POLICY, VENV_BIN


def timed(cmd: list[str], log: Path) -> dict:
    """Run ``cmd`` to its end: wall seconds, CPU seconds (user + system, with its children), peak RSS (MiB)."""
    t0 = time.monotonic()
    with open(log, "ab") as out:
        proc = procs.start(cmd, stdout=out, stderr=out)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - t0
    procs.stop(proc)  # deregisters it (and ends anything of its group that outlived it)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:3])}... exited {proc.returncode}: {log.read_text()[-800:]}")
    return {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "max_rss_mib": usage.ru_maxrss / 1024}


def analyze_cmd(capture: Path, db: Path, identity: bool) -> list[str]:
    cmd = [str(VENV_BIN / "tredjepart"), "analyze", str(capture), "--policy", str(POLICY), "--db", str(db)]
    return cmd + (["--identity", str(IDENTITY)] if identity else [])


def run(tmp: Path, o, say) -> dict:
    capture = tmp / "capture.mitm"
    t0 = time.monotonic()
    write_capture(capture, o.offline_flows)
    out = {"flows": o.offline_flows, "capture_mib": capture.stat().st_size / 2 ** 20, "write_s": time.monotonic() - t0,
           "identity": o.analyze_identity, "rounds": []}
    say(f"  capture: {o.offline_flows} flows, {out['capture_mib']:.0f} MiB, written in {out['write_s']:.1f} s")
    db = tmp / "offline.sqlite"
    log = tmp / "offline.log"
    for i in range(o.offline_rounds):
        got = {}
        for mode in (("bare", "tredjepart") if i % 2 == 0 else ("tredjepart", "bare")):
            if mode == "bare":
                got[mode] = timed([str(VENV_BIN / "mitmdump"), "-q", "-n", "-r", str(capture)], log)
            else:
                for old in tmp.glob("offline.sqlite*"):
                    old.unlink()
                got[mode] = timed(analyze_cmd(capture, db, o.analyze_identity), log)
            say(f"  offline round {i + 1}/{o.offline_rounds} {mode:10s} {got[mode]['wall_s']:6.1f} s wall "
                f"{got[mode]['cpu_s']:6.1f} s CPU  peak {got[mode]['max_rss_mib']:.0f} MiB")
        out["rounds"].append(got)
    for k in ("wall_s", "cpu_s", "max_rss_mib"):
        out[f"bare_{k}"] = statistics.median(r["bare"][k] for r in out["rounds"])
        out[f"tredjepart_{k}"] = statistics.median(r["tredjepart"][k] for r in out["rounds"])
        out[f"{k}_ratio"] = statistics.median(r["tredjepart"][k] / r["bare"][k] for r in out["rounds"])
    out["rows"] = table_counts(db)
    out["report"] = reports(db, tmp, o, say)
    return out


def table_counts(db: Path) -> dict[str, int]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as c:
        names = [r[0] for r in c.execute("select name from sqlite_master where type='table' and name not like "
                                         "'sqlite_%' and name not like '\\_%' escape '\\'")]
        return {n: c.execute(f'select count(*) from "{n}"').fetchone()[0] for n in names}


def reports(db: Path, tmp: Path, o, say) -> dict:
    """HTML and JSON report of ``db`` (median of ``o.report_rounds``), a count(*) of every table, and the CLI's
    start-up (``tredjepart --help``) as the floor any command pays."""
    out: dict = {}
    log = tmp / "report.log"
    for fmt in ("html", "json"):
        runs = [timed([str(VENV_BIN / "tredjepart"), "report", str(db), "-f", fmt, "-o", str(tmp / f"report.{fmt}")],
                      log) for _ in range(o.report_rounds)]
        out[fmt] = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        out[fmt]["bytes"] = (tmp / f"report.{fmt}").stat().st_size
    scans = []
    for _ in range(o.report_rounds):
        t0 = time.monotonic()
        table_counts(db)
        scans.append(time.monotonic() - t0)
    out["count_scan_s"] = statistics.median(scans)
    out["cli_startup_s"] = statistics.median(
        timed([str(VENV_BIN / "tredjepart"), "--help"], log)["wall_s"] for _ in range(o.report_rounds))
    out["html_plus_json_s"] = out["html"]["wall_s"] + out["json"]["wall_s"]
    say(f"  report: html {out['html']['wall_s']:.2f} s, json {out['json']['wall_s']:.2f} s, count(*) of every "
        f"table {out['count_scan_s'] * 1000:.1f} ms, CLI start-up {out['cli_startup_s']:.2f} s")
    return out
