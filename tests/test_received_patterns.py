"""Personal data by its shape: CPR numbers (dates, century rules, modulus 11), e-mail addresses, phone numbers."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tredjepart.received.patterns import cpr_birth_date, find_patterns, modulus11


def names(text: str, where: str = "") -> list[tuple[str, str]]:
    return [(h.name, h.confidence) for h in find_patterns(text, where)]


def _mod11_number(prefix: str) -> str:
    """A 10-digit number starting with the 9 digits ``prefix`` whose last digit makes it pass modulus 11."""
    weights = (4, 3, 2, 7, 6, 5, 4, 3, 2)
    rest = sum(int(d) * w for d, w in zip(prefix, weights)) % 11
    check = (11 - rest) % 11
    if check == 10:
        raise ValueError("no check digit")
    return prefix + str(check)


@pytest.mark.parametrize("digits,born", [
    ("0101901234", date(1990, 1, 1)),  # 7th digit 1: 1900s
    ("2902003000", None),  # 29 February 1900 did not exist
    ("2902004000", date(2000, 2, 29)),  # 7th digit 4, year 00: 2000, a leap year
    ("0101404000", date(1940, 1, 1)),  # 7th digit 4, year 40: 1900s
    ("0101105000", date(2010, 1, 1)),  # 7th digit 5, year 10: 2000s
    ("0101605000", date(1860, 1, 1)),  # 7th digit 5, year 60: 1800s
    ("0101369000", date(2036, 1, 1) if date(2036, 1, 1) <= date.today() else None),  # future: no CPR
    ("3104901234", None),  # 31 April
    ("0013901234", None),  # month 13
    ("0000001234", None),
])
def test_birth_dates_follow_the_century_rules(digits, born):
    assert cpr_birth_date(digits) == born


def test_modulus11():
    n = _mod11_number("010190123")
    assert modulus11(n)
    assert not modulus11(n[:-1] + str((int(n[-1]) + 1) % 10))


def test_confidence_grows_with_dash_modulus_and_field_name():
    plain_fail = "0101901230" if not modulus11("0101901230") else "0101901231"
    assert names(f"x={plain_fail}") == [("cpr", "low")]
    assert names(f"x={plain_fail[:6]}-{plain_fail[6:]}") == [("cpr", "medium")]
    good = _mod11_number("010190123")
    assert names(f"x={good}") == [("cpr", "medium")]
    assert names(f"x={good[:6]}-{good[6:]}") == [("cpr", "high")]
    assert names(plain_fail, where="query cpr") == [("cpr", "medium")]


@pytest.mark.parametrize("text", [
    "order=3215678901",  # day 32: no date, so an order number, no CPR
    "ts=1700000000",  # a Unix time: month 00
    "n=90101901234",  # ten valid digits inside a longer number
    "n=01019012345",
    "id=123456789",  # nine digits
    "price=0101.901234",
])
def test_no_cpr_where_there_is_none(text):
    assert [n for n, _ in names(text)] == []


@pytest.mark.parametrize("text,count", [
    ("mail=jens.hansen@example.dk", 1),
    ("to=a@b.dk,c.d+tag@sub.example.co.uk", 2),
    ("img=logo@2x.png", 0),
    ("icon@3x.webp", 0),
    ("pkg=lodash@4.17.21", 0),
    ("not an @ address", 0),
    ("x@y", 0),
])
def test_email_addresses(text, count):
    assert [n for n, _ in names(text)].count("email") == count


@pytest.mark.parametrize("text,where,count", [
    ("+4522345678", "", 1),
    ("0045 32 34 56 78", "", 1),
    ("+4512345678", "", 0),  # 8-digit Danish subscriber numbers start with 2-9
    ("+45 22-33-44-55", "", 1),
    ("+4501234567", "", 0),  # Danish numbers do not start with 0
    ("12345678", "", 0),  # 8 bare digits: could be anything
    ("42345678", "query phone", 1),
    ("22 33 44 55", "body user.telefon", 1),
    ("123456789", "query tel", 0),
    ("+46701234567", "", 0),  # Swedish: not a Danish number
])
def test_phone_numbers(text, where, count):
    assert [n for n, _ in names(text, where)].count("phone") == count


def test_hits_carry_offsets_and_no_value():
    text = "q=x&cpr=010190-1234&m=a@b.dk"
    hits = find_patterns(text)
    assert {text[h.start:h.end] for h in hits} == {"010190-1234", "a@b.dk"}
    for h in hits:
        assert text[h.start:h.end] not in repr(h)


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=300), st.text(max_size=30))
def test_hostile_text_never_raises(text, where):
    for h in find_patterns(text, where):
        assert 0 <= h.start < h.end <= len(text)
        assert h.confidence in ("low", "medium", "high")


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=9_999_999_999))
def test_any_ten_digits_are_a_cpr_only_when_they_encode_a_date(n):
    digits = f"{n:010d}"
    hits = [h for h in find_patterns(f"x={digits}&") if h.name == "cpr"]
    assert bool(hits) == (cpr_birth_date(digits) is not None)
