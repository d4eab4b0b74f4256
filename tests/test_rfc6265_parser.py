"""Set-Cookie parsing against the RFC 6265 parser test suite (Adam Barth's http-state tests, ../shared).

In scope: the cases about parsing name, value and attributes that decide whether and for how long a cookie exists
(the 158 cases without a ``sent-to`` URL). We replay each case's Set-Cookie lines through our parser into a
minimal jar (same name replaces in place, a past Expires or Max-Age<=0 deletes) and compare with the cookies the
suite expects a browser to send back.

Out of scope: the 64 ``sent-to`` cases: they test a browser's cookie jar (which cookies a later request to a
given domain and path carries), not the parsing of a header; tredjepart records what is on the wire and does not
keep a jar. Also out of scope, listed below with their reasons: cases where mitmproxy's parser, which we use on
purpose (one parser with the proxy), deliberately differs from RFC 6265.
"""

from __future__ import annotations

import json

import pytest

from conftest import need_shared
from tredjepart.observe.cookies import parse_set_cookie

# The suite was written in 2011; its "future" dates (2019, 2027) must be in the future.
NOW = 1_300_000_000.0

# Where mitmproxy's Set-Cookie parser (used on purpose: one parser with the proxy) differs from RFC 6265.
COMMA = "mitmproxy splits a Set-Cookie value at a comma (to read folded headers); RFC 6265 keeps it in the value"
QUOTES = "mitmproxy reads a quoted value as a quoted-string and drops the quotes; RFC 6265 keeps them"
MITMPROXY_DIFFERS = {
    **dict.fromkeys(["0017", "0018", "0019", "COMMA0001", "COMMA0003", "COMMA0004", "COMMA0005", "COMMA0007",
                     "MOZILLA0011"], COMMA),
    **dict.fromkeys(["CHARSET0004", "CHROMIUM0002", "CHROMIUM0003", "CHROMIUM0004", "CHROMIUM0005", "CHROMIUM0006",
                     "CHROMIUM0007", "CHROMIUM0011", "CHROMIUM0016", "COMMA0002", "VALUE0002", "VALUE0003",
                     "VALUE0004", "VALUE0005", "MOZILLA0012"], QUOTES),
}


def _cases():
    path = need_shared("http-state", "tests", "data", "parser.json")
    return [c for c in json.loads(path.read_text()) if "sent-to" not in c]


REQUEST_PATH = "/cookie-parser-result"  # where the suite's browser sends the cookies back, over plain http


def _replay(lines: list[str]) -> list[dict]:
    """A minimal jar: enough of RFC 6265 5.3/5.4 to tell which parsed cookies the suite's request carries."""
    jar: dict[tuple[str, str], tuple[int, str]] = {}
    for line in lines:
        for c in parse_set_cookie(line, NOW):
            path = c.path if c.path and c.path.startswith("/") else "/"  # the default-path of the test URL
            if c.domain and c.domain.lstrip(".").lower() not in ("home.example.org", "example.org"):
                continue  # a Domain the test host cannot set: a browser rejects it
            if c.lifetime is not None and c.lifetime <= 0:
                jar.pop((c.name, path), None)
            elif not c.secure:  # Secure cookies are not sent back over http
                created = jar.get((c.name, path), (len(jar) + 1000 * len(lines), ""))[0]
                jar[(c.name, path)] = (created, c.value)
    sent = [
        (-len(path), created, name, value)
        for (name, path), (created, value) in jar.items()
        if REQUEST_PATH == path or REQUEST_PATH.startswith(path.rstrip("/") + "/")
    ]
    return [{"name": name, "value": value} for _, _, name, value in sorted(sent)]


def test_suite_is_present_and_sized():
    assert len(_cases()) == 158


@pytest.mark.parametrize("case", range(158), ids=lambda i: f"case{i}")
def test_parser_case(case):
    c = _cases()[case]
    if c["test"].startswith("DISABLED_"):
        pytest.skip(f"{c['test']}: disabled in the suite itself (control characters; browsers disagree)")
    if c["test"] in MITMPROXY_DIFFERS:
        pytest.skip(f"{c['test']}: {MITMPROXY_DIFFERS[c['test']]}")
    assert _replay(c["received"]) == c["sent"], c["test"]
