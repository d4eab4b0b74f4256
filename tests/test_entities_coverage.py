"""How much third-party traffic in the shared HAR files the built-in data attributes, and how far it agrees
with DuckDuckGo's and Disconnect's lists (which are compared with, never shipped)."""

from __future__ import annotations

import pytest

from conftest import SHARED_DATA, need_shared
from tredjepart.entities import builtin_entities
from tredjepart.entities.coverage import format_report, har_files, measure, measure_shared, third_party_flows

FLOW_TARGET = 0.90
AGREEMENT_TARGET = 0.95


@pytest.fixture(scope="module")
def result():
    need_shared("har")
    need_shared("tracker-lists", "ddg__web_v6_extension-tds.json")
    need_shared("tracker-lists", "disconnect__entities.json")
    return measure_shared(SHARED_DATA)


def test_builtin_attributes_most_third_party_flows(result):
    assert result.files >= 4
    assert result.flows > 500
    assert result.flow_rate >= FLOW_TARGET, format_report(result)
    assert result.site_rate >= FLOW_TARGET, format_report(result)


@pytest.mark.parametrize("label", ["DuckDuckGo tds", "Disconnect entities"])
def test_agreement_with_other_lists(result, label):
    agreement = result.agreements[label]
    assert agreement.hosts > 100  # the comparison covers most hosts
    assert agreement.host_rate >= AGREEMENT_TARGET, format_report(result)
    assert agreement.flow_rate >= AGREEMENT_TARGET, format_report(result)


def test_third_party_flows_of_a_small_har(tmp_path):
    har = tmp_path / "page.har"
    har.write_text("""{"log": {"entries": [
        {"request": {"url": "https://www.borger.dk/"}},
        {"request": {"url": "https://borger.dk/style.css"}},
        {"request": {"url": "data:image/png;base64,AAAA"}},
        {"request": {"url": "https://siteimproveanalytics.com/js/x.js"}},
        {"request": {"url": "https://unknown-tracker.example/p"}}
    ]}}""")
    assert third_party_flows(har) == ("borger.dk", ["siteimproveanalytics.com", "unknown-tracker.example"])
    assert har_files(tmp_path) == [har]
    result = measure([har], builtin_entities())
    assert (result.flows, result.attributed_flows, result.sites, result.attributed_sites) == (2, 1, 2, 1)
    assert result.unattributed == {"unknown-tracker.example": 1}
    assert "1/2 (50.0%)" in format_report(result)
