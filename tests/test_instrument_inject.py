"""Injection of the instrument into HTML bodies: the place (first in <head>, else before the first element), the
bodies left alone, encodings, bounded reading, and the page's bytes kept apart from the insertion."""

from __future__ import annotations

import html.parser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tredjepart.instrument.csp import policy_adjuster
from tredjepart.instrument.inject import inject, insertion_point, script_block
from tredjepart.instrument.sniff import MAX_SCAN, view

BLOCK = script_block("window.__probe = 1;", nonce="abc123")


def _after(body: bytes, marker: bytes, **kw) -> None:
    """The block went in right after ``marker`` and the rest of the page is byte for byte what it was."""
    out = inject(body, BLOCK, **{"content_type": "text/html; charset=utf-8", **kw})
    assert out.injected, out.reason
    at = body.index(marker) + len(marker)
    assert out.offset == at
    assert out.body == body[:at] + BLOCK.encode() + body[at:]


@pytest.mark.parametrize("body, marker", [
    (b"<!doctype html><html><head><title>x</title></head><body>hi</body></html>", b"<head>"),
    (b"<!DOCTYPE HTML>\n<HTML LANG=DA>\n<HEAD>\n<TITLE>x</TITLE>", b"<HEAD>"),
    (b'<!doctype html><html><head data-x="a>b" class=\'c>d\'><title>', b"<head data-x=\"a>b\" class='c>d'>"),
    (b"<!-- <head> in a comment --><!doctype html><html><head><meta charset=utf-8>", b"<html><head>"),
    (b"<!--><!doctype html><head>", b"<!doctype html><head>"),  # <!--> is a whole comment
    (b'<?xml version="1.0"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
     b'"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\n<html xmlns="http://www.w3.org/1999/xhtml">\n<head>',
     b"\n<head>"),
    (b"<html\n  lang='da'\n  data-theme=\"dark\"><!-- c --> <head\n>", b"<head\n>"),
    (b"<html><head/><title>x</title>", b"<head/>"),
])
def test_first_in_head(body, marker):
    _after(body, marker)


@pytest.mark.parametrize("body, before", [
    (b"<!doctype html><title>no head tag</title><script>x()</script>", b"<title>"),
    (b"<!doctype html><html><body><p>no head</p></body></html>", b"<body>"),
    (b"<!doctype html><header><h1>a header is not a head</h1></header>", b"<header>"),
    (b"<!doctype html>\n<meta charset=utf-8>\n<title>x</title>", b"<meta"),
    (b"<!doctype html><html><script>first()</script><head>", b"<script>"),  # nothing may run before us
])
def test_before_the_first_element_without_head(body, before):
    out = inject(body, BLOCK, content_type="text/html; charset=utf-8")
    assert out.injected and out.reason == "document-start"
    assert out.offset == body.index(before)
    assert out.body.replace(BLOCK.encode(), b"", 1) == body


def test_doctype_stays_first():
    """A script before the doctype would put the page in quirks mode."""
    body = b"  \n<!DOCTYPE html>\n<p>text only"
    out = inject(body, BLOCK, fetch_dest="document")
    assert out.body.startswith(b"  \n<!DOCTYPE html>\n" + BLOCK.encode())


def test_text_before_the_doctype():
    """A server warning printed before the page: the parser opens the head for our script before the text."""
    body = b"Warning: Undefined variable $x in /var/www/index.php on line 3\n<!DOCTYPE html><html><head>"
    out = inject(body, BLOCK, fetch_dest="document")
    assert out.injected and out.offset == 0
    assert inject(b"Hello <b>world</b>", BLOCK, fetch_dest="document").reason == "does-not-look-like-html"


def test_utf8_bom_stays_first():
    body = b"\xef\xbb\xbf<!doctype html><html><head><title>\xc3\xa6\xc3\xb8\xc3\xa5</title>"
    out = inject(body, BLOCK)
    assert out.body.startswith(b"\xef\xbb\xbf<!doctype html><html><head>" + BLOCK.encode())
    assert out.charset == "utf_8"


@pytest.mark.parametrize("codec, bom", [("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff")])
def test_utf16_with_bom(codec, bom):
    page = "<!doctype html><html><head><title>Kø 😀</title></head><body>æ</body></html>"
    out = inject(bom + page.encode(codec), BLOCK)
    assert out.injected and out.charset == codec.replace("-", "_")
    text = out.body[2:].decode(codec)
    assert text == page.replace("<head>", "<head>" + BLOCK, 1)


def test_utf16_declared_in_header_without_bom():
    page = "<!doctype html><html><head><title>x</title>"
    out = inject(page.encode("utf-16-le"), BLOCK, content_type="text/html; charset=UTF-16")
    assert out.body.decode("utf-16-le") == page.replace("<head>", "<head>" + BLOCK)


