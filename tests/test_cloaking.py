"""Cloaked trackers: the CNAME resolver (cached, off the caller's thread) and the cloaking verdict."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from tredjepart.detect.cloaking import detect_cloaking, judge_view
from tredjepart.record import dns
from tredjepart.record.dns import CnameResolver
from tredjepart.entities import Entities, Entity, Layer, load_entities
from tredjepart.policy.judge import judge_flow
from tredjepart.policy.model import Policy, ThirdParty
from tredjepart.records import FlowRecord
from tredjepart.sites import site_of


@pytest.fixture(scope="module")
def entities() -> Entities:
    return load_entities()


def flow(host: str, party: str = "first", flow_id: str = "f1") -> FlowRecord:
    return FlowRecord(
        id=flow_id, mitm_id="m" + flow_id, started=1_700_000_000.0, method="GET", url=f"https://{host}/b/ss",
        scheme="https", host=host, port=443, path="/b/ss", query_names=(), site=site_of(host), kind="image",
        client="browser", party=party, session_id="s1",
    )


def cloaking_finding(rec, canonical, entities, first_owner=None):
    found = detect_cloaking(rec, canonical, entities, first_owner)
    return found.finding if found else None


# --- the verdict ----------------------------------------------------------------------------------------------

def test_adobe_alias_is_cloaking(entities):
    found = detect_cloaking(flow("metrics.portal.dk"), "portal.sc.omtrdc.net.", entities)
    assert found is not None
    assert (found.canonical, found.site, found.entity.name) == ("portal.sc.omtrdc.net", "omtrdc.net", "Adobe Inc.")
    f = found.finding
    assert (f.rule, f.severity, f.site, f.host, f.evidence) == (
        "cname-cloaking", "warning", "portal.dk", "metrics.portal.dk", ["f1"])
    assert f.message == ("metrics.portal.dk is a CNAME alias of portal.sc.omtrdc.net (Adobe Inc., US): "
                         "a third party behind a first-party name")
    assert f.details["cname"] == "portal.sc.omtrdc.net"
    assert (f.details["entity"], f.details["country"], f.details["tracker"]) == ("Adobe Inc.", "US", True)


@pytest.mark.parametrize("target,owner", [
    ("portal.eulerian.net", "Eulerian Technologies SAS"),
    ("portal.at-o.net", "Piano Software Inc."),  # not in the entity data's domains: the known-target table
    ("portal.k.keyade.com", "Keyade"),
    ("s1234.t.eloqua.com", "Oracle Corporation"),
    ("go.pardot.com", "Salesforce, Inc."),  # Salesforce also hosts, but pardot.com is a tracker endpoint
    ("portal.dnsdelegation.io", "Criteo SA"),
])
def test_known_tracker_targets(entities, target, owner):
    f = cloaking_finding(flow("t.portal.dk"), target, entities)
    assert f is not None and f.details["entity"] == owner


@pytest.mark.parametrize("target", [
    "portal.dk.cdn.cloudflare.net",   # Cloudflare: hosting, fonts-cdn, security (and analytics)
    "www.portal.dk.edgekey.net",      # Akamai
    "d1234abcd.cloudfront.net",       # AWS
])
def test_cdn_or_hosting_is_not_cloaking(entities, target):
    assert cloaking_finding(flow("www.portal.dk"), target, entities) is None


def test_no_finding_without_a_foreign_known_owner(entities):
    assert cloaking_finding(flow("www.portal.dk"), "portal.dk", entities) is None  # same site
    assert cloaking_finding(flow("www.portal.dk"), "www.portal.dk", entities) is None  # no alias
    assert cloaking_finding(flow("www.portal.dk"), None, entities) is None  # not resolved (yet)
    assert cloaking_finding(flow("m.portal.dk"), "x.unknown-owner-example.net", entities) is None
    assert cloaking_finding(flow("m.portal.dk", party="third"), "a.sc.omtrdc.net", entities) is None
    assert cloaking_finding(flow("m.portal.dk", party="background"), "a.sc.omtrdc.net", entities) is None


def test_the_solution_owner_own_alias_is_not_cloaking(entities):
    assert cloaking_finding(flow("metrics.portal.dk"), "a.sc.omtrdc.net", entities, first_owner="Adobe") is None
    # the host itself belongs to the same owner as the target
    assert cloaking_finding(flow("www.adobe.com"), "a.sc.omtrdc.net", entities) is None


def test_any_other_owner_is_cloaking_when_not_infrastructure():
    video = Entity("Video Platform ApS", country="DK", categories=("video",))
    cdn = Entity("Some CDN", country="DK", categories=("hosting",))
    data = Entities([Layer.build("test", [("videoplatform.example", video), ("somecdn.example", cdn)])])
    f = cloaking_finding(flow("video.portal.dk"), "portal.videoplatform.example", data)
    assert f is not None and f.message.endswith("(Video Platform ApS, DK): a third party behind a first-party name")
    assert f.details["tracker"] is False
    assert cloaking_finding(flow("www.portal.dk"), "portal.somecdn.example", data) is None


def test_judge_view_matches_the_target_against_the_policy(entities):
    rec = flow("metrics.portal.dk")
    cloak = detect_cloaking(rec, "portal.sc.omtrdc.net", entities)
    rec.party, rec.entity = "third", cloak.entity.name
    bare = Policy(path=None, solution="Portal", owner=None, first_party=("portal.dk",))
    view = judge_view(rec, cloak, bare)
    assert (view.host, view.site, view.id) == ("metrics.portal.dk", "omtrdc.net", "f1")
    assert rec.site == "portal.dk"  # the record itself is unchanged
    verdict, findings = judge_flow(view, {"image"}, bare)
    assert verdict.covered is False and [f.rule for f in findings] == ["undeclared-third-party"]
    assert findings[0].site == "omtrdc.net" and "from metrics.portal.dk" in findings[0].message
    assert judge_view(rec, cloak, None).site == "omtrdc.net"

    adobe = ThirdParty(name="Adobe Analytics", sites=("omtrdc.net",), basis="written_agreement")
    declared = Policy(path=None, solution="Portal", owner=None, first_party=("portal.dk",), third_parties=(adobe,))
    view = judge_view(rec, cloak, declared)
    assert (view.host, view.site) == ("portal.sc.omtrdc.net", "omtrdc.net")
    verdict, findings = judge_flow(view, {"image"}, declared)
    assert verdict.covered is True and verdict.party_name == "Adobe Analytics"

    alias = ThirdParty(name="Adobe via alias", sites=("metrics.portal.dk",), basis="written_agreement")
    by_alias = Policy(path=None, solution="Portal", owner=None, first_party=("portal.dk",), third_parties=(alias,))
    view = judge_view(rec, cloak, by_alias)
    assert view.host == "metrics.portal.dk"
    assert judge_flow(view, {"image"}, by_alias)[0].party_name == "Adobe via alias"
    rec.site = cloak.site  # as the recorder attributes it: nothing left to change
    assert judge_view(rec, cloak, by_alias) is rec


# --- the resolver ---------------------------------------------------------------------------------------------

class Counting:
    def __init__(self, answers: dict[str, str | None] | None = None) -> None:
        self.answers = answers or {}
        self.calls: list[str] = []

    def __call__(self, host: str) -> str | None:
        self.calls.append(host)
        answer = self.answers.get(host)
        if isinstance(answer, Exception):
            raise answer
        return answer


def test_resolves_each_host_once():
    fake = Counting({"metrics.portal.dk": "portal.sc.omtrdc.net."})
    resolver = CnameResolver(fake)
    try:
        assert resolver.wait("Metrics.Portal.dk", 5) == "portal.sc.omtrdc.net"
        for _ in range(5):
            assert resolver.canonical("metrics.portal.dk") == "portal.sc.omtrdc.net"
        resolver.submit("metrics.portal.dk")
        assert resolver.wait("metrics.portal.dk", 5) == "portal.sc.omtrdc.net"
        assert fake.calls == ["metrics.portal.dk"]
    finally:
        resolver.close()


def test_canonical_never_blocks():
    release = threading.Event()

    def slow(host: str) -> str:
        release.wait(5)
        return "portal.sc.omtrdc.net"

    resolver = CnameResolver(slow)
    try:
        start = time.monotonic()
        assert resolver.canonical("metrics.portal.dk") is None
        assert resolver.canonical("metrics.portal.dk") is None  # still under way: not submitted twice
        assert time.monotonic() - start < 0.5
        assert "metrics.portal.dk" not in resolver
        release.set()
        assert resolver.wait("metrics.portal.dk", 5) == "portal.sc.omtrdc.net"
        assert resolver.canonical("metrics.portal.dk") == "portal.sc.omtrdc.net"
    finally:
        release.set()
        resolver.close()


def test_errors_are_cached_as_none():
    fake = Counting({"gone.portal.dk": socket.gaierror(-2, "Name or service not known"),
                     "slow.portal.dk": TimeoutError("timed out")})
    resolver = CnameResolver(fake)
    try:
        assert resolver.wait("gone.portal.dk", 5) is None
        assert resolver.wait("slow.portal.dk", 5) is None
        assert "gone.portal.dk" in resolver and resolver.canonical("gone.portal.dk") is None
        resolver.canonical("gone.portal.dk")
        assert sorted(fake.calls) == ["gone.portal.dk", "slow.portal.dk"]
    finally:
        resolver.close()


def test_a_host_that_is_no_alias_is_none():
    resolver = CnameResolver(Counting({"www.portal.dk": "WWW.portal.dk."}))
    try:
        assert resolver.wait("www.portal.dk", 5) is None and "www.portal.dk" in resolver
    finally:
        resolver.close()


def test_ip_addresses_are_not_resolved():
    fake = Counting()
    resolver = CnameResolver(fake)
    try:
        assert resolver.canonical("192.0.2.1") is None and "192.0.2.1" in resolver
        assert resolver.wait("[2001:db8::1]", 1) is None
        assert fake.calls == []
    finally:
        resolver.close()


def test_cache_is_bounded_oldest_out():
    fake = Counting()
    resolver = CnameResolver(fake, max_hosts=3)
    try:
        for i in range(5):
            resolver.wait(f"h{i}.portal.dk", 5)
        assert len(resolver) == 3
        assert "h0.portal.dk" not in resolver and "h4.portal.dk" in resolver
        resolver.wait("h0.portal.dk", 5)  # forgotten, so resolved again
        assert fake.calls.count("h0.portal.dk") == 2
    finally:
        resolver.close()


def test_closed_resolver_answers_from_cache_only():
    fake = Counting({"a.portal.dk": "a.eulerian.net"})
    resolver = CnameResolver(fake)
    resolver.wait("a.portal.dk", 5)
    resolver.close()
    assert resolver.canonical("a.portal.dk") == "a.eulerian.net"
    assert resolver.canonical("b.portal.dk") is None and resolver.wait("b.portal.dk", 1) is None
    assert fake.calls == ["a.portal.dk"]


def test_system_canonical_reads_getaddrinfo(monkeypatch):
    def fake_getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
        assert flags & socket.AI_CANONNAME
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "portal.sc.omtrdc.net", ("192.0.2.7", 0)),
                (socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("2001:db8::7", 0, 0, 0))]

    monkeypatch.setattr(dns.socket, "getaddrinfo", fake_getaddrinfo)
    assert dns.system_canonical("metrics.portal.dk") == "portal.sc.omtrdc.net"
