"""Peak memory and time of reading and analysing a big generated HAR (not a test; prints its figures).

    .venv/bin/python bench/capture_memory.py                      # 100,000 entries, this tree
    .venv/bin/python bench/capture_memory.py --entries 1000000
    .venv/bin/python bench/capture_memory.py --baseline-src /tmp/main/src   # the same with another tree's code

Each measurement runs in a fresh Python process (peak RSS of that process, from getrusage): "read" only reads the
capture into flows, "analyze" records them into a new SQLite file through the Recorder, as `tredjepart analyze`
does. The HAR is Chrome-shaped: HTTP/2 pseudo-headers, a cookie, a Set-Cookie, a small script body, one third
of the requests first party, the rest to 50 tracker hosts.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = r"""
import json, resource, sys, tempfile, time, logging
from pathlib import Path
logging.disable(logging.WARNING)
mode, har = sys.argv[1], sys.argv[2]
start = time.perf_counter()
count = 0
if mode == "read":
    try:
        from tredjepart.record.capture import read_capture
    except ImportError:  # a baseline tree from before the move into record/
        from tredjepart.capture import read_capture
    for item in read_capture(har):
        count += 1
else:
    try:
        from tredjepart.record.analyze import analyze_file
    except ImportError:
        from tredjepart.analyze import analyze_file
    from tredjepart.record.api import open_recorder
    from tredjepart.record.wire import Settings
    with tempfile.TemporaryDirectory() as tmp:
        rec = open_recorder(Settings(str(Path(tmp) / "a.sqlite"), commit_seconds=0.5))
        result = analyze_file(rec, har)
        rec.close()
        count = result.flows
print(json.dumps({"items": count, "seconds": round(time.perf_counter() - start, 1),
                  "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}))
"""


def write_har(path: Path, entries: int) -> None:
    with open(path, "w") as out:
        out.write('{"log": {"version": "1.2", "creator": {"name": "bench", "version": "1"}, "pages": [{"id": "p1", '
                  '"title": "https://www.example-portal.dk/", "startedDateTime": "2026-01-01T10:00:00.000Z", '
                  '"pageTimings": {}}], "entries": [\n')
        for i in range(entries):
            host = f"t{i % 50}.tracker{i % 7}-demo.com" if i % 3 else "www.example-portal.dk"
            entry = {
                "pageref": "p1", "startedDateTime": f"2026-01-01T{10 + i // 3_600_000 % 10:02d}:"
                                                    f"{i // 60000 % 60:02d}:{i // 1000 % 60:02d}.{i % 1000:03d}Z",
                "time": 12.5,
                "request": {"method": "GET", "url": f"https://{host}/path/{i}?uid={i}&x=y", "httpVersion": "h2",
                            "headers": [{"name": ":authority", "value": host}, {"name": ":method", "value": "GET"},
                                        {"name": "user-agent", "value": "Mozilla/5.0 (X11; Linux x86_64) Chrome/120"},
                                        {"name": "accept", "value": "*/*"},
                                        {"name": "cookie", "value": f"sid={i:08x}; pref=1"},
                                        {"name": "sec-fetch-dest", "value": "script" if i % 2 else "image"},
                                        {"name": "referer", "value": "https://www.example-portal.dk/"}],
                            "queryString": [{"name": "uid", "value": str(i)}, {"name": "x", "value": "y"}],
                            "cookies": [], "headersSize": -1, "bodySize": 0},
                "response": {"status": 200, "statusText": "OK", "httpVersion": "h2",
                             "headers": [{"name": "content-type", "value": "application/javascript"},
                                         {"name": "set-cookie", "value": f"id={i}; Max-Age=31536000; Path=/"}],
                             "cookies": [], "content": {"size": 54, "mimeType": "application/javascript",
                                                        "text": "var x = 1; // " + "a" * 40},
                             "redirectURL": "", "headersSize": -1, "bodySize": 54},
                "cache": {}, "timings": {"blocked": -1, "dns": 1, "connect": 2, "send": 0.5, "wait": 8, "receive": 1}}
            out.write(("," if i else "") + json.dumps(entry) + "\n")
        out.write("]}}\n")


def measure(mode: str, har: Path, src: str | None) -> dict:
    env = dict(os.environ)
    if src:
        env["PYTHONPATH"] = src
    done = subprocess.run([sys.executable, "-c", CHILD, mode, str(har)], env=env, capture_output=True, text=True,
                          timeout=7200)
    if done.returncode:
        return {"failed": done.stderr.strip().splitlines()[-1:] or done.returncode}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--baseline-src", help="a src/ folder of another tree (e.g. main's) to measure as well")
    parser.add_argument("--modes", default="read,analyze")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        har = Path(tmp) / "big.har"
        started = time.perf_counter()
        write_har(har, args.entries)
        print(f"HAR: {args.entries} entries, {har.stat().st_size / 1e6:.0f} MB, written in "
              f"{time.perf_counter() - started:.0f} s")
        trees = [("this tree", None)] + ([("baseline", args.baseline_src)] if args.baseline_src else [])
        for mode in args.modes.split(","):
            for name, src in trees:
                print(f"{mode:8s} {name:10s} {json.dumps(measure(mode, har, src))}", flush=True)


if __name__ == "__main__":
    main()
