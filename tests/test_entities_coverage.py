"""How far the built-in owner data holds on every capture of the shared data, and the measurement itself:
reading captures mitmproxy cannot read, the first party, own-domain evidence, agreement with the tracker lists
(compared with, never shipped)."""

from __future__ import annotations

import gzip
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import SHARED_DATA, need_shared
from tredjepart.record.capture import CaptureError
from tredjepart.record.capture_facts import capture_files, read_facts, read_shared
from tredjepart.entities import builtin_entities, load_entities
from tredjepart.entities.certs import CertFacts
from tredjepart.entities.coverage import ALL, EITHER, CaptureFacts, SeenFlow, measure
from tredjepart.entities.coverage_report import format_report, format_tds_coverage, load_lists, tds_coverage

# Floors just under the figures measured on ../shared/data (docs/entities.md has the figures themselves): the
# data may only get better. The goal for sites is 97%; the captures' remaining unknown sites are mostly ad-tech
# of 2013-2018 whose owners no primary source we could find names (docs/entities.md lists them).
FLOWS_FLOOR = {"all": 0.955, "har": 0.99, "har-variety": 0.94}
SITES_FLOOR = {"DuckDuckGo tds": 0.95, "Disconnect entities": 0.89, EITHER: 0.925}
TDS_WEIGHTED_FLOOR = 0.56


@pytest.fixture(scope="module")
def shared():
    need_shared("har")
    need_shared("har-variety")
    need_shared("tracker-lists", "ddg__web_v6_extension-tds.json")
    need_shared("tracker-lists", "disconnect__entities.json")
    captures = read_shared(SHARED_DATA)
    return captures, measure(captures, builtin_entities(), load_lists(SHARED_DATA))


def test_every_capture_is_read(shared):
    captures, result = shared
    assert len(captures) == len(capture_files(SHARED_DATA)) >= 60
    assert {c.reader for c in captures} == {"tredjepart", "har-json", "tnetstring"}
    gz = next(c for c in captures if c.name.endswith(".har.gz"))
    assert gz.first_site == "wikipedia.org" and len(gz.flows) > 500
    lemonde = next(c for c in captures if c.name == "Lookyloo__har2tree__lemonde.har")
    assert lemonde.reader == "tredjepart" and lemonde.problem is None  # mitmproxy's reader could not read it
    lalibre = next(c for c in captures if c.name == "Lookyloo__har2tree__lalibre_001.har")
    assert lalibre.reader == "har-json" and "1 entries the analysis skips" in lalibre.problem


def test_flows_attributed_on_every_family(shared):
    _, result = shared
    total = result.total
    assert total.flows > 3000
    assert total.rate >= FLOWS_FLOOR["all"], format_report(result)
    for family in ("har", "har-variety"):
        assert result.flows[family].rate >= FLOWS_FLOOR[family], (family, format_report(result))


@pytest.mark.parametrize("label", ["DuckDuckGo tds", "Disconnect entities", EITHER])
def test_sites_a_tracker_list_knows_get_the_right_owner(shared, label):
    _, result = shared
    agreement = result.lists[label][ALL]
    assert agreement.known > 150
    assert agreement.right_rate >= SITES_FLOOR[label], format_report(result)


def test_duckduckgo_tracker_hosts_by_prevalence():
    """Independent of the captures: DuckDuckGo's own tracker hosts, weighted by the share of sites they are on."""
    path = need_shared("tracker-lists", "ddg__web_v6_extension-tds.json")
    found = tds_coverage(path, builtin_entities(), load_entities([path], builtin=False))
    assert found.hosts > 2000
    assert found.agreed_weight / found.weight >= TDS_WEIGHTED_FLOOR, format_tds_coverage(found)


