"""Per-flow cost of the received scanner (tredjepart.received): how long ``Scanner.scan`` takes per request, with
a declared identity of every field, on every request of the shared HAR captures (../shared/data) and on a few
realistic tracker requests built here. Prints mean, median, 95th and 99th percentile and maximum, in ms of CPU
time of this process (``time.process_time``), so that other load on the machine does not inflate the figures.

    .venv/bin/python bench/received.py
"""

from __future__ import annotations

import glob
import hashlib
import json
import statistics
import sys
import time
import timeit
from pathlib import Path
from urllib.parse import urlsplit

from tredjepart.received import RequestParts, Scanner, load_identity

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"


def har_requests() -> list[RequestParts]:
    out = []
    for name in glob.glob(str(SHARED / "**" / "*.har"), recursive=True):
        try:
            data = json.loads(Path(name).read_bytes().decode("utf-8-sig"))
        except ValueError:
            continue
        for entry in data["log"]["entries"]:
            r = entry["request"]
            u = urlsplit(r["url"])
            body = ((r.get("postData") or {}).get("text") or "").encode("utf-8", "surrogateescape")
            out.append(RequestParts(r["method"], u.hostname or "", (u.path or "/") + (f"?{u.query}" if u.query else ""),
                                    tuple((h["name"], h["value"]) for h in r.get("headers", [])), body))
    return out


def realistic() -> dict[str, RequestParts]:
    sha = hashlib.sha256(b"jens.hansen@example.dk").hexdigest()
    ref = (("Referer", "https://www.example-portal.dk/ansoeg/kontanthjaelp/trin-2"),
           ("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120 Safari/537.36"),
           ("Cookie", "_ga=GA1.1.1234567890.1700000000; _fbp=fb.1.1700000000000.123456789"))
    ga4 = ("/g/collect?v=2&tid=G-ABC123&gtm=45je3&_p=1700000000&gcs=G111&gcd=13l3l3l3l1&cid=1234567890.1700000000"
           "&ul=da-dk&sr=1920x1080&uaa=x86&uab=64&uafvl=Chromium&uamb=0&uam=&uap=Linux&uapv=6.1&uaw=0&are=1"
           "&pae=1&_s=1&sid=1700000000&sct=1&seg=0&dl=https%3A%2F%2Fwww.example-portal.dk%2Fansoeg%2Fkontanthjaelp"
           "%2Ftrin-2&dr=https%3A%2F%2Fwww.borger.dk%2F&dt=Ans%C3%B8g%20om%20kontanthj%C3%A6lp&en=page_view&_fv=1&_ss=1")
    return {
        "GA4 page_view": RequestParts("POST", "region1.google-analytics.com", ga4, ref),
        "Meta pixel with ud[em]": RequestParts(
            "GET", "www.facebook.com", f"/tr/?id=1234567890&ev=PageView&dl=https%3A%2F%2Fwww.example-portal.dk%2F"
            f"ansoeg&rl=&if=false&ts=1700000000000&sw=1920&sh=1080&v=2.9.140&r=stable&ec=0&o=4126&fbp=fb.1.17.1"
            f"&ud[em]={sha}&it=1700000000000&coo=false&rqm=GET", ref),
        "JSON SDK event (1 KiB)": RequestParts(
            "POST", "api2.branch.io", "/v1/open", (("Content-Type", "application/json"),),
            json.dumps({"hardware_id": "a1b2c3d4e5f6", "os": "Android", "os_version": 34, "model": "Pixel 8",
                        "metadata": {f"k{i}": f"value-{i}-{'x' * 20}" for i in range(20)},
                        "identity": "u-123", "screen_width": 1080, "screen_height": 2400}).encode()),
    }


def main(identity_path: str | None = None) -> None:
    scanner = Scanner(load_identity(identity_path or ROOT / "docs" / "identity-example.yaml"))
    print(f"identity: {', '.join(scanner.declared_fields())}; {len(scanner.index)} needles; "
          f"{len(scanner.decoders)} decoders")
    for name, parts in realistic().items():
        n = 2000
        per = min(timeit.repeat(lambda: scanner.scan(parts), number=n, repeat=3, timer=time.process_time)) / n
        print(f"{name:28s} {per * 1000:.3f} ms per request")
    requests = har_requests()
    if not requests:
        print("no shared HAR files found")
        return
    times = []
    for parts in requests:
        best = None
        for _ in range(3):
            start = time.process_time()
            scanner.scan(parts)
            took = time.process_time() - start
            best = took if best is None else min(best, took)
        times.append(best)
    times.sort()
    n = len(times)
    print(f"{n} requests of the shared HAR files: mean {statistics.mean(times) * 1000:.3f} ms, "
          f"median {times[n // 2] * 1000:.3f}, p95 {times[int(n * .95)] * 1000:.3f}, "
          f"p99 {times[int(n * .99)] * 1000:.3f}, max {times[-1] * 1000:.3f}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
