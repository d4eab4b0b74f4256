"""The sixth row: what the in-page instrument costs per HTML page, from bench/instrument.py (the instrument's own
benchmark). Where it offers ``hook_ratio`` (the proxy's whole instrument hook plus mitmproxy assembling the
changed response, against mitmproxy assembling the unchanged one: what bare mitmproxy does for every HTTP/1
response), that is the figure, side by side with bare in the same run; else the CPU time of
``instrument_response`` alone. CPU time in this process, not through a proxy."""

from __future__ import annotations

import importlib.util
from pathlib import Path

HERE = Path(__file__).resolve().parent
SIZES = ((10_000, 200), (200_000, 50))  # bytes of page, pages per round


def available() -> bool:
    return (HERE / "instrument.py").exists()


def run(say) -> dict | None:
    """Per page size: bare and instrumented microseconds and their ratio (or the instrument's own cost), or None
    (with the reason said) where the instrument is not on this branch or does not offer what this reads."""
    if not available():
        say("instrument: bench/instrument.py is not on this branch; row 6 left out")
        return None
    spec = importlib.util.spec_from_file_location("bench_instrument", HERE / "instrument.py")
    mod = importlib.util.module_from_spec(spec)
    out: dict = {}
    try:
        spec.loader.exec_module(mod)
        headers = [("content-type", "text/html; charset=utf-8"), ("content-security-policy", mod.CSP)]
        for size, number in SIZES:
            label = f"{size // 1000} KB"
            if hasattr(mod, "hook_ratio"):
                bare, with_it, ratio = mod.hook_ratio(mod.page(size), headers, number)
                out[label] = {"bare_us": bare, "tredjepart_us": with_it, "ratio": ratio}
            else:
                out[label] = {"bare_us": None, "tredjepart_us": mod.cost(mod.page(size), headers, number),
                              "ratio": None}
    except (ImportError, AttributeError, TypeError, ValueError) as e:
        say(f"instrument: bench/instrument.py does not offer page(), CSP and hook_ratio() or cost() as expected "
            f"({e}); row 6 left out")
        return None
    say("instrument: " + ", ".join(f"{k} page {v['tredjepart_us']:.0f} us CPU" +
                                   (f" ({v['ratio']:.2f}x bare)" if v["ratio"] else "") for k, v in out.items()))
    return out
