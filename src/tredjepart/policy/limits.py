"""Limits on a policy file, checked before it is parsed (docs/policy.md, "Limits").

A policy comes from outside like a capture does, and YAML is slow to read in Python: a 200 MB policy took over two
minutes, one with 1.78 million parties did not finish in five minutes at 2.9 GB, and deeply nested YAML ended in a
RecursionError traceback. A real policy is a few kilobytes with tens of parties, so the limits sit far above any
real one and far below what hurts: each gives a clear ``FILE:LINE`` problem instead.

The nesting and the number of nodes are counted on YAML's event stream, which the parser produces without
recursion, before the (recursive) composer builds the node tree.
"""

from __future__ import annotations

import yaml

from tredjepart.policy.nodes import FAST_LOADER

MAX_BYTES = 1 << 20  # 1 MiB: about 8,000 parties written out in full
MAX_DEPTH = 20  # collections inside collections; a policy needs 4
MAX_NODES = 50_000  # scalars, lists and mappings: 1,000 parties with several sites each take about 15,000
MAX_PARTIES = 1_000  # entries in third_parties
LIMITS = "see 'Limits' in docs/policy.md"

_OPEN = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_CLOSE = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


def size_problem(size: int) -> str | None:
    """Why a file of ``size`` bytes is not read as a policy, or None."""
    if size > MAX_BYTES:
        return f"the file is {size:,} bytes; a policy may be at most {MAX_BYTES:,} bytes ({LIMITS})"
    return None


def structure_problem(text: str) -> tuple[int, str] | None:
    """(line, message) where the YAML first nests deeper than MAX_DEPTH or passes MAX_NODES nodes, else None.
    A syntax error is not reported here: the composer reports it, with its line, as before."""
    try:
        return _scan(text, FAST_LOADER)
    except yaml.YAMLError:  # libyaml reads ahead and has limits of its own: count again with PyYAML's parser
        pass
    try:
        return _scan(text, yaml.SafeLoader) if FAST_LOADER is not yaml.SafeLoader else None
    except yaml.YAMLError:
        return None


def _scan(text: str, loader: type) -> tuple[int, str] | None:
    """The first limit the event stream passes; raises yaml.YAMLError on a syntax error."""
    depth = nodes = 0
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, _OPEN):
            depth += 1
            if depth > MAX_DEPTH:
                return _line(event), (f"nested more than {MAX_DEPTH} levels deep (lists and mappings inside "
                                      f"each other); a policy needs 4 ({LIMITS})")
        elif isinstance(event, _CLOSE):
            depth -= 1
        if isinstance(event, yaml.NodeEvent):
            nodes += 1
            if nodes > MAX_NODES:
                return _line(event), f"more than {MAX_NODES:,} values; a policy is far smaller ({LIMITS})"
    return None


def parties_problem(count: int) -> str | None:
    if count > MAX_PARTIES:
        return (f"'third_parties' has {count:,} entries; a policy may declare at most {MAX_PARTIES:,} "
                f"third parties ({LIMITS})")
    return None


def _line(event: yaml.Event) -> int:
    return event.start_mark.line + 1 if event.start_mark else 0
