#!/usr/bin/env python3
"""Measure the built-in entity data over the shared HAR files.

Prints the share of third-party sites and flows the built-in data attributes to an owner, and how far it
agrees on the owner with DuckDuckGo's tds.json and Disconnect's entities.json (compared only, never shipped).

    scripts/coverage-lists.py [SHARED_DATA_DIR] [--show N] [--all-domains]

``--all-domains`` also compares every domain of the built-in file with the lists, to find entries to check.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tredjepart.entities import builtin_entities, load_entities
from tredjepart.entities.coverage import compare_domains, default_paths, format_report, measure_shared

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("shared", nargs="?", default=str(ROOT.parent / "shared" / "data"),
                        help="the shared data directory (default: ../shared/data)")
    parser.add_argument("--all-domains", action="store_true",
                        help="also compare every domain of the built-in file with the lists")
    parser.add_argument("--show", type=int, default=30, help="how many unattributed hosts and disagreements to list")
    args = parser.parse_args(argv)
    if not Path(args.shared, "har").is_dir():
        print(f"{args.shared}: no har/ directory here", file=sys.stderr)
        return 2
    result = measure_shared(args.shared)
    print(format_report(result, show=args.show))
    if args.all_domains:
        ours = builtin_entities()
        for label, path in default_paths(args.shared)[1].items():
            a = compare_domains(ours, load_entities([path], builtin=False), label)
            print(f"\nbuilt-in domains vs {label}: {a.agreed_hosts}/{a.hosts} agree ({a.host_rate:.1%}), "
                  f"{len(a.unnamed)} named by domain only")
            for host, mine, theirs in a.disagreements[: args.show]:
                print(f"  {host}: ours {mine!r}, theirs {theirs!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
