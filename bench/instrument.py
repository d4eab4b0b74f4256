"""What the in-page instrument costs per HTML page in the proxy: instrument_response (a fresh token and nonce,
the script with its settings, the insertion point, the <meta> and header CSP adjusted, the new body) on pages of
10 KB, 200 KB and 2 MB, with a strict CSP header and a <meta> CSP, and the same for a page it leaves alone
(JSON under text/html). The body copy is the only part that grows with the page; everything else reads a bounded
prefix.

The ratio: the proxy's whole instrument hook on a real mitmproxy flow (proxy.instrumenting.Instrumenter.response:
decode, instrument_response, the new body and headers set on the response) plus mitmproxy assembling the changed
response, against mitmproxy assembling the unchanged response (what bare mitmproxy does for every HTTP/1
response), in the same run, on the same pages: "x times the bare per-page work".

Run: .venv/bin/python bench/instrument.py   (standalone; `make bench` runs it beside the throughput bench)
"""

from __future__ import annotations

import statistics
import sys
import time
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
from mitmproxy.net.http.http1 import assemble_response  # noqa: E402
from mitmproxy.test import tflow  # noqa: E402

from tredjepart.instrument import instrument_response  # noqa: E402
from tredjepart.proxy.instrumenting import Instrumenter  # noqa: E402

CSP = ("default-src 'none'; script-src 'nonce-pAgE' 'strict-dynamic'; connect-src 'self' https://api.portal.dk; "
       "img-src 'self' data:; style-src 'self'; base-uri 'none'; object-src 'none'")
HEAD = ('<!DOCTYPE html>\n<html lang="da"><head><meta charset="utf-8">\n'
        '<meta http-equiv="Content-Security-Policy" content="upgrade-insecure-requests; connect-src \'self\'">\n'
        '<meta name="viewport" content="width=device-width,initial-scale=1"><title>Borgerportalen</title>\n'
        '<script nonce="pAgE" src="/app.js"></script></head><body>\n')
ROW = '<div class="case"><a href="/sag/{i}?tab=oversigt">Sag {i}</a> <span>Æ ø å - behandles</span></div>\n'


def page(size: int) -> bytes:
    rows, n = [], 0
    while n < size:
        rows.append(ROW.format(i=len(rows)))
        n += len(rows[-1].encode())
    return (HEAD + "".join(rows) + "</body></html>").encode()


def cost(body: bytes, headers: list[tuple[str, str]], number: int) -> float:
    """Median CPU microseconds per call over 5 repeats (CPU time: other processes on the machine do not count)."""
    def run():
        instrument_response(status=200, headers=headers, body=body, page_url="https://www.portal.dk/sag",
                            control_host="tredjepart.proxy", fetch_dest="document")
    return statistics.median(timeit.repeat(run, number=number, repeat=5, timer=time.process_time)) / number * 1e6


def flows(body: bytes, headers: list[tuple[str, str]], n: int) -> list:
    out = []
    for _ in range(n):
        f = tflow.tflow(resp=True)
        f.request.url = "https://www.portal.dk/sag"
        f.request.headers["sec-fetch-dest"] = "document"
        f.response.headers.clear()
        for k, v in headers:
            f.response.headers.add(k, v)
        f.response.content = body
        out.append(f)
    return out


def hook_ratio(body: bytes, headers: list[tuple[str, str]], number: int) -> tuple[float, float, float]:
    """(bare us, instrumented us, ratio) per page: mitmproxy assembling the response, against the instrument hook
    plus assembling the changed response; CPU time, medians of 5 rounds over fresh flows."""
    inst = Instrumenter("tredjepart.proxy")
    bare, with_it = [], []
    for _ in range(5):
        batch = flows(body, headers, number)
        t0 = time.process_time()
        for f in batch:
            assemble_response(f.response)
        bare.append((time.process_time() - t0) / number)
        t0 = time.process_time()
        for f in batch:
            inst.response(f, None)
            assemble_response(f.response)
        with_it.append((time.process_time() - t0) / number)
        assert b"tredjepart" in batch[0].response.content
    b, w = statistics.median(bare) * 1e6, statistics.median(with_it) * 1e6
    return b, w, w / b


def main() -> None:
    headers = [("content-type", "text/html; charset=utf-8"), ("content-security-policy", CSP)]
    print("instrument_response per HTML page (CPU time, median of 5 repeats):")
    sizes = (("10 KB", 10_000, 2000), ("200 KB", 200_000, 500), ("2 MB", 2_000_000, 50))
    for label, size, number in sizes:
        body = page(size)
        print(f"  {label:>6} page ({len(body):>9,} bytes): {cost(body, headers, number):8.1f} us")
    print(f"  left alone (JSON as text/html): {cost(b'{\"a\": 1}' * 100, headers, 5000):8.1f} us")
    print(f"  left alone (image/png):         {cost(b'x' * 10_000, [('content-type', 'image/png')], 20000):8.1f} us")
    print("the proxy's instrument hook per HTML page, against bare mitmproxy assembling the same response "
          "(CPU time, same run):")
    for label, size, number in sizes:
        bare, with_it, ratio = hook_ratio(page(size), headers, max(20, number // 10))
        print(f"  {label:>6} page: bare {bare:8.1f} us, with the instrument {with_it:8.1f} us, ratio {ratio:5.2f}x")


if __name__ == "__main__":
    main()
