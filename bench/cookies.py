"""Per-flow cost of a flow with many cookies: observe + wire signals + every detector, as the recorder runs them.

One third-party flow carries N cookies in its Cookie header and N Set-Cookie headers (random 24-hex values; with
``--sent-only`` the request's cookies only, like the request that froze the proxy in issue 12); the
session has already seen its site and 200 third-party scripts. Prints the best of ``--repeat`` timeit runs per N.
``--uncapped`` lifts observe.cookies.MAX_COOKIES to N (and MAX_COOKIE_BYTES), to show that the cost is linear in
the cookies kept.

Run: .venv/bin/python bench/cookies.py [--uncapped] [N ...]     (defaults: 1000 8000 20000)
Against another checkout: PYTHONPATH=/path/to/checkout/src .venv/bin/python bench/cookies.py
"""

from __future__ import annotations

import argparse
import secrets
import sys
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from conftest import make_flow  # noqa: E402

import tredjepart  # noqa: E402
from tredjepart.detect import Detectors  # noqa: E402
from tredjepart.detect.state import ScriptSeen  # noqa: E402
from tredjepart.observe import observe  # noqa: E402
from tredjepart.observe.signals import wire_signals  # noqa: E402

KEY = b"k" * 32


def flow_with(n: int, sent_only: bool = False):
    cookie = "; ".join(f"c{i}={secrets.token_hex(12)}" for i in range(n))
    sets = [] if sent_only else [("Set-Cookie", f"s{i}={secrets.token_hex(12)}; Max-Age=99999999") for i in range(n)]
    return make_flow("https://collect.tracker.example/p", req_headers={"Cookie": cookie}, resp_headers=sets,
                     timestamp=1_700_000_100.0)


def record(f) -> int:
    obs = observe(f, "s", KEY)
    obs.flow.party = "third"
    for c in obs.cookies:
        c.party = "third"
    detectors = Detectors()
    state = detectors.state("s")
    state.sites_seen.add(obs.flow.site)
    state.third_party_scripts.extend(ScriptSeen(f"f{i}", f"https://cdn{i}.example/s.js", f"cdn{i}.example",
                                                1_700_000_000.0 + i / 10) for i in range(200))
    detectors.on_flow(obs, wire_signals(f, KEY, obs))
    return len(obs.cookies)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sizes", nargs="*", type=int, default=[1000, 8000, 20000])
    ap.add_argument("--uncapped", action="store_true", help="read every cookie (MAX_COOKIES lifted to N)")
    ap.add_argument("--sent-only", action="store_true", help="cookies in the request only, no Set-Cookie")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    print(f"tredjepart from {Path(tredjepart.__file__).parent}")
    record(flow_with(10))  # warm caches and imports
    for n in args.sizes:
        if args.uncapped:
            from tredjepart.observe import cookies

            for fn in ("sent_cookies", "set_cookies"):
                if hasattr(cookies, fn):
                    getattr(cookies, fn).__defaults__ = (n,)
            cookies.MAX_COOKIE_BYTES = 1 << 30
        f = flow_with(n, args.sent_only)
        best = min(timeit.repeat(lambda: record(f), number=1, repeat=args.repeat))
        print(f"{n:>6} cookies sent + {0 if args.sent_only else n:>6} set: {best:8.3f} s per flow "
              f"({record(f)} cookie records)")


if __name__ == "__main__":
    main()