def test_legacy_single_and_multi_byte_encodings_keep_their_bytes():
    for codec in ("windows-1252", "iso-8859-1", "shift_jis", "euc-jp", "gb18030", "big5"):
        page = "<!doctype html><html><head><title>日本 ></title>".encode(codec, "replace") if codec not in (
            "windows-1252", "iso-8859-1") else "<!doctype html><html><head><title>Æblegrød ></title>".encode(codec)
        out = inject(page, BLOCK, content_type=f"text/html; charset={codec}")
        assert out.injected, codec
        assert out.body == page.replace(b"<head>", b"<head>" + BLOCK.encode(), 1), codec


def test_stateful_encodings_are_left_alone():
    page = "<html><head><title>日本</title>".encode("iso2022_jp")
    assert inject(page, BLOCK, content_type="text/html; charset=ISO-2022-JP").reason == "charset-not-supported"


def test_meta_charset_pushed_down_is_repeated_in_front():
    """The browser looks for <meta charset> in the first 1024 bytes only; the instrument must not push it out."""
    body = b"<!doctype html><html><head><title>Forside</title><meta charset=\"iso-8859-1\"><p>\xe6\xf8\xe5"
    out = inject(body, BLOCK)
    assert out.body == body.replace(b"<head>", b'<head><meta charset="iso-8859-1" data-tredjepart="">' + BLOCK.encode(), 1)
    assert out.charset == "iso8859_1"
    # The header names the charset: the browser does not need the <meta>, nothing is added.
    out = inject(body, BLOCK, content_type="text/html; charset=iso-8859-1")
    assert out.body == body.replace(b"<head>", b"<head>" + BLOCK.encode(), 1)


@pytest.mark.parametrize("kwargs, reason", [
    ({"content_type": "application/json"}, "not-html-type"),
    ({"content_type": "text/plain"}, "not-html-type"),
    ({"content_type": "application/xhtml+xml"}, "not-html-type"),  # XML: an inline script could break it
    ({"content_type": None}, "not-html-type"),
    ({"content_encoding": "gzip"}, "encoded"),
    ({"content_encoding": "br"}, "encoded"),
    ({"status": 304}, "status"),
    ({"status": 204}, "status"),
    ({"status": 206}, "status"),  # a byte range of a page
    ({"status": 302}, "status"),
    ({"fetch_dest": "empty"}, "not-a-document"),  # fetch()/XHR of an HTML page
    ({"fetch_dest": "script"}, "not-a-document"),
])
def test_responses_left_alone(kwargs, reason):
    body = b"<!doctype html><html><head><title>x</title>"
    out = inject(body, BLOCK, **kwargs)
    assert (out.injected, out.reason, out.body) == (False, reason, body)


