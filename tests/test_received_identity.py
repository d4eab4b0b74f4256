"""The declared test identity: the YAML file, its errors (FILE:LINE, never the value), and what may be stored."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tredjepart.received.identity import MAX_FILE, Identity, IdentityError, load_identity, parse_identity

FULL = """\
name: Jens Peter Hansen
cpr: "010190-1234"
email: jens.hansen@example.dk
phone: "+45 12 34 56 78"
address: Vestergade 12, 2. tv
postcode: "8000"
birth_date: 1990-01-01
other:
  case_number: SAG-2025-004711
"""


def test_full_file_reads_every_field():
    i = parse_identity(FULL, "id.yaml")
    assert i.name == "Jens Peter Hansen"
    assert i.cpr == "010190-1234"
    assert i.email == "jens.hansen@example.dk"
    assert i.phone == "+45 12 34 56 78"
    assert i.postcode == "8000"
    assert i.birth_date == date(1990, 1, 1)
    assert i.other == (("case_number", "SAG-2025-004711"),)
    assert i.declared_fields() == ("name", "cpr", "email", "phone", "address", "postcode", "birth_date",
                                   "other.case_number")


def test_unquoted_numbers_keep_their_leading_zeros():
    i = parse_identity("cpr: 0101901234\npostcode: 0800\nphone: 004512345678\n")
    assert (i.cpr, i.postcode, i.phone) == ("0101901234", "0800", "004512345678")


def test_every_key_is_optional_and_an_empty_file_declares_nothing():
    assert parse_identity("").declared_fields() == ()
    assert parse_identity("email: a.b@example.dk\n").declared_fields() == ("email",)


def test_birth_date_in_danish_order():
    assert parse_identity("birth_date: 01-02-1990\n").birth_date == date(1990, 2, 1)


def test_repr_and_str_show_field_names_only():
    i = parse_identity(FULL)
    for text in (repr(i), str(i), f"{i}"):
        assert "010190" not in text and "jens" not in text.lower() and "8000" not in text
        assert "cpr" in text


@pytest.mark.parametrize("text,line,words", [
    ("cpr: 12345\n", 1, "'cpr' must be 10 digits"),
    ("email: not-an-address\n", 1, "'email' is not an e-mail address"),
    ("phone: call me\n", 1, "'phone' must be a phone number"),
    ("name: x\nemial: a@b.dk\n", 2, "unknown key 'emial'; did you mean 'email'?"),
    ("birth_date: 1990-13-40\n", 1, "'birth_date' must be a date"),
    ("postcode: '12'\n", 1, "'postcode' must be"),
    ("other:\n  case: abc\n", 2, "too short"),
    ("other: [a, b]\n", 1, "'other' must be a mapping"),
    ("other:\n  'bad name': value1\n", 2, "each name under 'other'"),
    ("name: [a, b]\n", 1, "'name' must be text"),
    ("- a\n- b\n", 1, "an identity file is a mapping"),
    ("name: 'unterminated\n", 2, "YAML syntax error"),
    ("email: a@b.dk\nemail: c@d.dk\n", 2, "duplicate key 'email'"),
])
def test_bad_files_name_file_and_line(text, line, words):
    with pytest.raises(IdentityError) as e:
        parse_identity(text, "person.yaml")
    assert f"person.yaml:{line}:" in str(e.value)
    assert words in str(e.value)


def test_errors_never_repeat_the_value():
    with pytest.raises(IdentityError) as e:
        parse_identity("cpr: 12345678901234\nemail: secret-value-no-at\nphone: 'secretphone'\n", "p.yaml")
    message = str(e.value)
    assert len(e.value.problems) == 3
    assert "12345678901234" not in message and "secret-value" not in message and "secretphone" not in message


def test_every_problem_is_reported_at_once():
    with pytest.raises(IdentityError) as e:
        parse_identity("cpr: 1\nemail: x\nfoo: 1\n", "p.yaml")
    assert [p.line for p in e.value.problems] == [1, 2, 3]


def test_load_identity_reads_a_file_and_refuses_a_huge_one(tmp_path):
    good = tmp_path / "id.yaml"
    good.write_text(FULL, encoding="utf-8")
    assert load_identity(good).cpr == "010190-1234"
    huge = tmp_path / "huge.yaml"
    huge.write_bytes(b"name: " + b"a" * (MAX_FILE + 10))
    with pytest.raises(IdentityError, match="larger than"):
        load_identity(huge)
    with pytest.raises(IdentityError, match="cannot read"):
        load_identity(tmp_path / "missing.yaml")
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"name: \xff\xfe\x00")
    with pytest.raises(IdentityError, match="not UTF-8"):
        load_identity(binary)


def test_values_are_bounded():
    with pytest.raises(IdentityError, match="longer than 200"):
        parse_identity("name: " + "a" * 300 + "\n")
    many = "other:\n" + "".join(f"  k{i}: value{i}\n" for i in range(30))
    with pytest.raises(IdentityError, match="more than 20"):
        parse_identity(many)


def test_the_example_file_in_docs_is_valid():
    from conftest import ROOT

    i = load_identity(ROOT / "docs" / "identity-example.yaml")
    assert set(i.declared_fields()) >= {"name", "cpr", "email", "phone"}


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_hostile_text_gives_an_identity_or_a_clear_error(text):
    try:
        i = parse_identity(text, "h.yaml")
    except IdentityError as e:
        assert all(str(p).startswith("h.yaml:") for p in e.problems)
    else:
        assert isinstance(i, Identity)


_keys = st.sampled_from(["name", "cpr", "email", "phone", "address", "postcode", "birth_date", "other", "x"])
_values = st.one_of(st.text(max_size=30), st.integers(), st.dates().map(str), st.lists(st.text(max_size=5)))


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(_keys, _values, max_size=8))
def test_hostile_mappings_give_an_identity_or_a_clear_error(data):
    import yaml

    text = yaml.safe_dump(data, allow_unicode=True)
    try:
        parse_identity(text, "h.yaml")
    except IdentityError as e:
        assert e.problems and all(p.file == "h.yaml" for p in e.problems)