def test_tds_coverage_counts_and_weighs(tmp_path):
    path = tmp_path / "tds.json"
    path.write_text(json.dumps({"entities": {"Google LLC": {"domains": ["doubleclick.net"]}},
                                "domains": {"doubleclick.net": "Google LLC", "x.example": "X Corp"},
                                "trackers": {"doubleclick.net": {"owner": {"name": "Google LLC"}, "prevalence": 3},
                                             "x.example": {"owner": {"name": "X Corp"}, "prevalence": 1},
                                             "taboola.com": {"owner": {"name": "Wrong"}, "prevalence": "bad"},
                                             "none.example": {"prevalence": 5}}}))
    found = tds_coverage(path, builtin_entities(), load_entities([path], builtin=False))
    assert (found.hosts, found.named, found.agreed, found.weight, found.agreed_weight) == (3, 2, 1, 4.0, 3.0)
    assert "1/3 (33.3%) of hosts, 75.0% weighted by prevalence" in format_tds_coverage(found)
    assert found.missing == {"X Corp": 1.0, "Wrong": 0.0} and found.unnamed == 0


def test_tds_coverage_leaves_out_hosts_the_list_names_nobody_for(tmp_path):
    """A host whose "owner" in the list is only its own domain names nobody: not counted, as in the site measure;
    what is left is shown by the list's owner, heaviest first."""
    path = tmp_path / "tds.json"
    path.write_text(json.dumps({"entities": {"Google LLC": {"domains": ["doubleclick.net"]},
                                             "selfnamed.example": {"domains": ["selfnamed.example"]},
                                             "Rotating Domains Inc.": {"domains": ["a-r.example", "b-r.example"]}},
                                "domains": {"doubleclick.net": "Google LLC", "selfnamed.example": "selfnamed.example",
                                            "a-r.example": "Rotating Domains Inc.",
                                            "b-r.example": "Rotating Domains Inc."},
                                "trackers": {"doubleclick.net": {"owner": {"name": "Google LLC"}, "prevalence": 2},
                                             "selfnamed.example": {"owner": {"name": "selfnamed.example"},
                                                                   "prevalence": 9},
                                             "a-r.example": {"prevalence": 1}, "b-r.example": {"prevalence": 1}}}))
    found = tds_coverage(path, builtin_entities(), load_entities([path], builtin=False))
    assert (found.hosts, found.unnamed, found.weight, found.agreed_weight) == (3, 1, 4.0, 2.0)
    assert found.missing_hosts == {"Rotating Domains Inc.": 2}
    text = format_tds_coverage(found, show=5)
    assert "50.0% weighted by prevalence" in text and "1 hosts whose owner the list gives only as the domain" in text
    assert "50.0%     2 hosts  Rotating Domains Inc." in text


def test_report_sections(shared):
    _, result = shared
    text = format_report(result, show=5)
    for section in ("third-party flows attributed", "right owner", "by prevalence", "unattributed third-party sites",
                    "read without the analysis reader"):
        assert section in text
    assert text.index("google.com") < text.index("unattributed")  # the most prevalent site comes first


# --- the measurement on small captures made here ------------------------------------------------------------


def _list(tmp_path, name: str, owners: dict[str, list[str]]):
    path = tmp_path / name
    path.write_text(json.dumps({"entities": {o: {"properties": d, "resources": []} for o, d in owners.items()}}))
    return load_entities([path], builtin=False)


def test_measure_small_captures(tmp_path):
    ours = builtin_entities()
    theirs = _list(tmp_path, "list.json", {"Google": ["doubleclick.net"], "Wrong Owner": ["taboola.com"],
                                           "Unknown Vendor": ["unknown-vendor.example"]})
    shown = CertFacts("www.nordavisen.dk", None, ("nordavisen.dk", "*.nordavisen.dk", "*.nordavisen-cdn.dk"))
    capture = CaptureFacts("one.har", "har", "www.nordavisen.dk", [
        SeenFlow("www.nordavisen.dk"),
        SeenFlow("static.nordavisen.dk"),
        SeenFlow("ad.doubleclick.net"),
        SeenFlow("ad.doubleclick.net"),
        SeenFlow("cdn.taboola.com"),
        SeenFlow("img.nordavisen-cdn.dk", shown),
        SeenFlow("x.unknown-vendor.example"),
    ])
    result = measure([capture], ours, {"list": theirs})
    count = result.flows["har"]
    assert (count.captures, count.flows, count.by_data, count.by_own) == (1, 5, 3, 1)
    assert result.sites["nordavisen-cdn.dk"].own.kind == "certificate"
    assert not result.sites["unknown-vendor.example"].attributed
    agreement = result.lists["list"][ALL]
    assert (agreement.known, agreement.named, agreement.agreed) == (3, 2, 1)
    assert agreement.missing == ["unknown-vendor.example"]
    assert agreement.disagreements == [("taboola.com", "Taboola.com Ltd.", "Wrong Owner")]
    assert [s.site for s in result.by_prevalence()][:1] == ["doubleclick.net"]  # most flows among equals


