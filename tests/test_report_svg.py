"""The SVG graph and timeline: well-formed, escaped, laid out for few and many parties."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from sqlite_utils import Database

from test_report_html import HOSTILE, hostile_db
from tredjepart.report import svg
from tredjepart.report.example import example_owners, build_example
from tredjepart.report.i18n import Catalog
from tredjepart.report.model import SessionReport, ThirdParty, build_report

NS = "{http://www.w3.org/2000/svg}"


def _session(db: Database) -> SessionReport:
    return build_report(db, entities=example_owners()).sessions[0]


def _texts(tree: ET.Element) -> list[str]:
    return ["".join(e.itertext()) for e in tree.iter(f"{NS}text")]


def test_graph_is_wellformed_and_coloured():
    db = Database(memory=True)
    build_example(db)
    s = _session(db)
    tree = ET.fromstring(svg.graph(s, Catalog("da")))
    texts = _texts(tree)
    for p in s.third_parties:
        assert p.site in texts
    assert "Eksempelportalen" in texts
    fills = [c.get("fill") for c in tree.iter(f"{NS}circle")]
    assert fills.count(svg.COLOURS["uncovered"]) >= 2 + 1  # two uncovered parties, plus the legend
    assert svg.COLOURS["background"] in fills
    titles = ["".join(t.itertext()) for t in tree.iter(f"{NS}title")]
    assert any("sporing-demo.com" in t and "intet erklæret grundlag" in t for t in titles)


def test_hostile_text_is_escaped_and_round_trips():
    s = _session(hostile_db())
    t = Catalog("en")
    for picture in (svg.graph(s, t), svg.timeline(s, t)):
        tree = ET.fromstring(picture)  # well-formed XML: nothing broke out of a text node or attribute
        assert not [e for e in tree.iter() if e.tag.split("}")[-1] in ("script", "foreignObject", "image", "a")]
        for e in tree.iter():
            assert not [a for a in e.attrib if a.startswith("on")]
    graph = ET.fromstring(svg.graph(s, t))
    assert svg.clip(HOSTILE["site"], 28) in _texts(graph)  # the label, cut and still text
    assert any(HOSTILE["site"] in "".join(x.itertext()) for x in graph.iter(f"{NS}title"))  # in full as tooltip
    assert any(HOSTILE["step"][:20] in x for x in _texts(ET.fromstring(svg.timeline(s, t))))


def test_timeline_rows_and_steps():
    db = Database(memory=True)
    build_example(db)
    s = _session(db)
    tree = ET.fromstring(svg.timeline(s, Catalog("da")))
    texts = _texts(tree)
    assert texts[0] == "løsningen selv"
    assert "baggrund" in texts
    assert "1. forside" in texts and "5. hjælp: video" in texts
    dashed = [line for line in tree.iter(f"{NS}line") if line.get("stroke-dasharray")]
    assert len(dashed) == len(s.steps)
    marks = [r for r in tree.iter(f"{NS}rect") if r.get("width") == "3"]
    assert 0 < len(marks) <= s.flow_counts["total"]
    red = [r for r in marks if r.get("fill") == svg.COLOURS["uncovered"]]
    assert red  # the uncovered requests


def test_many_parties_rotate_labels_and_empty_session():
    s = SessionReport("s" * 32, "many", "Løsning", None, None, None, "live", None, [], 0.0, 100.0, None)
    s.third_parties = [ThirdParty(f"site-{i:02d}.example", flows=i + 1, first_seen=float(i),
                                  times=[(float(i), i % 2 == 0)]) for i in range(40)]
    tree = ET.fromstring(svg.graph(s, Catalog("en")))
    assert sum(1 for e in tree.iter(f"{NS}text") if e.get("transform", "").startswith("rotate")) == 40
    ET.fromstring(svg.timeline(s, Catalog("en")))
    empty = SessionReport("e" * 32, None, None, None, None, None, "live", None, [], 5.0, None, None)
    assert "No third parties seen." in _texts(ET.fromstring(svg.graph(empty, Catalog("en"))))
    ET.fromstring(svg.timeline(empty, Catalog("en")))


def test_clip():
    assert svg.clip("abcdef", 4) == "abc…"
    assert svg.clip("a\nb", 10) == "a b"
