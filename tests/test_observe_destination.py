"""The host a flow is judged by is its real destination; a Host header naming another host is kept apart."""

from __future__ import annotations

import pytest

from conftest import need_shared
from tredjepart.observe import observe
from tredjepart.observe.destination import authority_host, destination

KEY = b"k" * 32


@pytest.mark.parametrize("request_host, header, sni, expected", [
    # regular proxy mode: the CONNECT target / absolute-form URL is the destination
    ("collect.tracker.com", "www.borger.dk", None, ("collect.tracker.com", "www.borger.dk")),
    ("www.borger.dk", "www.borger.dk", None, ("www.borger.dk", None)),
    ("www.borger.dk", None, None, ("www.borger.dk", None)),
    # HAR and live flows legitimately differ in case, port, trailing dot, IDN spelling: not a different host
    ("www.borger.dk", "WWW.Borger.DK:443", None, ("www.borger.dk", None)),
    ("www.borger.dk", "www.borger.dk.", None, ("www.borger.dk", None)),
    ("xn--bcher-kva.example", "bücher.example", None, ("xn--bcher-kva.example", None)),
    ("::1", "[::1]:8080", None, ("::1", None)),
    # transparent / WireGuard / local mode: an address; the SNI (checked against the certificate) names it
    ("3.33.235.18", "clientstream.launchdarkly.com", "clientstream.launchdarkly.com",
     ("clientstream.launchdarkly.com", None)),
    ("3.33.235.18", "www.borger.dk", "collect.tracker.com", ("collect.tracker.com", "www.borger.dk")),
    # ... and without TLS the Host header is the only name there is
    ("192.0.2.7", "www.borger.dk", None, ("www.borger.dk", None)),
    ("192.0.2.7", None, None, ("192.0.2.7", None)),
    ("192.0.2.7", "198.51.100.1", None, ("192.0.2.7", "198.51.100.1")),
    # reverse proxy with keep_host_header: judged by the upstream, the proxy's own name kept apart
    ("portal.internal.example", "localhost:8080", None, ("portal.internal.example", "localhost")),
    # HAR entries with a relative or broken URL: the Host header names the destination
    ("", "www.svgimages.com", None, ("www.svgimages.com", None)),
    ("fonts.googleapis.com400,700", "fonts.googleapis.com", None, ("fonts.googleapis.com", None)),
])
def test_destination_rule(request_host, header, sni, expected):
    assert destination(request_host, header, sni) == expected


@pytest.mark.parametrize("header, host", [
    ("example.com:443", "example.com"), ("[2001:db8::1]:443", "2001:db8::1"), ("[2001:db8::1", "2001:db8::1"),
    ("2001:db8::1", "2001:db8::1"), ("", None), ("  ", None), ("a:b:c", "a:b:c"), ("host:", "host"),
])
def test_authority_host(header, host):
    assert authority_host(header) == host


def test_spoofed_host_header_does_not_make_a_tracker_first_party(flow_factory):
    f = flow_factory("https://collect.tracker.com/v1/batch", method="POST", req_headers={"User-Agent": "okhttp"})
    f.request.headers["Host"] = "www.borger.dk"  # what an SDK can write (Request.make sets the URL's host)
    assert f.request.pretty_host == "www.borger.dk"  # what was believed before
    rec = observe(f, "s", KEY).flow
    assert (rec.host, rec.site, rec.host_header) == ("collect.tracker.com", "tracker.com", "www.borger.dk")
    assert rec.url == "https://collect.tracker.com/v1/batch"


def test_sni_of_another_connection_is_not_believed(flow_factory):
    f = flow_factory("https://192.0.2.7/x")
    f.request.headers["Host"] = "www.borger.dk"
    f.server_conn.address, f.server_conn.sni = ("198.51.100.9", 443), "collect.tracker.com"
    assert observe(f, "s", KEY).flow.host == "www.borger.dk"
    f.server_conn.address = ("192.0.2.7", 443)
    rec = observe(f, "s", KEY).flow
    assert (rec.host, rec.host_header) == ("collect.tracker.com", "www.borger.dk")


def test_http2_authority_is_the_host_header(flow_factory):
    f = flow_factory("https://collect.tracker.com/e")
    f.request.http_version, f.request.authority = "HTTP/2.0", "www.borger.dk"
    assert observe(f, "s", KEY).flow.host_header == "www.borger.dk"


def test_wireguard_capture_is_named_by_its_sni():
    """A real mitmproxy capture in WireGuard mode: request.host is an address, SNI and :authority name it."""
    from mitmproxy import http, io

    path = need_shared("mitmproxy-flows", "flows__event_stream.mitm")
    with open(path, "rb") as fh:
        flows = [f for f in io.FlowReader(fh).stream() if isinstance(f, http.HTTPFlow)]
    assert flows and all(f.request.host == "3.33.235.18" for f in flows)
    for f in flows:
        rec = observe(f, "s", KEY).flow
        assert (rec.host, rec.site, rec.host_header) == ("clientstream.launchdarkly.com", "launchdarkly.com", None)