def test_first_party_is_the_first_document_shown(tmp_path):
    har = {"log": {"entries": [
        {"request": {"url": "https://redirector.example/go"}, "response": {"status": 302,
                                                                             "content": {"mimeType": "text/html"}}},
        {"request": {"url": "https://cdn.example-portal.dk/app.js"}, "response": {"status": 200, "content": {}}},
        {"request": {"url": "https://www.example-portal.dk/"}, "response": {"status": 200,
                                                                            "content": {"mimeType": "text/html"}}},
        {"request": {"url": "data:image/png;base64,AA"}, "response": {"status": 200, "content": {}}},
    ]}}
    (tmp_path / "p.har.gz").write_bytes(gzip.compress(json.dumps(har).encode()))
    facts = read_facts(tmp_path / "p.har.gz", "test")
    assert (facts.first_site, [f.host for f in facts.flows], facts.reader) == (
        "example-portal.dk", ["redirector.example", "cdn.example-portal.dk", "www.example-portal.dk"], "har-json")
    (tmp_path / "harp.har").write_text("\ufeffonInputData(" + json.dumps(har) + ");")
    assert read_facts(tmp_path / "harp.har").first_site == "example-portal.dk"


def test_har_security_details_reach_the_flows(tmp_path):
    entry = {"request": {"url": "https://img.example-cdn.dk/a.png"}, "response": {"status": 200, "content": {}},
             "_securityDetails": {"subjectName": "example.dk", "sanList": ["example.dk", "*.example-cdn.dk"],
                                  "issuer": "Some DV CA"}}
    (tmp_path / "c.har").write_text(json.dumps({"log": {"entries": [entry]}}))
    flow = read_facts(tmp_path / "c.har").flows[0]
    assert flow.cert == CertFacts("example.dk", None, ("example.dk", "*.example-cdn.dk"), "Some DV CA", "har")


def test_unreadable_capture_is_a_clear_error(tmp_path):
    (tmp_path / "broken.har").write_text('{"log": {"entries": [')
    with pytest.raises(CaptureError, match=r"broken\.har: line 1 column \d+: not valid JSON"):
        read_facts(tmp_path / "broken.har")
    (tmp_path / "other.har").write_text('{"hello": 1}')
    with pytest.raises(CaptureError, match=r"other\.har: JSON but not a HAR file"):
        read_facts(tmp_path / "other.har")


_json = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=30),
                     lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
                     max_leaves=20)
_entry = st.fixed_dictionaries({"request": st.one_of(_json, st.fixed_dictionaries({"url": st.one_of(
    _json, st.text(max_size=60), st.sampled_from(["https://a.example/", "http://[::1]:80/", "https://xn--/"]))})),
}, optional={"response": _json, "_securityDetails": _json, "_resourceType": _json})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(entries=st.lists(_entry, max_size=6))
def test_hostile_har_entries_never_crash_the_reader(tmp_path, entries):
    path = tmp_path / "hostile.har"
    path.write_text(json.dumps({"log": {"entries": entries}}))
    try:
        facts = read_facts(path)
    except CaptureError:
        return
    assert all(isinstance(f.host, str) and f.host for f in facts.flows)
    measure([facts], builtin_entities())  # and the measurement takes whatever was read
