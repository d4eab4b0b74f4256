"""Server certificates as facts: built from mitmproxy's certificate (real certificates made here, and through a
real mitmdump in front of a local TLS server) and from the ``_securityDetails`` of HAR files."""

from __future__ import annotations

import datetime
import ipaddress
import json
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import need_shared
from tredjepart.entities.certs import MAX_NAMES, CertFacts, cert_from_har, cert_from_mitmproxy, name_covers

HERE = Path(__file__).resolve().parent


def make_ca():
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Test Trust Services Ltd"),
                      x509.NameAttribute(NameOID.COMMON_NAME, "Test OV CA")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    return key, cert


def make_server_cert(ca, common_name: str, names: list[str], organization: str | None = None, ips=()):
    """A server certificate signed by ``ca``: OV when ``organization`` is given, DV without."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    ca_key, ca_cert = ca
    key = ec.generate_private_key(ec.SECP256R1())
    attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, "DK")]
    if organization:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    now = datetime.datetime.now(datetime.timezone.utc)
    sans = [x509.DNSName(n) for n in names] + [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]
    cert = (x509.CertificateBuilder().subject_name(x509.Name(attrs)).issuer_name(ca_cert.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName(sans), critical=False)
            .sign(ca_key, hashes.SHA256()))
    return key, cert


@pytest.fixture(scope="module")
def ca():
    return make_ca()


def test_ov_certificate_from_mitmproxy(ca):
    from mitmproxy.certs import Cert

    _, cert = make_server_cert(ca, "www.aftonbladet.se", ["www.aftonbladet.se", "aftonbladet.se",
                                                          "*.aftonbladet-cdn.se", "WWW.Example.COM."],
                               organization="Aftonbladet Hierta AB", ips=["192.0.2.7"])
    facts = cert_from_mitmproxy(Cert(cert))
    assert facts == CertFacts("www.aftonbladet.se", "Aftonbladet Hierta AB",
                              ("www.aftonbladet.se", "aftonbladet.se", "*.aftonbladet-cdn.se", "www.example.com",
                               "192.0.2.7"), "Test Trust Services Ltd", "mitmproxy")
    assert facts.validated_organization
    assert facts.covers("img.aftonbladet-cdn.se") and not facts.covers("a.b.aftonbladet-cdn.se")
    assert not facts.covers("aftonbladet-cdn.se")  # a wildcard is exactly one label
    assert facts.covers_site("aftonbladet.se") and facts.covers_site("aftonbladet-cdn.se")
    assert facts.sites() == {"aftonbladet.se", "aftonbladet-cdn.se", "example.com", "192.0.2.7"}


def test_dv_certificate_has_no_organisation(ca):
    from mitmproxy.certs import Cert

    _, cert = make_server_cert(ca, "portal.example.dk", ["portal.example.dk"])
    facts = cert_from_mitmproxy(Cert(cert))
    assert facts.organization is None and not facts.validated_organization
    assert facts.names == ("portal.example.dk",)


def test_name_covers():
    assert name_covers("*.example.com", "a.example.com")
    assert not name_covers("*.example.com", "example.com")
    assert not name_covers("*.example.com", "a.b.example.com")
    assert name_covers("example.com", "example.com")
    assert not name_covers("example.com", "www.example.com")


# --- through a real mitmdump ----------------------------------------------------------------------------------


class _Hello(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - the http.server name
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@pytest.mark.e2e
def test_certificate_facts_through_the_real_proxy(tmp_path, ca):
    """mitmproxy's view of the upstream certificate (``flow.server_conn.certificate_list[0]``) gives the facts,
    and the own-domain evidence reads them: a local TLS server with an OV certificate for two sites."""
    from cryptography.hazmat.primitives import serialization

    from e2e_helpers import Mitmdump
    from tredjepart.entities import builtin_entities
    from tredjepart.entities.own import own_evidence

    key, cert = make_server_cert(ca, "www.example-portal.dk",
                                 ["www.example-portal.dk", "example-portal.dk", "static.example-portal-cdn.dk"],
                                 organization="Example Portal A/S")
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hello)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    class _Ports:  # what Mitmdump needs of the local sites: the HTTP and HTTPS ports
        ports = (0, server.server_address[1])

    out = tmp_path / "certs.json"
    proxy = Mitmdump(tmp_path, _Ports(), db=tmp_path / "audit.sqlite",
                     extra=("-s", str(HERE / "cert_facts_addon.py"), "--set", f"cert_facts_file={out}"))
    try:
        for host in ("www.example-portal.dk", "static.example-portal-cdn.dk"):
            with proxy.opener().open(f"https://{host}/", timeout=20) as response:
                assert response.read() == b"ok"
    finally:
        proxy.stop()
        server.shutdown()
        server.server_close()
    seen = {host: CertFacts(**{**facts, "names": tuple(facts["names"])})
            for host, facts in json.loads(out.read_text()).items()}
    facts = seen["static.example-portal-cdn.dk"]
    assert (facts.common_name, facts.organization, facts.issuer) == (
        "www.example-portal.dk", "Example Portal A/S", "Test Trust Services Ltd")
    assert facts.names == ("www.example-portal.dk", "example-portal.dk", "static.example-portal-cdn.dk")
    own = own_evidence("static.example-portal-cdn.dk", "example-portal.dk", cert=facts,
                       first_cert=seen["www.example-portal.dk"], entities=builtin_entities())
    assert (own.kind, own.confidence) == ("certificate", "high")
    assert "Example Portal A/S" in own.evidence
    # The recorder (in the worker process: the certificate's facts travel with the connection's first flow)
    # keeps that evidence for the report: probably the solution's own, not covered for it.
    from sqlite_utils import Database

    data = Database(tmp_path / "audit.sqlite")
    (row,) = data.table("hosts").rows
    assert (row["host"], row["own_kind"], row["own_confidence"]) == ("static.example-portal-cdn.dk", "certificate",
                                                                     "high")
    assert "Example Portal A/S" in row["own_evidence"]
    (cdn,) = [f for f in data.table("flows").rows if f["host"] == "static.example-portal-cdn.dk"]
    assert cdn["party"] == "third" and cdn["covered"] == 0  # the policy (none here) still decides


# --- HAR _securityDetails -------------------------------------------------------------------------------------


def test_har_security_details_of_the_shared_playwright_hars():
    """Playwright's (Chromium's) HARs in the shared data carry subjectName and issuer, but no sanList."""
    for name in ("microsoft__playwright__har-redirect.har", "microsoft__playwright__har-sha1.har"):
        har = json.loads(need_shared("har-variety", name).read_text(encoding="utf-8-sig"))
        found = [cert_from_har(e.get("_securityDetails")) for e in har["log"]["entries"]]
        if name.endswith("redirect.har"):
            assert found[1] is None  # the plain-HTTP hop has an empty _securityDetails
            assert found[0] == found[2] == CertFacts("*.americanninjawarriornation.com", None, (),
                                                     "GlobalSign Atlas R3 DV TLS CA 2022 Q1", "har")
            assert found[0].covers("www.americanninjawarriornation.com")  # by its common name, without SANs
            assert not found[0].covers("www.theverge.com")  # the SANs that would say so are not in the HAR
        else:
            assert all(f is None or f.source == "har" for f in found)


def test_chrome_security_details_with_san_list():
    details = {"protocol": "TLS 1.3", "subjectName": "www.dr.dk", "sanList": ["www.dr.dk", "dr.dk", "*.drcdn.dk", 7,
                                                                              None, "bad name!", "x" * 300],
               "issuer": "GlobalSign GCC R6 AlphaSSL CA 2023", "validFrom": 1, "validTo": 2}
    facts = cert_from_har(details)
    assert facts == CertFacts("www.dr.dk", None, ("www.dr.dk", "dr.dk", "*.drcdn.dk"),
                              "GlobalSign GCC R6 AlphaSSL CA 2023", "har")
    assert cert_from_har({}) is None and cert_from_har(None) is None and cert_from_har("x") is None


def test_names_are_capped():
    facts = cert_from_har({"subjectName": "a.example", "sanList": [f"h{i}.example" for i in range(MAX_NAMES + 50)]})
    assert len(facts.names) == MAX_NAMES


_json = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
                     lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner, max_size=5),
                     max_leaves=25)


@settings(max_examples=300, deadline=None)
@given(details=st.one_of(_json, st.fixed_dictionaries({}, optional={"subjectName": _json, "sanList": _json,
                                                                     "issuer": _json})))
def test_hostile_security_details(details):
    facts = cert_from_har(details)
    if facts is not None:
        assert facts.source == "har" and facts.organization is None
        assert all(isinstance(n, str) and n and len(n) <= 253 and " " not in n for n in facts.names)
        facts.sites()
        facts.covers("a.example")
