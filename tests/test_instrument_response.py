"""instrument_response, the one call the proxy's response hook makes: the three forms of the script, the header
edits that go with a changed body, the responses left alone, and every HTML body of the shared captures."""

from __future__ import annotations

import base64
import json
import re

import pytest

from conftest import SHARED_DATA, need_shared
from tredjepart.instrument import instrument_response
from tredjepart.instrument.script import PLACEHOLDER, hash_source, script_text, template

PAGE = b"<!doctype html><html><head><title>x</title></head><body>hi</body></html>"
CSP = "default-src 'self'; script-src 'self' 'nonce-pAgE'"
HEADERS = [("Content-Type", "text/html; charset=utf-8"), ("Content-Security-Policy", CSP),
           ("Content-Security-Policy-Report-Only", "script-src 'none'"), ("ETag", '"abc"'),
           ("Last-Modified", "Sun, 06 Dec 2026 02:00:00 GMT"), ("Cache-Control", "max-age=600")]


def respond(mode="inline", **kw):
    args = {"status": 200, "headers": HEADERS, "body": PAGE, "page_url": "https://www.portal.dk/?a=1",
            "control_host": "tredjepart.proxy", "fetch_dest": "document", "mode": mode, **kw}
    return instrument_response(**args)


def test_inline_with_a_nonce():
    out = respond()
    body = out.injection.body.decode()
    nonce = re.search(r'<script nonce="([^"]+)">', body).group(1)
    assert out.token and out.token not in nonce and f'"token":"{out.token}"' in body
    assert '"report":"https://tredjepart.proxy/instrument/report"' in body
    assert dict(out.set_headers) == {
        "cache-control": ("no-store",),
        "content-security-policy": (f"default-src 'self'; script-src 'self' 'nonce-pAgE' 'nonce-{nonce}'; "
                                    "connect-src 'self' https://tredjepart.proxy",)}
    assert out.remove_headers == ("etag", "last-modified")
    assert out.csp.changes == ("policy 1: script-src: nonce added",
                               "policy 1: connect-src: added, default-src's URL sources and https://tredjepart.proxy added")


def test_inline_with_a_hash():
    out = respond("inline-hash")
    body = out.injection.body.decode()
    script = re.search(r"<script>(.*)</script>", body, re.S).group(1)
    assert hash_source(script) in dict(out.set_headers)["content-security-policy"][0]
    assert "nonce=" not in body.split("<title>")[0]


def test_loaded_from_the_control_host():
    out = respond("src", page_url="http://www.portal.dk/")
    body = out.injection.body.decode()
    src, nonce = re.search(r'<script src="([^"]+)" nonce="([^"]+)"></script>', body).groups()
    assert src == f"http://tredjepart.proxy/instrument/instrument.js?t={out.token}"
    assert f"'nonce-{nonce}'" in dict(out.set_headers)["content-security-policy"][0]
    assert "http://tredjepart.proxy" in dict(out.set_headers)["content-security-policy"][0]


def test_fresh_token_and_nonce_per_page():
    a, b = respond(), respond()
    assert a.token != b.token and a.injection.body != b.injection.body


def test_left_alone():
    for kw in ({"status": 304}, {"fetch_dest": "empty"}, {"content_encoding": "gzip"}, {"body": b'{"a": 1}'},
               {"headers": [("content-type", "application/json")]}):
        out = respond(**kw)
        assert not out.injection.injected and out.token is None and out.csp is None
        assert out.set_headers == () and out.remove_headers == ()
    with pytest.raises(ValueError):
        respond("bookmarklet")


def test_no_csp_header_no_csp_edit():
    out = respond(headers=[("content-type", "text/html")])
    assert out.csp is None and dict(out.set_headers) == {"cache-control": ("no-store",)}


def test_the_served_script():
    t = template()
    text = script_text("https://tredjepart.proxy/instrument/report", "T" * 22)
    assert PLACEHOLDER not in text and text.isascii() and "</script" not in text.lower()
    assert text.count("\n") + 1 == t.lines and '"selftest"' not in text
    last = text.rsplit("\n", 1)[1]
    assert last.startswith("})({") and last.endswith("});")
    config = json.loads(last[3:-2])
    assert config["probe_line"] == t.probe_line and config["lines"] == t.lines
    assert "\\u003c" in script_text("https://h/<x", "T" * 22)  # a '<' in a setting cannot end the element


def _shared_html():
    need_shared("har")
    for path in sorted(SHARED_DATA.rglob("*.har")):
        try:
            entries = json.loads(path.read_text(encoding="utf-8-sig"))["log"]["entries"]
        except (ValueError, KeyError, UnicodeDecodeError):
            continue
        for e in entries:
            resp = e.get("response", {})
            content = resp.get("content", {})
            if "html" in (content.get("mimeType") or "") and content.get("text") is not None:
                text = content["text"]
                body = (base64.b64decode(text) if content.get("encoding") == "base64"
                        else text.encode("utf-8", "surrogateescape"))
                headers = [(h["name"], h["value"]) for h in resp.get("headers", [])
                           if h["name"].lower() != "content-encoding"]  # HAR bodies are decoded
                yield e["request"]["url"], resp.get("status") or 0, headers, body


def test_every_html_body_of_the_shared_captures():
    """Never raises; an instrumented body is the original with the block (and adjusted <meta> CSP) in it."""
    injected = left = 0
    for url, status, headers, body in _shared_html():
        out = instrument_response(status=status, headers=headers, body=body, page_url=url,
                                  control_host="tredjepart.proxy")
        if not out.injection.injected:
            left += 1
            assert out.injection.body is body
            continue
        injected += 1
        at = out.injection.offset
        new = out.injection.body
        assert new[:at] == body[:at]
        end = new.index(b"</script>\n", at) + len(b"</script>\n")
        if not out.injection.meta_changes:
            assert new[end:] == body[at:], url
    assert injected >= 30 and left >= 20
