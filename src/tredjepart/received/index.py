"""Finding the declared values, in any of their forms, in a request: fast enough to run on every flow.

``IdentityIndex`` is built once per identity from received/forms.py's needles:

* text needles (the variants and their URL encodings, a few dozen) are found in one pass of one compiled pattern
  over the lower-cased text (longest needle first at each place); a hit counts only where it does not continue a
  longer run of digits or letters (``0101901234`` is not found inside ``90101901234``, ``anne`` not inside
  ``hannes``), and where the longest needle is no whole value a shorter one at the same place is tried;
* token needles (hashes, base64, hex: several hundred) sit in a dictionary; the text's runs of base64 and hex
  characters are looked up there, only those of a length some needle has.

So a place of a request costs three regular-expression passes, whatever the number of forms.
``find`` returns the hits with their offsets, never the value found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tredjepart.received.forms import TEXT, Form, Needle, identity_forms
from tredjepart.received.identity import Identity

MAX_HITS_PER_NEEDLE = 16
_B64_STD = re.compile(r"[A-Za-z0-9+/]{8,}+={0,2}")  # possessive: no backtracking (Python 3.11+)
_B64_URL = re.compile(r"[A-Za-z0-9_-]{8,}+={0,2}")
_HEX = re.compile(r"^[0-9a-fA-F]+$")
_TOKEN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")


@dataclass(frozen=True, slots=True)
class Hit:
    form: Form
    start: int
    end: int


class IdentityIndex:
    """The needles of one identity, ready for matching. Holds the values in memory: never serialise it."""

    __slots__ = ("_text", "_tokens", "_lengths", "_any", "fields")

    def __init__(self, needles: list[Needle]) -> None:
        self._text: dict[str, list[tuple[str, Form]]] = {}
        self._tokens: dict[str, Form] = {}
        for n in needles:
            if n.kind == TEXT:
                self._text.setdefault(n.key, []).append((n.exact, n.form))
            else:
                self._tokens.setdefault(n.key, n.form)
        # Longest first, so a match of "jens hansen" is preferred to one of "hansen" at the same place.
        self._text = dict(sorted(self._text.items(), key=lambda kv: -len(kv[0])))
        self._lengths = frozenset(len(k) for k in self._tokens)
        # One pass of one pattern finds every text needle (longest first at each place), in C.
        self._any = re.compile("|".join(re.escape(k) for k in self._text)) if self._text else None
        self.fields = tuple(dict.fromkeys(f.field for fs in self._text.values() for _, f in fs))

    def __repr__(self) -> str:
        return f"IdentityIndex({len(self._text)} text needles, {len(self._tokens)} token needles)"

    def __len__(self) -> int:
        return len(self._text) + len(self._tokens)

    def find(self, text: str) -> list[Hit]:
        """Every hit of a declared value's form in ``text`` (bounded per needle), longest text forms first."""
        hits: list[Hit] = []
        if not text:
            return hits
        low = _lower(text)
        taken: list[tuple[int, int]] = []
        counts: dict[str, int] = {}
        pos = 0
        while self._any is not None and (m := self._any.search(low, pos)) is not None:
            start, end, key = m.start(), m.end(), m.group()
            if _bounded(low, start, end) and counts.get(key, 0) < MAX_HITS_PER_NEEDLE:
                counts[key] = counts.get(key, 0) + 1
                taken.append((start, end))
                hits.append(Hit(_case_form(text[start:end], self._text[key]), start, end))
                pos = end
            else:  # not a whole value here (part of a longer number or word): a shorter needle may be
                pos = start + 1
                for other in self._text:
                    if len(other) < end - start and low.startswith(other, start) and _bounded(
                            low, start, start + len(other)) and counts.get(other, 0) < MAX_HITS_PER_NEEDLE:
                        counts[other] = counts.get(other, 0) + 1
                        taken.append((start, start + len(other)))
                        hits.append(Hit(_case_form(text[start:start + len(other)], self._text[other]), start,
                                        start + len(other)))
                        pos = start + len(other)
                        break
        lengths, tokens = self._lengths, self._tokens
        seen: set[str] = set()
        for rx in (_B64_STD, _B64_URL):
            for run in rx.findall(text):
                token = run.rstrip("=")
                if len(token) not in lengths or token in seen:
                    continue
                seen.add(token)
                form = tokens.get(token)
                if form is None and _HEX.match(token):
                    form = tokens.get(token.lower())
                if form is None:
                    continue
                for m in re.finditer(re.escape(token), text):  # a hit: find each place it sits in
                    if not _inside(taken, m.start(), m.end()) and _bounded_token(text, m.start(), m.end()):
                        taken.append((m.start(), m.end()))
                        hits.append(Hit(form, m.start(), m.end()))
        return hits


def _lower(text: str) -> str:
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)  # keep offsets (e.g. for "İ")


def _bounded(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] is not part of a longer number or word."""
    first, last = text[start], text[end - 1]
    if start > 0:
        before = text[start - 1]
        if (first.isdigit() and before.isdigit()) or (first.isalpha() and before.isalnum()):
            return False
    if end < len(text):
        after = text[end]
        if (last.isdigit() and after.isdigit()) or (last.isalpha() and after.isalnum()):
            return False
    return True


def _bounded_token(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] is a whole run of base64/hex characters (padding allowed after it)."""
    alphabet = _TOKEN_CHARS
    return (start == 0 or text[start - 1] not in alphabet) and (end == len(text) or text[end] not in alphabet)


def _inside(taken: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(s <= start and end <= e for s, e in taken)


def _case_form(found: str, forms: list[tuple[str, Form]]) -> Form:
    """The form whose exact text is what was found (as typed, lower case, upper case), else the first one with
    its case noted as changed."""
    for exact, form in forms:
        if exact == found:
            return form
    first = forms[0][1]
    return Form(first.field, first.data_type, f"{first.form}, case changed", first.strong)


def build_index(identity: Identity) -> IdentityIndex:
    """The index of every form of ``identity``'s declared values."""
    return IdentityIndex(identity_forms(identity))
