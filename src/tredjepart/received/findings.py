"""Findings about what reached a third party: personal data (error) and page addresses that say what the citizen
does or is (warning). Pure functions of a flow's record and what the scanner found in it.

* ``personal-data-to-third-party`` (error): one finding per declared field or pattern per third party (site) per
  session; its subject is ``declared:email`` or ``pattern:cpr``, so the findings store merges repeats into one,
  (a decoder field documented to carry personal data, such as the Meta pixel's ``ud[em]``, counts too, as
  ``decoder:emailAddress``, unless the same kind of data was found by value in the same flow),
  adding the flows as evidence and uniting the forms and places in ``details``. Only "high" and "medium"
  confidence counts (the scanner reports nothing lower: a bare 10-digit number that merely could be a CPR number,
  or a first name or postcode outside a field named for it, is not reported at all).
* ``page-url-to-third-party`` (warning): one per third party per session, when an address or title the party
  received (a decoder's ``viewedPage``/``referer`` field, the Referer header with a path, a URL of the page's site
  in a parameter) names a topic of received/topics.py. ``details["topics"]`` lists the topics, never the address.

Only flows whose ``party`` is "third" give findings: a first party handling the citizen's CPR number is the
service doing its job. The caller sets ``party`` before calling (the recorder does, after judging the flow).
"""

from __future__ import annotations

from collections.abc import Iterable

from tredjepart.records import Finding, FlowRecord
from tredjepart.received.model import Received
from tredjepart.received.vocabulary import PAGE_TYPES, PERSONAL_TYPES, label
from tredjepart.rules import new_finding

_COUNTS = ("high", "medium")


def received_findings(flow: FlowRecord, items: Iterable[Received]) -> list[Finding]:
    """The findings ``items`` (the scanner's output for ``flow``) give; [] unless the flow went to a third party."""
    if flow.party != "third":
        return []
    items = list(items)
    return _personal(flow, items) + _pages(flow, items)


def _personal(flow: FlowRecord, items: list[Received]) -> list[Finding]:
    groups: dict[str, list[Received]] = {}
    for item in items:
        if item.source in ("declared", "pattern") and item.confidence in _COUNTS and item.type not in PAGE_TYPES:
            groups.setdefault(item.subject, []).append(item)
    found_types = {i.type for g in groups.values() for i in g}
    for item in items:
        if item.source == "decoder" and item.type in PERSONAL_TYPES and item.type not in found_types:
            groups.setdefault(f"decoder:{item.type}", []).append(item)
    out = []
    for subject, group in groups.items():
        first = group[0]
        what = {"declared": f"the declared {first.field.replace('_', ' ')}",
                "pattern": f"a {first.label} (recognised by its pattern)",
                "decoder": f"a field that carries a {first.label} ({first.decoder})"}[first.source]
        forms = sorted({i.form for i in group if i.form})
        wheres = sorted({i.where for i in group})
        message = (f"{flow.host} received {what} ({label(first.type)}): {forms[0] if forms else 'as typed'}, "
                   f"in {wheres[0]}" + (f" and {len(wheres) - 1} more place(s)" if len(wheres) > 1 else ""))
        out.append(_finding(flow, "personal-data-to-third-party", message, subject, field=first.field,
                            data_type=first.type, label=label(first.type), label_da=label(first.type, "da"),
                            source=first.source, confidence=_best(i.confidence for i in group),
                            forms=forms, wheres=wheres))
    return out


def _pages(flow: FlowRecord, items: list[Received]) -> list[Finding]:
    pages = [i for i in items if i.type in PAGE_TYPES and i.topics]
    if not pages:
        return []
    topics = list(dict.fromkeys(t for i in pages for t in i.topics))
    wheres = sorted({i.where for i in pages})
    message = (f"{flow.host} received the address or title of a page about {', '.join(topics)} "
               f"(in {', '.join(wheres[:3])})")
    return [_finding(flow, "page-url-to-third-party", message, "page-url", topics=topics, wheres=wheres,
                     data_types=sorted({i.type for i in pages}))]


def _finding(flow: FlowRecord, rule: str, message: str, subject: str, **details) -> Finding:
    details["hosts"] = [flow.host]
    return new_finding(rule, site=flow.site, message=message, subject=subject, evidence=[flow.id],
                       session_id=flow.session_id, when=flow.started, details=details)


def _best(confidences: Iterable[str]) -> str:
    order = {"low": 0, "medium": 1, "high": 2}
    return max(confidences, key=lambda c: order.get(c, 0))
