#!/usr/bin/env python3
"""Measure the built-in owner data over every capture in the shared data (har/, har-variety/, mitmproxy-flows/).

Prints, per capture family, the share of third-party flows attributed (an owner from the built-in data, or
probably the first party's own by the own-domain evidence), the share of third-party sites that DuckDuckGo's
tds.json or Disconnect's entities.json knows that get the same owner from the built-in data alone, the sites by
prevalence, and the unattributed ones; then, host by host and without captures, DuckDuckGo's tracker hosts
weighted by prevalence, its app tracker list and webXray's domain owners. The lists are compared with, never
copied or shipped.

    scripts/coverage-lists.py [SHARED_DATA_DIR] [--show N] [--all-domains] [--data FILE]

``--all-domains`` also compares every domain of the built-in file with the lists, and lists the host lists'
disagreements, to find entries to check.
``--data FILE`` measures another file in tredjepart's format instead of the built-in data (an older version of
it, to compare, or a list of your own).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from tredjepart.record.capture_facts import read_shared
from tredjepart.entities import builtin_entities, load_entities
from tredjepart.entities.coverage import measure
from tredjepart.entities.coverage_hosts import format_host_agreement, measure_host_lists
from tredjepart.entities.coverage_report import (
    LISTS,
    compare_domains,
    format_report,
    format_tds_coverage,
    list_paths,
    load_lists,
    tds_coverage,
)

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("shared", nargs="?", default=str(ROOT.parent / "shared" / "data"),
                        help="the shared data directory (default: ../shared/data)")
    parser.add_argument("--all-domains", action="store_true",
                        help="also compare every domain of the built-in file with the lists")
    parser.add_argument("--show", type=int, default=40, help="how many sites to list in each section")
    parser.add_argument("--data", help="measure this file (tredjepart's format) instead of the built-in data")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    if not any(Path(args.shared, d).is_dir() for d in ("har", "har-variety", "mitmproxy-flows")):
        print(f"{args.shared}: no har/, har-variety/ or mitmproxy-flows/ directory here", file=sys.stderr)
        return 2
    ours = load_entities([args.data], builtin=False) if args.data else builtin_entities()
    lists = load_lists(args.shared)
    result = measure(read_shared(args.shared), ours, lists)
    print(format_report(result, show=args.show))
    tds = next(iter(LISTS))
    if tds in lists:
        print("\n" + format_tds_coverage(tds_coverage(list_paths(args.shared)[tds], ours, lists[tds]), show=10))
    for found in measure_host_lists(args.shared, ours):
        print("\n" + format_host_agreement(found, show=args.show if args.all_domains else 0))
    if args.all_domains:
        for label, theirs in lists.items():
            a = compare_domains(ours, theirs, label)
            print(f"\nbuilt-in domains vs {label}: {a.agreed}/{a.named} agree ({a.agree_rate:.1%})")
            for site, mine, other in a.disagreements[: args.show]:
                print(f"  {site}: ours {mine!r}, theirs {other!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