@pytest.mark.parametrize("body, fetch_dest", [
    (b'{"error": "not found"}', None),
    (b'{"error": "not found"}', "document"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "document"),
    (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", "document"),  # gzip bytes under a wrong header
    (b"<div class=fragment>loaded by a script</div>", None),  # a fragment, not a document
    (b"just some text", None),
])
def test_bodies_that_are_not_html(body, fetch_dest):
    out = inject(body, BLOCK, fetch_dest=fetch_dest)
    assert (out.injected, out.reason, out.body) == (False, "does-not-look-like-html", body)


def test_status_codes_of_pages():
    body = b"<!doctype html><html><head><title>Not found</title>"
    assert inject(body, BLOCK, status=404).injected
    assert inject(body, BLOCK, status=500).injected
    assert inject(body, BLOCK, fetch_dest="iframe").injected


def test_empty_bodies():
    assert inject(b"", BLOCK).reason == "empty"
    assert inject(b" \n\t", BLOCK).reason == "empty"


def test_huge_body_read_only_at_its_start():
    body = b"<!doctype html><html><head><title>big</title>" + b"<p>" + b"x" * (2 * 1024 * 1024) + b"</p>"
    out = inject(body, BLOCK)
    assert out.injected and len(out.body) == len(body) + len(BLOCK)
    # A comment longer than what is read before any tag: no place is found, nothing is guessed.
    body = b"<!doctype html><!--" + b"-" * (MAX_SCAN + 10) + b"--><html><head>"
    assert inject(body, BLOCK).reason == "no-insertion-point"
    body = b"<!doctype html><html data-x='" + b"a" * MAX_SCAN + b"'><head>"
    assert inject(body, BLOCK).reason == "no-insertion-point"


def test_doctype_alone():
    out = inject(b"<!doctype html>", BLOCK)
    assert out.body == b"<!doctype html>" + BLOCK.encode()


def test_script_block():
    assert script_block("a()", nonce='x"y') == '<script nonce="x&quot;y">a()</script>\n'
    assert script_block(src="https://tredjepart.proxy/instrument/instrument.js?t=a&b") == \
        '<script src="https://tredjepart.proxy/instrument/instrument.js?t=a&amp;b"></script>\n'
    with pytest.raises(ValueError):
        script_block("var s = '</SCRIPT>';")


class _Metas(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.policies = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "meta" and (a.get("http-equiv") or "").lower() == "content-security-policy":
            self.policies.append(a.get("content"))


def _meta_policies(body: bytes) -> list[str]:
    p = _Metas()
    p.feed(body.decode("utf-8"))
    return p.policies


ADJUST = policy_adjuster(script_source="'nonce-abc123'", origin="https://tredjepart.proxy")


def test_meta_csp_adjusted_in_place():
    body = (b"<!doctype html><html><head><meta charset=utf-8>\n"
            b"<meta http-equiv=\"Content-Security-Policy\" content=\"script-src 'self'; connect-src 'self'\">\n"
            b"<META HTTP-EQUIV='content-security-policy' CONTENT=default-src&#32;'self'>\n"
            b"<title>x</title></head><body>"
            b"<meta http-equiv=\"Content-Security-Policy\" content=\"script-src 'none'\"></body>")
    out = inject(body, BLOCK, meta_policy=ADJUST)
    assert out.injected
    policies = _meta_policies(out.body)
    assert policies[0] == "script-src 'self' 'nonce-abc123'; connect-src 'self' https://tredjepart.proxy"
    assert policies[1] == ("default-src 'self'; script-src 'self' 'nonce-abc123'; "
                           "connect-src 'self' https://tredjepart.proxy")
    assert policies[2] == "script-src 'none'"  # a <meta> in the body is ignored by browsers: left as it is
    assert out.meta_changes == ("meta: script-src: nonce added", "meta: connect-src: https://tredjepart.proxy added",
                                "meta: script-src: added, default-src's sources and nonce added",
                                "meta: connect-src: added, default-src's URL sources and https://tredjepart.proxy added")


def test_meta_csp_in_a_script_string_is_not_a_meta():
    body = (b"<!doctype html><html><head><script>var t = '<meta http-equiv=\"Content-Security-Policy\" "
            b"content=\"script-src none\">';</script><title>x</title>")
    out = inject(body, BLOCK, meta_policy=ADJUST)
    assert out.injected and not out.meta_changes
    assert out.body == body.replace(b"<head>", b"<head>" + BLOCK.encode())


# --- property tests ---------------------------------------------------------------------------------------------

_TEXT = st.text(alphabet=st.sampled_from(list("ab <>/='\"!-?xhtmlead\n\tæ😀")), max_size=30)
_ATTR = st.builds(lambda n, q, v: f" {n}={q}{v}{q}", st.sampled_from(["lang", "class", "data-x", "id"]),
                  st.sampled_from(['"', "'"]), st.text(alphabet=st.sampled_from(list("ab <>/=!-")), max_size=12))
_LEAD = st.lists(st.one_of(
    st.sampled_from([" ", "\n", "\t", "<!doctype html>", "<!DOCTYPE HTML>", '<?xml version="1.0"?>']),
    st.builds(lambda t: f"<!--{t.replace('--', '').lstrip('->')}-->", _TEXT)), max_size=5)


@settings(max_examples=300, deadline=None)
@given(lead=_LEAD, html_attrs=st.lists(_ATTR, max_size=3), gap=_LEAD, head=st.booleans(),
       head_attrs=st.lists(_ATTR, max_size=3), upper=st.booleans(), rest=_TEXT)
def test_insertion_point_of_constructed_pages(lead, html_attrs, gap, head, head_attrs, upper, rest):
    """Pages built from parts whose right insertion point is known by construction."""
    lead = [p for p in lead if "doctype" not in p.lower() and "<?" not in p] + [p for p in lead if "doctype" in p.lower()]
    html_tag = ("<HTML" if upper else "<html") + "".join(html_attrs) + ">"
    head_tag = ("<HEAD" if upper else "<head") + "".join(head_attrs) + ">" if head else ""
    start = "".join(lead) + html_tag + "".join(p for p in gap if "doctype" not in p.lower() and "<?" not in p)
    page = start + head_tag + "<title>t</title>" + rest
    expected = len(start) + len(head_tag)
    assert insertion_point(page) == (expected, "head" if head else "document-start")


@settings(max_examples=400, deadline=None)
@given(parts=st.lists(st.one_of(_TEXT, st.sampled_from([
    "<!doctype html>", "<html>", "<HEAD>", "<head a='>'>", "<!--", "-->", "<meta charset=utf-8>", "<title>",
    "<script>", "</script>", "<body>", "\ufeff", "<meta http-equiv=content-security-policy content=\"a b\">"])),
    max_size=25), codec=st.sampled_from(["utf-8", "utf-16-le", "windows-1252"]),
    dest=st.sampled_from([None, "document", "iframe"]))
def test_random_html_like_bodies(parts, codec, dest):
    """Never raises; when injected, the page's bytes are all there, in order, apart from the insertion."""
    body = "".join(parts).encode(codec, "replace")
    if codec == "utf-16-le":
        body = b"\xff\xfe" + body
    out = inject(body, BLOCK, content_type=f"text/html; charset={codec}", fetch_dest=dest)
    if not out.injected:
        assert out.body is body
        return
    block = BLOCK.encode(codec)
    assert out.body[:out.offset] == body[:out.offset]
    assert out.body[out.offset:] in (block + body[out.offset:],
                                     b'<meta charset="' + codec.encode() + b'" data-tredjepart="">' + block + body[out.offset:])
    assert view(body, f"text/html; charset={codec}") is not None
