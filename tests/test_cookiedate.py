"""Expires dates read with RFC 6265's cookie-date algorithm, checked against the http-state date examples."""

from __future__ import annotations

import email.utils
import json

import pytest

from conftest import need_shared
from tredjepart.observe.cookiedate import parse_cookie_date


def _examples():
    path = need_shared("http-state", "tests", "data", "dates", "examples.json")
    return json.loads(path.read_text())


def test_examples_present():
    assert len(_examples()) > 10


def test_date_examples():
    wrong = []
    for case in _examples():
        got = parse_cookie_date(case["test"])
        want = None if case["expected"] is None else email.utils.parsedate_to_datetime(case["expected"]).timestamp()
        if got != want:
            wrong.append((case["test"], got, want))
    assert wrong == []


@pytest.mark.parametrize("text", ["", "next year", "31 Feb 2030 10:00:00", "Wed, 09 Jun 1500 10:18:14 GMT",
                                  "Wed, 09 Jun 2030 25:18:14 GMT"])
def test_invalid_dates(text):
    assert parse_cookie_date(text) is None


def test_two_digit_years():
    assert parse_cookie_date("Wed, 09-Jun-21 10:18:14 GMT") == parse_cookie_date("Wed, 09 Jun 2021 10:18:14 GMT")
    assert parse_cookie_date("Wed, 09-Jun-99 10:18:14 GMT") == parse_cookie_date("Wed, 09 Jun 1999 10:18:14 GMT")
