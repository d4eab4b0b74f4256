"""The sixth row: what the in-page instrument costs per HTML page, where bench/instrument.py exists (the
instrument's branch adds it, with ``page(size)``, ``cost(body, headers, number)`` and ``CSP``). Measured in
CPU time in this process (not through a proxy), and set beside bare mitmdump's CPU per request of the live
part of the same run, so it reads as a share of what the proxy spends on a request anyway."""

from __future__ import annotations

import importlib.util
from pathlib import Path

HERE = Path(__file__).resolve().parent
SIZES = ((10_000, 400), (200_000, 100))  # bytes of page, calls per repeat


def available() -> bool:
    return (HERE / "instrument.py").exists()


def run(say) -> dict | None:
    """CPU microseconds per HTML page of 10 KB and 200 KB with a strict CSP header, or None (with the reason
    said) where the instrument is not on this branch or does not offer what this reads."""
    if not available():
        say("instrument: bench/instrument.py is not on this branch; row 6 left out")
        return None
    spec = importlib.util.spec_from_file_location("bench_instrument", HERE / "instrument.py")
    mod = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(mod)
        headers = [("content-type", "text/html; charset=utf-8"), ("content-security-policy", mod.CSP)]
        out = {f"{size // 1000}kb_us": mod.cost(mod.page(size), headers, number) for size, number in SIZES}
    except (ImportError, AttributeError, TypeError) as e:
        say(f"instrument: bench/instrument.py does not offer page(), cost() and CSP as expected ({e}); row 6 left out")
        return None
    say("instrument: " + ", ".join(f"{k[:-3]} page {v:.0f} us CPU" for k, v in out.items()))
    return out
