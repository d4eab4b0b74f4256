"""The benchmark's own parts that can break silently: the origin's answers, the capture it analyses, the load
script, and the sums it prints (paired ratios, mark windows, memory slope, profile shares). The benchmark itself
is not part of the test suite (make bench)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

import live  # noqa: E402
import load  # noqa: E402
import profiles  # noqa: E402
import table  # noqa: E402
from capture import write_capture  # noqa: E402
from site_model import EXCHANGES, SEQUENCE, UNCOVERED_HOSTS, VISIT  # noqa: E402

from mitmproxy import http  # noqa: E402

try:
    from tredjepart.record.capture import read_capture as _read  # noqa: E402
except ImportError:  # before the capture reader moved into record/
    from tredjepart.capture import read_capture as _read  # noqa: E402


def read_capture(path):
    return [f for f in _read(path) if isinstance(f, http.HTTPFlow)]
from tredjepart.policy import load_policies  # noqa: E402
from tredjepart.record.api import open_recorder  # noqa: E402
from tredjepart.record.wire import Settings  # noqa: E402


def _exchange(sock: socket.socket, host: str, path: str, extra: str = "") -> bytes:
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n{extra}\r\n".encode())
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(next(x for x in head.split(b"\r\n") if x.lower().startswith(b"content-length:")).split(b":")[1])
    while len(body) < length:
        body += sock.recv(65536)
    return head + b"\r\n\r\n" + body


@pytest.fixture
def origin():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, str(BENCH / "origin.py"), str(port)], stdout=subprocess.PIPE)
    try:
        assert proc.stdout.readline().strip() == b"ready"
        yield port
    finally:
        proc.kill()
        proc.wait(10)


def test_origin_plays_every_host_on_one_keep_alive_connection_and_answers_revalidation_with_304(origin):
    script = next(e for e in EXCHANGES if e.dest == "script")
    with socket.create_connection(("127.0.0.1", origin)) as s:
        for e in EXCHANGES:
            got = _exchange(s, e.host, e.path)
            assert got.startswith(f"HTTP/1.1 {e.status} ".encode()) and got.endswith(e.body), e.path
        again = _exchange(s, script.host, script.path, f"If-None-Match: {script.etag}\r\n")
        assert again.startswith(b"HTTP/1.1 304 ") and again.endswith(b"\r\n\r\n")
        assert _exchange(s, "unknown.example", "/").startswith(b"HTTP/1.1 404 ")
    # every request counts as served: the exchanges, the revalidation and the 404
    assert live.origin_count(origin) == len(EXCHANGES) + 2


def test_capture_is_read_back_by_tredjepart_with_the_visits_mix(tmp_path):
    n = len(SEQUENCE) + 7
    path = write_capture(tmp_path / "c.mitm", n)
    flows = list(read_capture(path))
    assert len(flows) == n
    assert [f.request.pretty_host for f in flows[:len(EXCHANGES)]] == [e.host for e in EXCHANGES]
    statuses = {f.response.status_code for f in flows}
    assert 304 in statuses and 200 in statuses
    revalidated = sum(1 for _, r in SEQUENCE if r)
    assert sum(1 for f in flows[:len(SEQUENCE)] if f.response.status_code == 304) == revalidated
    assert all(f.request.timestamp_start < g.request.timestamp_start for f, g in zip(flows, flows[1:]))


def test_the_recorder_flags_exactly_the_hosts_the_marks_are_counted_for(tmp_path):
    """The mark figures count UNCOVERED_HOSTS: they must be what tredjepart flags under the example policy."""
    verdicts: dict[str, set[bool]] = {}

    class Listener:
        def on_verdict(self, flow, covered, reason):
            verdicts.setdefault(flow.request.pretty_host, set()).add(covered)

        def on_finding(self, finding):
            pass

        def on_session(self, view):
            pass

        def on_status(self, status):
            pass

    policies = load_policies(str(BENCH.parent / "policies" / "example-portal.yaml"))
    rec = open_recorder(Settings(str(tmp_path / "a.sqlite"), policies), Listener(), threaded=False)
    for flow in read_capture(write_capture(tmp_path / "c.mitm", len(EXCHANGES))):
        rec.record(flow)
    rec.close()
    assert {h for h, v in verdicts.items() if v == {False}} == set(UNCOVERED_HOSTS)
    assert all(v == {True} for h, v in verdicts.items() if h not in UNCOVERED_HOSTS)


def test_wrk_script_holds_one_absolute_request_per_step_of_a_visit(tmp_path):
    lua = load.write_lua(tmp_path / "r.lua").read_text()
    assert lua.count("wrk.format('GET', \"http://") == len(SEQUENCE) == VISIT * len(EXCHANGES)
    assert lua.count('["If-None-Match"]') == sum(1 for _, r in SEQUENCE if r)
    assert "latency:percentile(99)" in lua


def test_paired_ratios_and_added_paced_latency():
    def run(rps, p99, cpu, paced_p50):
        return {"rps": rps, "p50_ms": 10, "p99_ms": p99, "cpu_ms_per_request": cpu, "proxy_cpu_ms_per_request": cpu,
                "worker_cpu_ms_per_request": 0, "peak_rss_mib": 100, "proxy_peak_rss_mib": 100, "pss_after_load_mib": 90,
                "worker_peak_rss_mib": 0, "drain_s": 0, "start_s": 1, "stop_s": 1,
                "paced": {"p50_ms": paced_p50, "p99_ms": 2 * paced_p50},
                "marks_full_load": {"delays": [], "unmarked": 0}, "marks_paced": {"delays": [5.0]}}
    # the machine halves its speed in round 2: both sides slow down, the ratio holds
    pairs = [(run(100, 10, 3, 8), run(90, 11, 3.3, 9)), (run(50, 20, 6, 16), run(45, 22, 6.6, 17)),
             (run(80, 10, 4, 10), run(40, 30, 8, 20))]
    s = live.summarise(pairs)
    assert s["throughput_ratio"] == pytest.approx(0.9)
    assert s["cpu_ratio"] == pytest.approx(1.1)
    assert s["paced_added_p50_ms"] == pytest.approx(1)
    rows = {r["figure"]: r for r in table.rows({"live": {"summary": s}})}
    assert rows["1 live: throughput"]["met"] is False and rows["1 live: CPU per request, all processes"]["met"]
    assert "NO" in table.render(list(rows.values()))


def test_marks_are_counted_in_their_window_and_missing_marks_are_noticed():
    marks = {"events": [[10.0, 4.0], [20.0, 6.0], [30.0, 500.0]],
             "responses": {UNCOVERED_HOSTS[0]: 5, "www.example-portal.dk": 9}, "marks": {UNCOVERED_HOSTS[0]: 3}}
    got = live.mark_stats(marks, (15.0, 35.0))
    assert got["delays"] == [6.0, 500.0] and got["unmarked"] == 2


def test_memory_slope_is_mib_per_10k_flows():
    assert live._slope([1, 2, 3, 4], [100, 102, 104, 106]) == pytest.approx(2)
    assert live._slope([1, 1, 1], [1, 2, 3]) is None


def test_pyspy_stacks_are_split_into_proxy_and_worker_and_sorted_into_shares():
    raw = "\n".join([
        'process 10:"mitmdump";<module> (mitmdump:6);snapshot (/x/src/tredjepart/record/wire.py:50) 3',
        'process 10:"mitmdump";<module> (mitmdump:6);run (/x/asyncio/runners.py:1) 5',
        'process 10:"mitmdump";Thread.run (threading.py:1);WorkerProcess._send_loop '
        '(/x/src/tredjepart/record/process.py:9) 2',
        'process 10:"mitmdump";process 11:"python -c spawn";_serve (/x/src/tredjepart/record/worker.py:70);'
        'LocalRecorder.record (/x/src/tredjepart/record/recorder.py:61) 4',
        'process 10:"mitmdump";process 11:"python -c spawn";_serve (/x/src/tredjepart/record/worker.py:70);'
        'recv (/x/multiprocessing/connection.py:1) 1',
        "garbage line without count",
    ])
    stacks = profiles.split_processes(raw, 10)
    assert sum(n for _, n in stacks["proxy"]) == 10 and sum(n for _, n in stacks["worker"]) == 5
    proxy = profiles.pyspy_summary(stacks["proxy"], 5, 2.0)
    shares = proxy["tredjepart_shares"]
    assert shares["snapshot (record/wire.py)"]["share"] == pytest.approx(0.3)
    assert shares["sender thread (process._send_loop)"]["ms_per_request"] == pytest.approx(0.4)
    worker = profiles.pyspy_summary(stacks["worker"], 5, 1.0)
    assert worker["by_own"][0]["function"] == "LocalRecorder.record (tredjepart/record/recorder.py)"


def test_proxy_helper_sees_whether_the_identity_option_exists():
    import proxy

    names = proxy.addon_options()
    assert "tredjepart_db" in names and "tredjepart_policy" in names
    assert isinstance("tredjepart_identity" in names, bool)


def test_quiesce_returns_once_a_process_is_idle():
    import procs

    proc = subprocess.Popen([sys.executable, "-c", "import time\nt=time.time()\nwhile time.time()-t<0.6: pass\n"
                             "time.sleep(5)"])
    try:
        t0 = time.monotonic()
        waited = procs.quiesce(proc.pid, limit=4)
        assert 0.4 < waited < 3.5 and time.monotonic() - t0 < 4
    finally:
        proc.kill()
        proc.wait(5)


def test_proxy_difference_to_bare_is_in_ms_per_request():
    bare = [(["run (/x/asyncio/runners.py:1)", "write (/x/asyncio/selector_events.py:9)"], 10)]
    tp = [(["run (/x/asyncio/runners.py:1)", "write (/x/asyncio/selector_events.py:9)"], 6),
          (["WorkerProcess._send_loop (/x/src/tredjepart/record/process.py:9)"], 4)]
    diff = profiles.own_difference(bare, 2.0, tp, 3.0, 5)
    assert diff[0] == {"function": "WorkerProcess._send_loop (tredjepart/record/process.py)",
                       "added_ms_per_request": 1.2, "bare_ms": 0.0, "tredjepart_ms": 1.2}
    assert diff[-1]["added_ms_per_request"] == pytest.approx(1.8 - 2.0)


@pytest.mark.e2e
@pytest.mark.skipif(not load.wrk_available(), reason="wrk is not installed (Debian: apt-get install -y wrk)")
def test_smoke_run_prints_the_table_and_writes_every_figure_to_results_json(tmp_path):
    """``bench/run.py --smoke``: every part on tiny sizes through real mitmdump; the figures mean nothing here,
    only that each row of the table and the JSON is there."""
    out = tmp_path / "results.json"
    run = subprocess.run([sys.executable, str(BENCH / "run.py"), "--smoke", "--output", str(out)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    res = json.loads(out.read_text())
    assert res["options"]["rounds"] == 1 and res["identity"]["proxy"] is True
    figures = [r["figure"] for r in res["table"]]
    for start in ("1 live: throughput", "1 live: p99 latency", "1 live: CPU per request", "1 live: 20 req/s, p99",
                  "2 memory: peak RSS", "2 memory: PSS after load", "2 memory: RSS slope", "3 offline: analyze",
                  "4 report: HTML", "4 report: JSON"):
        assert any(f.startswith(start) for f in figures), start
    live_summary = res["live"]["summary"]
    assert live_summary["bare_rps"] > 0 and live_summary["tredjepart_rps"] > 0
    assert res["soak"]["tredjepart"]["rows_in_db"] >= res["soak"]["tredjepart"]["served"] > 0
    assert res["offline"]["flows"] == 200
    assert "figure" in run.stdout and "results:" in run.stdout
    if (BENCH / "instrument.py").exists():
        assert [f for f in figures if f.startswith("6 instrument")], "the instrument's row is missing"
        assert all(v["tredjepart_us"] > 0 for v in res["instrument"].values())
    else:
        assert res["instrument"] is None and "row 6 left out" in run.stdout
