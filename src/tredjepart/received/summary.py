"""What one third party received in one session, summarised for the reports: the ``data_types`` list of the JSON
report and the "What each third party received" sections of the Markdown and HTML reports.

``data_types(entries)`` takes (flow id, Received) pairs of one third party and one session (as the recorder stored
them, or straight from the scanner) and groups them by kind of data and how it was found: one entry per
(type, source, field, decoder), with every place it sat in, every form it took, the best confidence, the page
topics, and the flows (at most ``MAX_FLOWS`` ids listed, all counted). Personal data comes first, then page
addresses, then the rest by type. Plain JSON-ready values; never a value from traffic.
"""

from __future__ import annotations

from collections.abc import Iterable

from tredjepart.received.model import Received
from tredjepart.received.vocabulary import PAGE_TYPES, PERSONAL_TYPES, label

MAX_FLOWS = 50
_RANK = {"low": 0, "medium": 1, "high": 2}


def data_types(entries: Iterable[tuple[str, Received]]) -> list[dict]:
    """The data types one third party received, grouped (see the module docstring)."""
    groups: dict[tuple[str, str, str, str], dict] = {}
    for flow_id, item in entries:
        key = (item.type, item.source, item.field, item.decoder)
        g = groups.get(key)
        if g is None:
            g = groups[key] = {
                "type": item.type, "label": label(item.type), "label_da": label(item.type, "da"),
                "source": item.source, "field": item.field, "decoder": item.decoder, "confidence": item.confidence,
                "where": {}, "forms": {}, "reasons": {}, "topics": {}, "flows": {},
            }
        if _RANK.get(item.confidence, 0) > _RANK.get(g["confidence"], 0):
            g["confidence"] = item.confidence
        g["where"][item.where] = None
        if item.form:
            g["forms"][item.form] = None
        if item.reason:
            g["reasons"][item.reason] = None
        for topic in item.topics:
            g["topics"][topic] = None
        g["flows"][flow_id] = None
    out = []
    for g in groups.values():
        flows = list(g["flows"])
        out.append({**g, "where": sorted(g["where"]), "forms": sorted(g["forms"]), "reasons": list(g["reasons"]),
                    "topics": list(g["topics"]), "flows": flows[:MAX_FLOWS], "flow_count": len(flows)})
    out.sort(key=_order)
    return out


def _order(entry: dict) -> tuple:
    kind = 0 if entry["type"] in PERSONAL_TYPES else 1 if entry["type"] in PAGE_TYPES else 2
    return (kind, -_RANK.get(entry["confidence"], 0), entry["type"], entry["source"], entry["field"],
            entry["decoder"])
