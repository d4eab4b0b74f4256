"""detect.blindspots: hosts the device refused to talk to through the proxy."""

from __future__ import annotations

import pytest

from tredjepart.detect import Detectors
from tredjepart.detect.blindspots import blind_spot, classify_tls_error

PINNED = ("The client does not trust the proxy's certificate for api.pinned-app.com "
          "(OpenSSL Error([('SSL routines', '', 'tlsv1 alert unknown ca')]))")
HUNG_UP = ("The client disconnected during the handshake. If this happens consistently for api.pinned-app.com, "
           "this may indicate that the client does not trust the proxy's certificate.")


@pytest.mark.parametrize("error, reason", [
    (PINNED, "certificate-refused"),
    ("('SSL routines', '', 'sslv3 alert bad certificate')", "certificate-refused"),
    (HUNG_UP, "disconnected-during-handshake"),
    ("connection closed", "disconnected-during-handshake"),
    ("Client and mitmproxy cannot agree on a TLS version to use.", "tls-version"),
    ("Cannot parse ClientHello: b'GET / HTTP/1.1'", "not-tls"),
    ("The client may not trust the proxy's certificate for x (something)", "handshake-failed"),
    ("connection closed early", None),
    ("", None),
    (None, None),
])
def test_classify(error, reason):
    assert classify_tls_error(error) == reason


def test_blind_spot_record_and_finding():
    spot, f = blind_spot("s1", "API.Pinned-App.com.", "192.0.2.10", PINNED, 1_700_000_000.0)
    assert (spot.host, spot.client, spot.count, spot.session_id) == ("api.pinned-app.com", "192.0.2.10", 1, "s1")
    assert spot.first_seen == spot.last_seen == 1_700_000_000.0 and spot.error == PINNED
    assert f.rule == "uninspectable-host" and f.severity == "warning" and f.site == "pinned-app.com"
    assert f.host == "api.pinned-app.com" and f.details["reason"] == "certificate-refused"
    assert f.evidence == [] and "could not be inspected" in f.message


def test_no_sni_uses_the_address_and_a_closed_pre_connection_is_nothing():
    spot, f = blind_spot("s1", "203.0.113.5", "192.0.2.10", HUNG_UP, 1.0)
    assert spot.host == "203.0.113.5" and f.site == "203.0.113.5"
    assert blind_spot("s1", "x.com", "c", "connection closed early", 1.0) is None
    assert blind_spot("s1", None, None, PINNED, 1.0)[0].host == "unknown"


def test_detectors_merge_repeats_into_one_blind_spot():
    d = Detectors()
    a, fa = d.on_tls_failed("s1", "api.pinned-app.com", "192.0.2.10", PINNED, 10.0)
    b, fb = d.on_tls_failed("s1", "api.pinned-app.com", "192.0.2.10", HUNG_UP, 5.0)
    assert a.id == b.id and b.count == 2 and (b.first_seen, b.last_seen) == (5.0, 10.0) and b.error == HUNG_UP
    assert len(fa) == len(fb) == 1
    other, _ = d.on_tls_failed("s2", "api.pinned-app.com", "192.0.2.10", PINNED, 11.0)
    assert other.id != a.id and other.count == 1
    assert d.on_tls_failed("s1", "x.com", "c", "connection closed early", 1.0) == (None, [])
    d.end_session("s1")
    assert d.on_tls_failed("s1", "api.pinned-app.com", "192.0.2.10", PINNED, 20.0)[0].count == 1
