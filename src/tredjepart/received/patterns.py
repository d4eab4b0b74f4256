"""Personal data recognised by its shape, without a declared identity: CPR numbers, e-mail addresses and Danish
phone numbers. Lower confidence than a declared value, and conservative on purpose: a false alarm about a CPR
number in a tracker request costs an auditor's afternoon.

CPR (the Danish personal identification number, DDMMYY-SSSS): the first six digits must be a real date, with the
century taken from the seventh digit as the CPR office assigns it (0-3: 1900s; 4 and 9: 2000-2036 for years 00-36,
else 1900s; 5-8: 2000-2057 for years 00-57, else 1858-1899), not in the future. The modulus-11 check only raises
confidence: numbers issued since 2007 need not pass it. Ten digits inside a longer run of letters or digits are no
CPR number (``ALK0909133838FB``), nor is a 10-digit order number whose first six digits are no date. Confidence:
"low" for ten bare digits, "medium" with the dash, or a passing modulus-11 check, or a field named like a CPR
field; "high" with two of these. Ten bare digits that could be a Unix time of 2001-2033 (1000000000-1999999999,
which tracker cookies and cache-busters are full of) do not gain confidence from modulus 11, which one number in
eleven passes by chance. The scanner reports "medium" and "high" hits; masking masks all of them.

E-mail addresses: local part, "@", a domain with a letter TLD; not image names such as ``logo@2x.png``.

Danish phone numbers: with +45 or 0045 before eight digits whose first digit is 2-9; eight bare digits only in a
field whose name says phone (tel, phone, mobil, telefon, ph).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_CPR = re.compile(r"(?<![A-Za-z0-9])(\d{2})(\d{2})(\d{2})(-?)(\d)(\d{3})(?![A-Za-z0-9])")
_EMAIL = re.compile(r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@"
                    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,8}[A-Za-z]{2,24}(?![A-Za-z0-9-])")
_PHONE_PREFIXED = re.compile(r"(?<![0-9+])(?:\+|00)45[ -]?([2-9]\d)[ -]?(\d{2})[ -]?(\d{2})[ -]?(\d{2})(?![0-9])")
_PHONE_BARE = re.compile(r"(?<![0-9])([2-9]\d)[ -]?(\d{2})[ -]?(\d{2})[ -]?(\d{2})(?![0-9])")
_FILE_TLDS = frozenset({"png", "jpg", "jpeg", "gif", "svg", "webp", "avif", "ico", "js", "css", "woff", "woff2",
                        "ttf", "map", "json", "html", "htm", "php", "mp4", "webm", "pdf"})
_CPR_NAMES = re.compile(r"cpr|personnummer|personnr|ssn|nationalid", re.I)
_PHONE_NAMES = re.compile(r"(?:^|[^a-z])(?:tel|phone|mobil|telefon|ph|msisdn)", re.I)
_WEIGHTS = (4, 3, 2, 7, 6, 5, 4, 3, 2, 1)
_UNIX_MIN, _UNIX_MAX = 1_000_000_000, 2_000_000_000  # ten digits that may be a Unix time in seconds
LEVELS = ("low", "medium", "high")


@dataclass(frozen=True, slots=True)
class PatternHit:
    name: str  # "cpr" | "email" | "phone"
    data_type: str  # vocabulary type
    start: int
    end: int
    confidence: str  # "low" | "medium" | "high"
    form: str  # what made it count: "DDMMYY-SSSS, valid date, modulus-11", ...


def cpr_birth_date(digits: str) -> date | None:
    """The birth date a 10-digit CPR number encodes, or None when it encodes none (century from digit 7)."""
    if len(digits) != 10 or not digits.isdigit():
        return None
    dd, mm, yy, d7 = int(digits[:2]), int(digits[2:4]), int(digits[4:6]), int(digits[6])
    if d7 <= 3:
        century = 1900
    elif d7 in (4, 9):
        century = 2000 if yy <= 36 else 1900
    else:
        century = 2000 if yy <= 57 else 1800
    try:
        born = date(century + yy, mm, dd)
    except ValueError:
        return None
    return born if born <= date.today() else None


def modulus11(digits: str) -> bool:
    """Whether a 10-digit CPR number passes the (pre-2007) modulus-11 check."""
    return len(digits) == 10 and sum(int(d) * w for d, w in zip(digits, _WEIGHTS)) % 11 == 0


def find_patterns(text: str, where: str = "") -> list[PatternHit]:
    """CPR numbers, e-mail addresses and Danish phone numbers in ``text``; ``where`` (e.g. "query cpr") is the
    name of the field the text came from, which may raise confidence. Never raises."""
    if not text:
        return []
    out: list[PatternHit] = []
    named_cpr = bool(_CPR_NAMES.search(where))
    for m in _CPR.finditer(text):
        digits = m.group(1) + m.group(2) + m.group(3) + m.group(5) + m.group(6)
        if cpr_birth_date(digits) is None:
            continue
        dash, mod = bool(m.group(4)), modulus11(digits)
        if not dash and _UNIX_MIN <= int(digits) < _UNIX_MAX:
            mod = False  # a Unix time (2001-2033) passes modulus 11 by chance one time in eleven
        score = dash + mod + named_cpr
        reasons = ["DDMMYY-SSSS" if dash else "DDMMYYSSSS", "valid date"] + (["modulus-11"] if mod else [])
        out.append(PatternHit("cpr", "cprNumber", m.start(), m.end(), LEVELS[min(score, 2)], ", ".join(reasons)))
    if "@" in text:
        for m in _EMAIL.finditer(text):
            domain = m.group().rsplit("@", 1)[1].lower()
            tld = domain.rsplit(".", 1)[1]
            if tld in _FILE_TLDS or re.match(r"^\d+x\.", domain):
                continue
            out.append(PatternHit("email", "emailAddress", m.start(), m.end(), "medium", "e-mail address"))
    taken = [(h.start, h.end) for h in out]
    for m in _PHONE_PREFIXED.finditer(text):
        if not _overlaps(taken, m.start(), m.end()):
            out.append(PatternHit("phone", "phoneNumber", m.start(), m.end(), "medium", "+45 and 8 digits"))
            taken.append((m.start(), m.end()))
    if _PHONE_NAMES.search(where):
        for m in _PHONE_BARE.finditer(text):
            if not _overlaps(taken, m.start(), m.end()):
                out.append(PatternHit("phone", "phoneNumber", m.start(), m.end(), "medium",
                                      "8 digits in a phone field"))
    return out


def _overlaps(taken: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(start < e and s < end for s, e in taken)
