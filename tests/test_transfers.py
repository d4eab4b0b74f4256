"""Third-country transfers: one info finding per owner seated outside the EU/EEA."""

from __future__ import annotations

import pytest

from tredjepart.entities import Entity
from tredjepart.record.findings import FindingSet
from tredjepart.records import FlowRecord
from tredjepart.sites import site_of
from tredjepart.detect.transfers import transfer_finding

GOOGLE = Entity("Google LLC", parent="Alphabet Inc.", country="US", categories=("analytics", "advertising"))


def flow(host: str, party: str = "third", flow_id: str = "f1", when: float = 1_700_000_000.0) -> FlowRecord:
    return FlowRecord(
        id=flow_id, mitm_id="m" + flow_id, started=when, method="GET", url=f"https://{host}/x", scheme="https",
        host=host, port=443, path="/x", query_names=(), site=site_of(host), kind="script", client="browser",
        party=party, session_id="s1",
    )


def test_us_owner_gives_an_info_finding():
    f = transfer_finding(flow("www.googletagmanager.com"), GOOGLE)
    assert f is not None
    assert (f.rule, f.severity, f.site, f.host, f.evidence, f.session_id) == (
        "third-country-transfer", "info", "", None, ["f1"], "s1")
    assert f.message == ("Google LLC is seated in US, outside the EU/EEA: check the transfer basis "
                         "(e.g. the EU-US Data Privacy Framework or standard contractual clauses)")
    assert f.details == {"subject": "Google LLC", "country": "US", "sites": ["googletagmanager.com"],
                         "hosts": ["www.googletagmanager.com"], "parent": "Alphabet Inc."}


def test_other_third_countries_name_adequacy_instead():
    f = transfer_finding(flow("cdn.example.co.uk"), Entity("Example Ltd", country="GB"))
    assert f is not None and "adequacy decision" in f.message and f.details["country"] == "GB"


@pytest.mark.parametrize("country", ["DK", "DE", "NO", "IS", "LI", "el", " se "])
def test_eu_eea_owner_gives_none(country):
    assert transfer_finding(flow("x.example.dk"), Entity("Local A/S", country=country)) is None


def test_unknown_owner_or_country_gives_none():
    assert transfer_finding(flow("x.example.com"), None) is None
    assert transfer_finding(flow("x.example.com"), Entity("Nobody Knows Inc.")) is None


def test_only_third_parties():
    assert transfer_finding(flow("www.google.com", party="first"), GOOGLE) is None
    assert transfer_finding(flow("www.google.com", party="background"), GOOGLE) is None


def test_the_owner_own_seat_counts_not_its_parent():
    irish = Entity("Google Ireland Limited", parent="Google LLC", country="IE")
    assert transfer_finding(flow("www.google.dk"), irish) is None


def test_one_finding_per_owner_across_sites():
    fs = FindingSet()
    assert fs.add(transfer_finding(flow("www.googletagmanager.com", flow_id="f1", when=10.0), GOOGLE))
    assert not fs.add(transfer_finding(flow("www.google-analytics.com", flow_id="f2", when=20.0), GOOGLE))
    assert not fs.add(transfer_finding(flow("www.googletagmanager.com", flow_id="f3", when=5.0), GOOGLE))
    assert fs.add(transfer_finding(flow("connect.facebook.net", flow_id="f4"), Entity("Meta Platforms, Inc.",
                                                                                        country="US")))
    merged = fs.findings()
    assert [f.details["subject"] for f in merged] == ["Google LLC", "Meta Platforms, Inc."]
    google = merged[0]
    assert google.details["sites"] == ["googletagmanager.com", "google-analytics.com"]
    assert google.evidence == ["f1", "f2", "f3"] and google.count == 3
    assert (google.first_seen, google.last_seen) == (5.0, 20.0)
