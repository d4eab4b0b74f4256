"""Processes the benchmark starts, and what it reads of them from /proc: CPU time and memory of a process tree.

Every process is started in a session of its own and registered here; ``cleanup`` (run at exit, on Ctrl-C, on
SIGTERM and on failure) asks each group to stop with SIGINT, then kills what is left of it. A proxy's recording
worker is a child of mitmdump in mitmdump's group, so it goes with it. Only groups this benchmark made are
signalled.
"""

from __future__ import annotations

import atexit
import os
import signal
import subprocess
import time
from pathlib import Path

_STARTED: list[subprocess.Popen] = []
TICK = os.sysconf("SC_CLK_TCK")


def start(cmd: list[str], **kwargs) -> subprocess.Popen:
    """Start ``cmd`` in a new session (so Ctrl-C in the terminal reaches only the benchmark, which stops it)."""
    proc = subprocess.Popen(cmd, start_new_session=True, **kwargs)
    _STARTED.append(proc)
    return proc


def stop(proc: subprocess.Popen, timeout: float = 60.0) -> float:
    """SIGINT to the process group, wait up to ``timeout``, then SIGKILL; the seconds it took to exit."""
    t0 = time.monotonic()
    if proc.poll() is None:
        _signal(proc, signal.SIGINT)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            _signal(proc, signal.SIGKILL)
            proc.wait(10)
    _signal(proc, signal.SIGKILL)  # anything of its group still there (a worker that outlived its proxy)
    if proc in _STARTED:
        _STARTED.remove(proc)
    return time.monotonic() - t0


def _signal(proc: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)  # the group this benchmark created (start_new_session): pgid == pid
    except (ProcessLookupError, PermissionError):
        pass


def cleanup() -> None:
    for proc in list(_STARTED):
        stop(proc, timeout=15)


def install_handlers() -> None:
    atexit.register(cleanup)

    def on_signal(signum, _frame):
        cleanup()
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)


def tree(pid: int) -> list[int]:
    """``pid`` and its descendants (the recording worker, multiprocessing's resource tracker)."""
    out, todo = [], [pid]
    while todo and len(out) < 100:
        p = todo.pop()
        out.append(p)
        try:
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return out


def cpu_seconds(pid: int) -> float:
    """User + system CPU time so far of one process (all its threads)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def tree_cpu(pid: int) -> dict[int, float]:
    return {p: cpu_seconds(p) for p in tree(pid)}


def status_kib(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def pss_kib(pid: int) -> int:
    """Proportional set size: resident pages, those shared with other processes (libraries, a forked parent's
    pages) divided among the processes sharing them, so a process tree's sum counts each page once."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_mib(pid: int, field: str = "VmRSS") -> float:
    """Resident (VmRSS) or peak resident (VmHWM) memory of the tree, MiB."""
    return sum(status_kib(p, field) for p in tree(pid)) / 1024


def quiesce(pid: int, limit: float = 60.0, step: float = 0.25, idle_share: float = 0.05) -> float:
    """Wait until the tree uses less than ``idle_share`` of a core over ``step`` (the worker has caught up with
    its queue); the seconds waited. Bounded by ``limit``."""
    t0 = time.monotonic()
    last = sum(tree_cpu(pid).values())
    while time.monotonic() - t0 < limit:
        time.sleep(step)
        now = sum(tree_cpu(pid).values())
        if now - last < idle_share * step:
            return time.monotonic() - t0
        last = now
    return time.monotonic() - t0
