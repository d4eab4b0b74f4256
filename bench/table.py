"""The five figures (and the instrument's sixth, where it is measured) of the benchmark in one table: each with bare mitmdump's value, tredjepart's, the ratio (or
the added milliseconds), the goal, and whether this run met it."""

from __future__ import annotations

FLAT = 1.0  # MiB per 10,000 flows: below this the memory is called flat (10 MiB over 100,000 flows)


def rows(res: dict) -> list[dict]:
    out: list[dict] = []

    def add(figure, bare, tredjepart, ratio, goal="", met=None, unit=""):
        out.append({"figure": figure, "bare": bare, "tredjepart": tredjepart, "ratio": ratio, "goal": goal,
                    "met": met, "unit": unit})

    live = (res.get("live") or {}).get("summary")
    if live:
        add("1 live: throughput", live["bare_rps"], live["tredjepart_rps"], live["throughput_ratio"], ">= 0.95",
            live["throughput_ratio"] >= 0.95, "req/s")
        add("1 live: p50 latency (closed loop)", live["bare_p50_ms"], live["tredjepart_p50_ms"], live["p50_ratio"],
            unit="ms")
        add("1 live: p99 latency (closed loop)", live["bare_p99_ms"], live["tredjepart_p99_ms"], live["p99_ratio"],
            "<= 1.05", live["p99_ratio"] <= 1.05, "ms")
        add("1 live: CPU per request, all processes", live["bare_cpu_ms_per_request"],
            live["tredjepart_cpu_ms_per_request"], live["cpu_ratio"], "<= 1.15", live["cpu_ratio"] <= 1.15, "ms")
        add("    of which proxy process / worker", live["bare_proxy_cpu_ms_per_request"],
            f"{live['tredjepart_proxy_cpu_ms_per_request']:.2f} / {live['tredjepart_worker_cpu_ms_per_request']:.2f}",
            None, unit="ms")
        if "paced_added_p50_ms" in live:
            add("1 live: 20 req/s, p50 latency", live["paced_bare_p50_ms"],
                live["paced_bare_p50_ms"] + live["paced_added_p50_ms"], f"{live['paced_added_p50_ms']:+.1f} ms",
                "added ms", unit="ms")
            add("1 live: 20 req/s, p99 latency", live["paced_bare_p99_ms"],
                live["paced_bare_p99_ms"] + live["paced_added_p99_ms"], f"{live['paced_added_p99_ms']:+.1f} ms",
                "added ms", unit="ms")
        add("2 memory: peak RSS, proxy + worker", live["bare_peak_rss_mib"], live["tredjepart_peak_rss_mib"],
            live["peak_rss_ratio"], "<= 1.5", live["peak_rss_ratio"] <= 1.5, "MiB")
        if "pss_ratio" in live:
            add("2 memory: PSS after load, all processes (shared pages once)", live["bare_pss_after_load_mib"],
                live["tredjepart_pss_after_load_mib"], live["pss_ratio"], "<= 1.5", live["pss_ratio"] <= 1.5, "MiB")
    soak = res.get("soak") or {}
    if soak.get("tredjepart"):
        t, b = soak["tredjepart"], soak.get("bare") or {}
        slope = t["slope_total_per_10k"]
        add(f"2 memory: RSS slope over {t['flows']:,} flows", b.get("slope_total_per_10k"), slope, None,
            f"flat (< {FLAT:g} MiB/10k)", slope is not None and abs(slope) < FLAT and t["complete"], "MiB/10k flows")
    off = res.get("offline")
    if off:
        add(f"3 offline: analyze vs mitmdump -nr, {off['flows']:,} flows (wall)", off["bare_wall_s"],
            off["tredjepart_wall_s"], off["wall_s_ratio"], "<= 1.5", off["wall_s_ratio"] <= 1.5, "s")
        add("3 offline: the same, CPU time", off["bare_cpu_s"], off["tredjepart_cpu_s"], off["cpu_s_ratio"],
            "<= 1.5", off["cpu_s_ratio"] <= 1.5, "s")
        rep = off["report"]
        for fmt in ("html", "json"):
            add(f"4 report: {fmt.upper()} of the {off['flows']:,}-flow database (vs count(*) scan)",
                f"{rep['count_scan_s'] * 1000:.1f} ms", rep[fmt]["wall_s"], rep[fmt]["wall_s"] / max(rep["count_scan_s"], 1e-6),
                "< 5 s", rep[fmt]["wall_s"] < 5, "s")
    if live:
        for key, label in (("marks_paced", "at 20 req/s"), ("marks_full_load", "at full load")):
            m = live[key]
            if m["n"]:
                add(f"5 marks {label}: p50 / p99 after the response", None,
                    f"{m['p50_ms']:.1f} / {m['p99_ms']:.1f}", None, unit="ms")
    ins = res.get("instrument")
    if ins:
        for label, v in ins.items():
            add(f"6 instrument: hook per {label} HTML page", _ms(v["bare_us"]),
                _ms(v["tredjepart_us"]), v["ratio"], unit="ms")
    return out


def _ms(us: float | None) -> float | None:
    return None if us is None else us / 1000


def render(table: list[dict]) -> str:
    lines = [f"{'figure':66s} {'bare':>10s} {'tredjepart':>13s} {'ratio':>10s}  {'goal':20s} met"]
    for r in table:
        met = "" if r["met"] is None else ("yes" if r["met"] else "NO")
        lines.append(f"{r['figure'] + (' [' + r['unit'] + ']' if r['unit'] else ''):66s} {_v(r['bare']):>10s} "
                     f"{_v(r['tredjepart']):>13s} {_v(r['ratio'], 3):>10s}  {r['goal']:20s} {met}")
    return "\n".join(lines)


def _v(v, digits: int = 2) -> str:
    if v is None:
        return "-"
    if isinstance(v, str):
        return v
    return f"{v:,.{digits}f}" if abs(v) < 1000 else f"{v:,.0f}"
