"""shapes: what a value looks like, computed at capture time so the value need not be kept."""

from __future__ import annotations

import pytest

from tredjepart.shapes import (
    is_consent_cookie,
    is_security_cookie,
    normalize_tag,
    tag_format,
    value_shape,
)


@pytest.mark.parametrize("value, shape", [
    ("", "empty"),
    ("true", "boolean"),
    ("False", "boolean"),
    ("1", "boolean"),
    ("1700000000", "timestamp"),
    ("1700000000123", "timestamp"),
    ("1700000000.5", "timestamp"),
    ("2024-03-01", "timestamp"),
    ("2024-03-01T10:00:00Z", "timestamp"),
    ("Mon, 01 Jan 2024 10:00:00 GMT", "timestamp"),
    ("4839201756483920", "numeric"),
    ("3f2b8c1e-1111-4222-8333-444455556666", "uuid"),
    ("a3f9c2e1b2d4", "hex"),
    ("H77oW0yd6Wv034-9nFC0Cw", "base64"),
    ("dGVzdHZhbHVlMTI=", "base64"),
    ("necessary", "boolean"),
    ("statistics", "word"),
    ("da_DK", "word"),
    ("eu-west-1", "word"),
    ("{stamp:%27abc%27%2Cnecessary:true%2Cpreferences:false}", "structured"),
    ("isGpcEnabled=0&datestamp=Mon+Jan+01+2024&version=6.1&groups=C0001%3A1", "structured"),
    ("C0001:1,C0002:0,C0003:1", "structured"),
    ("%7B%22a%22%3A1%7D", "structured"),
    ("https://www.example.dk/", "url"),
    ("/da/forside", "url"),
    ("www.example.dk", "url"),
    ("GA1.2.1234567890.1600000000", "mixed"),
])
def test_value_shape(value, shape):
    assert value_shape(value) == shape


@pytest.mark.parametrize("name", ["CookieConsent", "OptanonConsent", "OptanonAlertBoxClosed", "euconsent-v2",
                                  "CookieInformationConsent", "cookieyes-consent", "CONSENT", "SOCS", "cmplz_marketing",
                                  "_iub_cs-123", "didomi_token", "usprivacy"])
def test_consent_cookies_are_known(name):
    assert is_consent_cookie(name)


@pytest.mark.parametrize("name", ["_ga", "uid", "IDE", "test_consentless", "session"])
def test_other_cookies_are_not_consent_cookies(name):
    assert not is_consent_cookie(name)


@pytest.mark.parametrize("name, expected", [("csrftoken", True), ("XSRF-TOKEN", True), ("oidc.nonce", True),
                                            (".AspNetCore.Correlation.abc", True), ("_ga", False), ("uid", False)])
def test_security_cookies(name, expected):
    assert is_security_cookie(name) is expected


@pytest.mark.parametrize("tag, fmt", [
    ('"64f1a2b3-1a2b"', "content"),  # nginx
    ('"2d-432a5e4a73a80"', "content"),  # Apache
    ('W/"1f-qP7vEIwS5QHwaK1X5ZyTDfJ4B0E"', "content"),  # Express
    ('"d41d8cd98f00b204e9800998ecf8427e"', "content"),  # md5
    ('"0x8DB9C1F2A3B4C5D"', "content"),  # Azure
    ('"1B2M2Y8AsgTpgAmY7PhCfg=="', "content"),  # base64 md5
    ('"Zq81bX0pLk2"', "base64"),
    ('"3f2b8c1e-1111-4222-8333-444455556666"', "uuid"),
    ('"12345"', "numeric"),
])
def test_tag_format(tag, fmt):
    assert tag_format(tag) == fmt


def test_normalize_tag():
    assert normalize_tag('W/"abc"') == "abc" and normalize_tag('"abc"') == "abc" and normalize_tag("abc") == "abc"
