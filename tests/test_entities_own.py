"""Evidence that a host under another registrable domain is the first party's own (own.py), and certificates
as owner evidence for hosts the data does not know (certowner.py): positives, and the negatives that matter
(a CDN's shared certificate, a DV certificate, a short first-party name, a host the data gives to someone else)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import need_shared
from tredjepart.entities import builtin_entities
from tredjepart.entities.certowner import owner_from_certificate, shared_certificate
from tredjepart.entities.certs import CertFacts, cert_from_har, cert_from_mitmproxy
from tredjepart.entities.own import (
    from_certificate,
    from_cname,
    from_declared,
    from_name,
    from_owner,
    own_evidence,
)


@pytest.fixture(scope="module")
def data():
    return builtin_entities()


def cert(cn, names, org=None, issuer="Some CA"):
    return CertFacts(cn, org, tuple(names), issuer)


# A multi-tenant certificate: two thousand unrelated customers' names on one certificate, no organisation.
CDN_TENANTS = cert("tenant0.example", [f"*.customer{i}-shop.com" for i in range(2000)]
                   + ["www.aftonbladet.se", "img.unrelated-cdn.se"])


# --- own.py ---------------------------------------------------------------------------------------------------


def test_declared_sites():
    found = from_declared("img.portal-cdn.dk", "portal.dk", ["portal.dk", "portal-cdn.dk"])
    assert (found.kind, found.confidence, found.verdict) == ("declared", "high", "probably own")
    assert "portal-cdn.dk" in found.evidence
    assert from_declared("img.other.dk", "portal.dk", ["portal.dk"]) is None


@pytest.mark.parametrize(("host", "first", "kind"), [
    ("img.aftonbladet-cdn.se", "aftonbladet.se", "extends"),
    ("static.aftonbladetcdn.com", "aftonbladet.se", "extends"),
    ("www.aftonbladet.no", "aftonbladet.se", "suffix"),
    ("cdn.expressen-static.se", "expressen.se", "extends"),
    ("www.svtstatic.se", "svt.se", "asset"),  # a three-letter name with an asset word
    ("ichef.bbc-img.co.uk", "bbc.co.uk", "asset"),
    ("edition.cnn.io", "cnn.com", "suffix"),
])
def test_name_evidence(host, first, kind):
    found = from_name(host, first)
    assert (found.kind, found.confidence) == ("name", "low")
    assert ("another suffix" in found.evidence) == (kind == "suffix")


@pytest.mark.parametrize(("host", "first"), [
    ("www.drtv.dk", "dr.dk"),  # two letters: too short to extend at all
    ("www.drcdn.dk", "dr.dk"),
    ("www.dr.com", "dr.dk"),
    ("www.svtplay.se", "svt.se"),  # three letters: only another suffix or an asset word
    ("www.bbcgoodfood.com", "bbc.co.uk"),
    ("www.abcstaticx.com", "abc.es"),
    ("www.aftonbladet.se", "aftonbladet.se"),  # the same site is not "another domain"
    ("cdn.unrelated.se", "aftonbladet.se"),
    ("localhost", "aftonbladet.se"),
])
def test_no_name_evidence(host, first):
    assert from_name(host, first) is None


def test_certificate_names_both_sites():
    shown = cert("www.aftonbladet.se", ["aftonbladet.se", "*.aftonbladet.se", "*.aftonbladet-cdn.se"])
    found = from_certificate("img.aftonbladet-cdn.se", "aftonbladet.se", shown)
    assert (found.kind, found.confidence) == ("certificate", "medium")
    assert "2 sites in all" in found.evidence
    # the first party's own certificate may be the one that names the host
    found = from_certificate("img.aftonbladet-cdn.se", "aftonbladet.se", None, first_cert=shown)
    assert found.confidence == "medium" and found.evidence.startswith("aftonbladet.se's certificate")
    dv = cert("img.aftonbladet-cdn.se", ["img.aftonbladet-cdn.se"])
    found = from_certificate("img.aftonbladet-cdn.se", "aftonbladet.se", dv, first_cert=shown)
    assert found.confidence == "medium" and found.evidence.startswith("aftonbladet.se's certificate")


def test_certificates_issued_to_one_organisation():
    first = cert("www.example-portal.dk", ["www.example-portal.dk"], org="Example Portal A/S")
    host = cert("cdn.portalstatic.net", ["cdn.portalstatic.net"], org="EXAMPLE PORTAL A/S")
    found = from_certificate("cdn.portalstatic.net", "example-portal.dk", host, first)
    assert (found.confidence, found.kind) == ("high", "certificate")
    other = cert("cdn.portalstatic.net", ["cdn.portalstatic.net"], org="Another Company ApS")
    assert from_certificate("cdn.portalstatic.net", "example-portal.dk", other, first) is None


def test_dv_certificates_without_shared_names_are_no_evidence():
    first = cert("www.example-portal.dk", ["www.example-portal.dk"])
    host = cert("cdn.portalstatic.net", ["cdn.portalstatic.net"])
    assert from_certificate("cdn.portalstatic.net", "example-portal.dk", host, first) is None


def test_a_cdn_certificate_of_thousands_of_customers_makes_no_two_hosts_one_owner(data):
    assert shared_certificate(CDN_TENANTS)
    assert from_certificate("img.unrelated-cdn.se", "aftonbladet.se", CDN_TENANTS, entities=data) is None
    assert own_evidence("img.unrelated-cdn.se", "aftonbladet.se", cert=CDN_TENANTS, entities=data) is None
    assert own_evidence("www.customer7-shop.com", "customer8-shop.com", cert=CDN_TENANTS, entities=data) is None


def test_a_cdn_certificate_in_the_cdns_own_name(data):
    """Cloudflare issues certificates in its own name for its customers' sites (the shared mitmproxy capture
    has one for vskills.in): they tie a customer to neither Cloudflare nor another customer."""
    path = need_shared("mitmproxy-flows", "flows__diff_data.mitm")
    from mitmproxy import http

    from tredjepart.record.capture import read_capture

    certs = {f.request.pretty_host: cert_from_mitmproxy(f.server_conn.certificate_list[0])
             for f in read_capture(path) if isinstance(f, http.HTTPFlow) and f.server_conn.certificate_list}
    cloudflare = certs["www.vskills.in"]
    assert cloudflare.organization == "Cloudflare, Inc." and cloudflare.common_name == "sni.cloudflaressl.com"
    assert shared_certificate(cloudflare, data)
    assert owner_from_certificate("www.vskills.in", cloudflare, data) is None
    assert own_evidence("www.vskills.in", "other-customer.com", cert=cloudflare, entities=data) is None
    # Google's own certificates: DV, many of Google's sites, one owner
    doubleclick = certs["s0.2mdn.net"]
    assert doubleclick.organization is None and not shared_certificate(doubleclick, data)
    found = owner_from_certificate("x.cc-dt.com", doubleclick, data)
    assert (found.entity.name, found.confidence) == ("Google LLC", "low")
    google = certs["clients4.google.com"]
    assert len(google.names) > 100 and not shared_certificate(google, data)
    assert owner_from_certificate("www.bdn.dev", google, data).entity.name == "Google LLC"


def test_cname_into_the_first_party():
    found = from_cname("metrics.portal-cdn.dk", "portal.dk", "edge.portal.dk.")
    assert (found.kind, found.confidence) == ("cname", "medium")
    assert from_cname("metrics.portal-cdn.dk", "portal.dk", "portal.dk.cdn.cloudflare.net") is None
    assert from_cname("metrics.portal-cdn.dk", "portal.dk", None) is None


def test_same_owner_in_the_data(data):
    found = from_owner("static01.nyt.com", "nytimes.com", data)
    assert (found.kind, found.confidence) == ("same-owner", "high")
    group = from_owner("www.youtube.com", "google.com", data)
    assert group.confidence == "medium" and "one group" in group.evidence
    assert from_owner("ad.doubleclick.net", "nytimes.com", data) is None


def test_two_owners_named_in_another_script_are_not_one_owner():
    from tredjepart.entities import Entities
    from tredjepart.entities.builtin import parse_own_format

    layer = parse_own_format({"entities": [
        {"name": "株式会社プレイド", "domains": ["karte.example"]},
        {"name": "株式会社ライブドア", "domains": ["livedoor.example"]},
        {"name": "ООО Пример", "domains": ["primer.example"]}]}, "test")
    entities = Entities([layer])
    assert from_owner("cdn.karte.example", "livedoor.example", entities) is None
    assert from_owner("cdn.primer.example", "livedoor.example", entities) is None
    assert entities.get("株式会社ライブドア").name == "株式会社ライブドア"


def test_data_saying_someone_else_beats_a_name(data):
    """``doubleclick-cdn.example``'s site extends nothing here, but a host the data gives to another owner gets no
    name or certificate evidence, however its name looks."""
    shown = cert("www.doubleclick.dk", ["www.doubleclick.dk", "ad.doubleclick.net"])
    assert own_evidence("ad.doubleclick.net", "doubleclick.dk", cert=shown, entities=data) is None
    assert own_evidence("ad.doubleclick.net", "doubleclick.dk", cert=shown) is not None  # without the data


def test_strongest_evidence_wins(data):
    shown = cert("www.nordavisen.dk", ["www.nordavisen.dk", "img.nordavisen-cdn.dk"], org="Nordavisen A/S")
    found = own_evidence("img.nordavisen-cdn.dk", "nordavisen.dk", cert=shown, entities=data,
                         canonical="edge.nordavisen.dk")
    assert found.confidence == "medium" and found.kind in ("certificate", "cname")
    # where the data names one owner for both sites, that beats the certificate
    found = own_evidence("img.aftonbladet-cdn.se", "aftonbladet.se", cert=shown, entities=data)
    assert (found.kind, found.confidence) == ("same-owner", "high")
    assert own_evidence("img.aftonbladet-cdn.se", "aftonbladet.se", declared=["aftonbladet-cdn.se"]).kind == "declared"
    assert own_evidence("img.aftonbladet-cdn.se", "aftonbladet.se").kind == "name"
    assert own_evidence("x.aftonbladet.se", "aftonbladet.se") is None  # same site
    assert own_evidence("", "aftonbladet.se") is None


# --- certowner.py ---------------------------------------------------------------------------------------------


def test_organisation_of_a_known_owner(data):
    ov = cert("assets.siteimprove-cdn.example", ["assets.siteimprove-cdn.example"], org="Siteimprove A/S")
    found = owner_from_certificate("assets.siteimprove-cdn.example", ov, data)
    assert (found.entity.name, found.confidence) == ("Siteimprove A/S", "medium")
    assert "organisation-validated" in found.evidence


def test_a_cdns_name_on_a_customers_certificate_names_no_owner(data):
    """Even where the data does not know the CDN's own host names (``sni.cloudflaressl.com``), a certificate
    issued to a company that is above all a CDN or host does not make the customer's host that company's."""
    customer = cert("shop.unknown-customer.example", ["shop.unknown-customer.example"], org="Cloudflare, Inc.")
    assert owner_from_certificate("shop.unknown-customer.example", customer, data) is None
    akamai = cert("www.unknown-customer.example", ["www.unknown-customer.example"], org="Akamai Technologies, Inc.")
    assert owner_from_certificate("www.unknown-customer.example", akamai, data) is None
    microsoft = cert("x.unknown-msft.example", ["x.unknown-msft.example"], org="Microsoft Corporation")
    assert owner_from_certificate("x.unknown-msft.example", microsoft, data).entity.name == "Microsoft Corporation"


def test_no_owner_from_a_dv_certificate_of_unknown_sites(data):
    dv = cert("cdn.unknown-vendor.example", ["cdn.unknown-vendor.example", "unknown-vendor.example"])
    assert owner_from_certificate("cdn.unknown-vendor.example", dv, data) is None


def test_no_owner_when_the_certificate_does_not_cover_the_host(data):
    ov = cert("other.example", ["other.example"], org="Siteimprove A/S")
    assert owner_from_certificate("cdn.unknown-vendor.example", ov, data) is None


def test_a_few_known_names_among_many_unknown_are_no_evidence(data):
    mixed = cert("a.example", ["www.doubleclick.net"] + [f"www.shop{i}.example" for i in range(30)])
    assert owner_from_certificate("www.shop3.example", mixed, data) is None


def test_known_names_of_two_unrelated_owners_make_a_shared_certificate(data):
    two = cert("a.example", ["ad.doubleclick.net", "cdn.taboola.com", "x.unknown.example"])
    assert shared_certificate(two, data)
    assert owner_from_certificate("x.unknown.example", two, data) is None


_label = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=12)
_host = st.one_of(
    st.builds(lambda labels: ".".join(labels), st.lists(_label, min_size=1, max_size=4)).map(lambda h: h + ".com"),
    st.sampled_from(["ad.doubleclick.net", "img.aftonbladet-cdn.se", "192.0.2.1", "[::1]", "localhost", "",
                     "xn--nxasmq6b.com", "a..b", ".", "*.example.com"]),
    st.text(max_size=30),
)


@settings(max_examples=200, deadline=None)
@given(host=_host, first=_host, names=st.lists(st.one_of(_host, st.integers(), st.none()), max_size=12),
       org=st.one_of(st.none(), st.text(max_size=20), st.sampled_from(["Google LLC", "Cloudflare, Inc."])))
def test_evidence_functions_take_any_host_and_certificate(data, host, first, names, org):
    """Hosts come from traffic and certificates from servers: the evidence functions answer or say nothing,
    they never fail, and whatever they answer names a confidence they know."""
    shown = cert_from_har({"subjectName": host, "sanList": names})
    if shown is not None and org:
        shown = CertFacts(shown.common_name, org, shown.names, None, "mitmproxy")
    found = own_evidence(host, first, cert=shown, first_cert=shown, canonical=host, entities=data)
    assert found is None or (found.confidence in ("high", "medium", "low") and found.evidence)
    suggested = owner_from_certificate(host, shown, data)
    assert suggested is None or suggested.confidence in ("medium", "low")
