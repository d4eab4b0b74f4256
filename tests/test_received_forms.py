"""Every form a declared value travels in is found, and nothing else is: the index of received/forms.py."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import quote, quote_plus

import pytest

from tredjepart.received.identity import parse_identity
from tredjepart.received.index import build_index

IDENTITY = parse_identity("""\
name: Søren Peter Østergård
cpr: "010190-1234"
email: Jens.Hansen@Example.dk
phone: "+45 12 34 56 78"
address: Vestergade 12, 2. tv
postcode: "8000"
birth_date: 1990-01-02
other: {case_number: SAG-2025-004711}
""")
INDEX = build_index(IDENTITY)
EMAIL = "jens.hansen@example.dk"  # normalised: trimmed, lower case


def found(text: str) -> list[tuple[str, str]]:
    return [(h.form.field, h.form.form) for h in INDEX.find(text)]


def b64(data: bytes, url: bool = False, pad: bool = True) -> str:
    out = (base64.urlsafe_b64encode if url else base64.b64encode)(data).decode()
    return out if pad else out.rstrip("=")


@pytest.mark.parametrize("text,form", [
    ("Jens.Hansen@Example.dk", "e-mail as typed"),
    (EMAIL, "e-mail, lower case"),
    (EMAIL.upper(), "e-mail, upper case"),
    ("jENS.hansen@EXAMPLE.dk", "e-mail as typed, case changed"),
    (quote(EMAIL, safe=""), "e-mail, lower case, URL-encoded"),
    (quote(quote(EMAIL, safe=""), safe=""), "e-mail, lower case, URL-encoded twice"),
    (quote_plus("Vestergade 12, 2. tv"), "address as typed, URL-encoded (form style)"),
    (quote_plus(quote_plus("Vestergade 12, 2. tv")), "address as typed, URL-encoded (form style) twice"),
    (b64(EMAIL.encode()), "e-mail, lower case, base64"),
    (b64(EMAIL.encode(), pad=False), "e-mail, lower case, base64"),
    (b64(EMAIL.encode(), url=True), "e-mail, lower case, base64url"),
    (b64(quote(EMAIL, safe="").encode()), "e-mail, lower case, base64 of the URL-encoded value"),
    (b64(quote(EMAIL, safe="").encode(), url=True, pad=False),
     "e-mail, lower case, base64url of the URL-encoded value"),
    (EMAIL.encode().hex(), "e-mail, lower case, hex"),
    (EMAIL.encode().hex().upper(), "e-mail, lower case, hex"),
    (hashlib.md5(EMAIL.encode()).hexdigest(), "MD5 (hex) of e-mail, lower case"),
    (hashlib.md5(EMAIL.upper().encode()).hexdigest().upper(), "MD5 (hex) of e-mail, upper case"),
    (hashlib.sha1(EMAIL.encode()).hexdigest(), "SHA-1 (hex) of e-mail, lower case"),
    (hashlib.sha256(EMAIL.encode()).hexdigest(), "SHA-256 (hex) of e-mail, lower case"),
    (hashlib.sha512(EMAIL.encode()).hexdigest(), "SHA-512 (hex) of e-mail, lower case"),
    (b64(hashlib.sha256(EMAIL.encode()).digest()), "SHA-256 (base64) of e-mail, lower case"),
    (b64(hashlib.sha256(EMAIL.encode()).digest(), url=True, pad=False), "SHA-256 (base64url) of e-mail, lower case"),
    (hashlib.sha256(quote(EMAIL, safe="").encode()).hexdigest(), "SHA-256 (hex) of e-mail, lower case, URL-encoded"),
    (hashlib.sha256(b"+4512345678").hexdigest(), "SHA-256 (hex) of phone, E.164 (+45...)"),
    (hashlib.sha256(b"4512345678").hexdigest(), "SHA-256 (hex) of phone, digits with country code"),
    (hashlib.sha256(b"12345678").hexdigest(), "SHA-256 (hex) of phone, national 8 digits"),
    ("12 34 56 78", "phone, national with spaces"),
    ("004512345678", "phone, 00 and country code"),
    ("%2B4512345678", "phone, E.164 (+45...), URL-encoded"),
    ("0101901234", "CPR number without dash"),
    ("010190-1234", "CPR number with dash"),
    (hashlib.sha256(b"0101901234").hexdigest(), "SHA-256 (hex) of CPR number without dash"),
    ("søren peter østergård", "name, lower case"),
    (quote("Søren Peter Østergård", safe=""), "name as typed, URL-encoded"),
    (hashlib.sha256("søren".encode()).hexdigest(), "SHA-256 (hex) of first name, lower case"),
    (hashlib.sha256("østergård".encode()).hexdigest(), "SHA-256 (hex) of last name, lower case"),
    ("sørenpeterøstergård", "name, lower case without spaces"),
    ("vestergade 12", "street and number, lower case"),
    (hashlib.sha256(b"8000").hexdigest(), "SHA-256 (hex) of postcode"),
    ("19900102", "birth date YYYYMMDD"),
    ("1990-01-02", "birth date YYYY-MM-DD"),
    ("02.01.1990", "birth date DD.MM.YYYY"),
    (hashlib.sha256(b"19900102").hexdigest(), "SHA-256 (hex) of birth date YYYYMMDD"),
    ("sag-2025-004711", "other.case_number, lower case"),
])
def test_each_form_is_found_with_its_name(text, form):
    hits = found(f"x={text}&y=1")
    assert hits, f"{form} not found"
    # base64 and base64url are the same text when the value's encoding holds no "+" or "/": either name is right
    assert hits[0][1] in (form, form.replace("base64url", "base64"))


def test_gmail_addresses_are_also_hashed_as_google_normalises_them():
    index = build_index(parse_identity("email: Jens.Hansen@gmail.com\n"))
    digest = hashlib.sha256(b"jenshansen@gmail.com").hexdigest()
    assert [h.form.form for h in index.find(digest)] == ["SHA-256 (hex) of e-mail, lower case, Gmail dots removed"]


def test_the_field_is_named_not_the_value():
    hits = INDEX.find(hashlib.sha256(EMAIL.encode()).hexdigest())
    assert hits[0].form.field == "email" and hits[0].form.data_type == "emailAddress"
    assert EMAIL not in repr(hits) and "jens" not in repr(hits[0].form).lower()


@pytest.mark.parametrize("text", [
    hashlib.sha256(b"jens.hansen@example.com").hexdigest(),  # a different e-mail
    hashlib.sha256(b"jens.hansen@example.dk ").hexdigest(),  # not trimmed: not a form trackers send
    hashlib.md5(b"0101901235").hexdigest(),
    "90101901234",  # the CPR digits inside a longer number
    "01019012345",
    "12345678901",  # the phone digits inside a longer number
    "xjens.hansen@example.dkx",
    "80001",  # the postcode inside a longer number
    "19900102123",
    b64(b"jens.hansen@example.com"),
])
def test_near_misses_are_not_found(text):
    assert found(text) == []


def test_a_first_name_inside_a_word_is_not_found():
    assert found("sørensen") == []
    assert found("/søren/") == [("name", "first name, lower case")]


def test_weak_values_are_marked_weak():
    strong = {h.form.field: h.form.strong for h in INDEX.find("a=8000&b=søren&c=0101901234")}
    assert strong == {"postcode": False, "name": False, "cpr": True}


def test_index_repr_holds_no_value():
    assert "jens" not in repr(INDEX).lower() and "needles" in repr(INDEX)
    assert len(INDEX) > 300


def test_hits_report_offsets_in_the_text():
    text = "a=1&cpr=0101901234&b=2"
    (hit,) = INDEX.find(text)
    assert text[hit.start:hit.end] == "0101901234"
