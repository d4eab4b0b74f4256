"""What the in-page instrument costs per HTML page in the proxy: instrument_response (a fresh token and nonce,
the script with its settings, the insertion point, the <meta> and header CSP adjusted, the new body) on pages of
10 KB, 200 KB and 2 MB, with a strict CSP header and a <meta> CSP, and the same for a page it leaves alone
(JSON under text/html). The body copy is the only part that grows with the page; everything else reads a bounded
prefix.

Run: .venv/bin/python bench/instrument.py   (part of `make bench` once the lead wires it in)
"""

from __future__ import annotations

import statistics
import sys
import time
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
from tredjepart.instrument import instrument_response  # noqa: E402

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


def main() -> None:
    headers = [("content-type", "text/html; charset=utf-8"), ("content-security-policy", CSP)]
    print("instrument_response per HTML page (CPU time, median of 5 repeats):")
    for label, size, number in (("10 KB", 10_000, 2000), ("200 KB", 200_000, 500), ("2 MB", 2_000_000, 50)):
        body = page(size)
        print(f"  {label:>6} page ({len(body):>9,} bytes): {cost(body, headers, number):8.1f} us")
    print(f"  left alone (JSON as text/html): {cost(b'{\"a\": 1}' * 100, headers, 5000):8.1f} us")
    print(f"  left alone (image/png):         {cost(b'x' * 10_000, [('content-type', 'image/png')], 20000):8.1f} us")


if __name__ == "__main__":
    main()
