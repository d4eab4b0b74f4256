"""What the FICTIONAL example's third parties received (``example.build_example`` writes it): ``received`` rows
and the findings the recorder makes of them. Not captured traffic, and no value: as the recorder stores them, only
the kind of data, its place, form and how it was found.

The tester declared a test identity (name, CPR number, e-mail). Sporing Demo's pixel gets the page address and
its user ID on the front page; on the application page its ID-sync call gets the SHA-256 of the e-mail and the
Referer of a page about housing benefit. Stats Demo's beacons get the viewed page and the screen width; the video
embed gets the help page in its Referer. The rows and findings go through the recorder's own functions
(received.findings, store.rows), so they are shaped as a real run shapes them.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from types import SimpleNamespace

from sqlite_utils import Database

from tredjepart.received.findings import received_findings
from tredjepart.received.model import Received
from tredjepart.received.vocabulary import label
from tredjepart.records import FlowRecord
from tredjepart.store.rows import finding_row, received_row

IDENTITY_FIELDS = ["name", "cpr", "email"]
REFERER = ("Referer header", "https://www.w3.org/TR/referrer-policy/")
PIXEL = ("Sporing Demo pixel (fictional)", "https://sporing-demo.com/docs/pixel")
STATS = ("Stats Demo collector (fictional)", "https://stats-demo.dk/docs/collect")

# flow URL (example_data.FLOWS) -> (type, place, source, form, field, (decoder, reason), topics)
RECEIVED: dict[str, list[tuple]] = {
    "https://px.sporing-demo.com/p.gif?uid=&ref=": [
        ("userId", "query uid", "decoder", "", "", PIXEL, ()),
        ("viewedPage", "query ref", "decoder", "", "", PIXEL, ()),
        ("referer", "header referer", "decoder", "", "", REFERER, ())],
    "https://sync.sporing-demo.com/match?partner=&uid=": [
        ("emailAddress", "query uid", "declared", "SHA-256 (hex) of e-mail, lower case", "email", ("", ""), ()),
        ("referer", "header referer", "decoder", "", "", REFERER, ("ansøgning", "boligstøtte"))],
    "https://collect.stats-demo.dk/ping?id=": [
        ("viewedPage", "body url", "decoder", "", "", STATS, ()),
        ("screenWidth", "body sw", "decoder", "", "", STATS, ())],
    "https://www.video-demo.dk/api/stats?vid=": [
        ("referer", "header referer", "decoder", "", "", REFERER, ())],
}


def write_received(db: Database, session_id: str, flows: list[dict]) -> None:
    """The example's ``received`` rows and their findings, when the database has the table (a later migration)."""
    if not db.table("received").exists():
        return
    db.execute("update sessions set identity_fields = ? where id = ?", [json.dumps(IDENTITY_FIELDS), session_id])
    rows, findings = [], {}
    names = {f.name for f in dataclasses.fields(FlowRecord)}
    for flow in flows:
        items = [Received(type=t, label=label(t), where=place, source=source, confidence="high", form=form,
                          field=field, decoder=decoder, reason=reason, topics=topics)
                 for t, place, source, form, field, (decoder, reason), topics in RECEIVED.get(flow["url"], ())]
        if not items:
            continue
        rows += [received_row(SimpleNamespace(**flow), item) for item in items]
        record = FlowRecord(**{**{k: v for k, v in flow.items() if k in names},
                               "query_names": tuple(json.loads(flow["query_names"]))})
        for f in received_findings(record, items):
            key = f.key
            if key in findings:  # the findings store merges repeats: here only the first of each is kept
                continue
            findings[key] = finding_row(f, uuid.uuid5(uuid.NAMESPACE_URL, "/".join(
                ("tredjepart-example:" + session_id, "finding", *key))).hex)
    db.table("received").insert_all(rows, replace=True)
    db.table("findings").insert_all(findings.values(), replace=True)
