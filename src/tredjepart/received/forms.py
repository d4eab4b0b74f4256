"""Every form a declared value travels in, built once per identity.

A tracker rarely sends a value as typed. The Meta pixel's advanced matching and Google's enhanced conversions
normalise a field (e-mail trimmed and lower-cased, phone with its country code, names lower-cased, birth date as
YYYYMMDD) and send its SHA-256; other scripts send a value URL-encoded twice, base64 of the URL-encoded value, an
MD5 in upper-case hex. ``identity_forms`` lists, per declared field, the normalised *variants* of its value and,
for each, the *encodings* (URL-encoded once and twice in both styles, base64 and base64url with and without
padding, hex) and *hashes* (MD5, SHA-1, SHA-256, SHA-512, as hex and as base64) a tracker may send.

Forms are of two kinds, so that matching (received/index.py) costs a few dictionary look-ups and substring
searches per request, not one search per form:

* ``TEXT`` forms (the variants and their URL encodings) are searched as substrings, case-insensitively;
* ``TOKEN`` forms (hashes, base64, hex) are looked up exactly among the tokens of a request.

A form never holds a name for the value in its label: "SHA-256 (hex) of e-mail, lower case" names the field.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass, field
from urllib.parse import quote, quote_plus

from tredjepart.received.identity import Identity

TEXT = "text"
TOKEN = "token"
HASHES = (("MD5", "md5"), ("SHA-1", "sha1"), ("SHA-256", "sha256"), ("SHA-512", "sha512"))
FIELD_TYPES = {
    "name": "name", "cpr": "cprNumber", "email": "emailAddress", "phone": "phoneNumber", "address": "address",
    "postcode": "postcode", "birth_date": "birthDate",
}
MIN_TEXT = 3  # characters: a shorter variant is never searched as text


@dataclass(frozen=True, slots=True)
class Form:
    """One form of one declared field: what the index reports on a match (never the value)."""

    field: str  # "email", "cpr", "other.case_number"
    data_type: str  # vocabulary type (received/vocabulary.py)
    form: str  # "as typed", "URL-encoded twice", "SHA-256 (hex) of e-mail, lower case"
    strong: bool = True  # False: a plain value common enough to appear by chance (a postcode, a first name)


@dataclass(frozen=True, slots=True)
class Needle:
    kind: str  # TEXT or TOKEN
    key: str = field(repr=False)  # what is searched: lower-case text, or the token (hex lower-case, base64 unpadded)
    form: Form
    exact: str = field(default="", repr=False)  # TEXT: the needle in its own case, to tell "upper case" apart


@dataclass(frozen=True, slots=True)
class Variant:
    text: str = field(repr=False)
    label: str  # "e-mail, lower case"
    strong: bool = True


def variants(identity: Identity) -> list[tuple[str, str, list[Variant]]]:
    """(field, data type, variants) for every declared field."""
    out = []
    if identity.email:
        e = identity.email.strip()
        vs = [Variant(e, "e-mail as typed"), Variant(e.lower(), "e-mail, lower case"),
              Variant(e.upper(), "e-mail, upper case")]
        local, _, domain = e.lower().rpartition("@")
        if domain in ("gmail.com", "googlemail.com") and "." in local:
            # Google's normalisation for hashing drops the dots before a Gmail domain
            vs.append(Variant(f"{local.replace('.', '')}@{domain}", "e-mail, lower case, Gmail dots removed"))
        out.append(("email", "emailAddress", vs))
    if identity.cpr:
        digits = identity.cpr.replace("-", "")
        out.append(("cpr", "cprNumber", [Variant(f"{digits[:6]}-{digits[6:]}", "CPR number with dash"),
                                         Variant(digits, "CPR number without dash")]))
    if identity.phone:
        out.append(("phone", "phoneNumber", _phone(identity.phone)))
    if identity.name:
        out.append(("name", "name", _name(identity.name)))
    if identity.address:
        a = " ".join(identity.address.split())
        vs = [Variant(a, "address as typed"), Variant(a.lower(), "address, lower case")]
        street = a.split(",")[0].strip()
        if street != a and len(street) >= 6:
            vs.append(Variant(street.lower(), "street and number, lower case"))
        out.append(("address", "address", vs))
    if identity.postcode:
        p = identity.postcode.strip()
        out.append(("postcode", "postcode", [Variant(p, "postcode", strong=False)]))
    if identity.birth_date:
        d = identity.birth_date
        out.append(("birth_date", "birthDate", [
            Variant(d.isoformat(), "birth date YYYY-MM-DD"), Variant(d.strftime("%Y%m%d"), "birth date YYYYMMDD"),
            Variant(d.strftime("%d-%m-%Y"), "birth date DD-MM-YYYY"),
            Variant(d.strftime("%d.%m.%Y"), "birth date DD.MM.YYYY"),
            Variant(d.strftime("%d/%m/%Y"), "birth date DD/MM/YYYY"),
        ]))
    for name, value in identity.other:
        v = value.strip()
        strong = len(v) >= 6
        out.append((f"other.{name}", "declaredValue", [Variant(v, f"other.{name} as typed", strong),
                                                       Variant(v.lower(), f"other.{name}, lower case", strong)]))
    return [(f, t, _dedupe(vs)) for f, t, vs in out]


def _phone(raw: str) -> list[Variant]:
    digits = re.sub(r"\D", "", raw)
    if raw.strip().startswith("00"):
        digits = digits[2:]
    elif not raw.strip().startswith("+") and len(digits) == 8:
        digits = "45" + digits  # a Danish national number
    out = [Variant(raw.strip(), "phone as typed")]
    out += [Variant("+" + digits, "phone, E.164 (+45...)"), Variant(digits, "phone, digits with country code"),
            Variant("00" + digits, "phone, 00 and country code")]
    if digits.startswith("45") and len(digits) == 10:
        n = digits[2:]
        spaced = " ".join(n[i:i + 2] for i in range(0, 8, 2))
        out += [Variant(n, "phone, national 8 digits"), Variant(spaced, "phone, national with spaces"),
                Variant("+45 " + spaced, "phone, +45 with spaces")]
    return out


def _name(raw: str) -> list[Variant]:
    full = " ".join(raw.split())
    parts = full.split(" ")
    out = [Variant(full, "name as typed"), Variant(full.lower(), "name, lower case")]
    if len(parts) > 1:
        out.append(Variant(full.lower().replace(" ", ""), "name, lower case without spaces"))
        first, last = parts[0], parts[-1]
        out += [Variant(first.lower(), "first name, lower case", strong=False),
                Variant(last.lower(), "last name, lower case", strong=False)]
    return out


def _dedupe(vs: list[Variant]) -> list[Variant]:
    seen: dict[str, Variant] = {}
    for v in vs:
        seen.setdefault(v.text, v)
    return list(seen.values())


def identity_forms(identity: Identity) -> list[Needle]:
    """Every needle of every declared field (first form wins where two forms give the same needle)."""
    out: list[Needle] = []
    for fname, dtype, vs in variants(identity):
        for v in vs:
            out.extend(_needles(fname, dtype, v))
    return out


def _needles(fname: str, dtype: str, v: Variant) -> list[Needle]:
    def form(label: str, strong: bool = True) -> Form:
        return Form(fname, dtype, label, strong)

    out: list[Needle] = []
    if len(v.text) >= MIN_TEXT:
        out.append(Needle(TEXT, v.text.lower(), form(v.label, v.strong), v.text))
        for enc, f1 in (("URL-encoded", quote), ("URL-encoded (form style)", quote_plus)):
            once = f1(v.text, safe="")
            if once != v.text:
                twice = f1(once, safe="")
                out.append(Needle(TEXT, once.lower(), form(f"{v.label}, {enc}", v.strong), once))
                out.append(Needle(TEXT, twice.lower(), form(f"{v.label}, {enc} twice", v.strong), twice))
    raw = v.text.encode("utf-8")
    for label, data in (("", raw), (" of the URL-encoded value", quote(v.text, safe="").encode())):
        if len(data) >= 4:
            out.append(Needle(TOKEN, _b64(data), form(f"{v.label}, base64{label}")))
            out.append(Needle(TOKEN, _b64url(data), form(f"{v.label}, base64url{label}")))
    if len(raw) >= 4:
        out.append(Needle(TOKEN, raw.hex(), form(f"{v.label}, hex")))
    inputs = {raw: v.label}
    inputs.setdefault(quote(v.text, safe="").encode(), f"{v.label}, URL-encoded")
    for data, what in inputs.items():
        for name, algo in HASHES:
            digest = hashlib.new(algo, data).digest()
            out.append(Needle(TOKEN, digest.hex(), form(f"{name} (hex) of {what}")))
            out.append(Needle(TOKEN, _b64(digest), form(f"{name} (base64) of {what}")))
            out.append(Needle(TOKEN, _b64url(digest), form(f"{name} (base64url) of {what}")))
    return out


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode().rstrip("=")


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")
