"""Whether a run of characters is random (a token, an id, a key) or reads as what it is (words, a camelCase name,
a slug, a number, a date): the test observe.tokens applies to every run of the base64 alphabet in a path.

Random tokens are random bytes encoded: hex, base64, base64url, UUIDs. Hex and UUIDs are recognised by their
alphabet (hex needs letters, digits and some variety: ``000000000000000000012d67`` is a counter). For the base64
alphabet the question is whether the letters read as words: lower, UPPER, camelCase and PascalCase with acronyms,
with vowels (random letters often go four without one), possibly followed by a short number. What does not read
as words, has varied characters (entropy) and, where it has digits, changes often between lower case, upper case
and digits, is random. Labelled numbers (``Ad4647099St3Sz170``) read as words with numbers.

Measured on random tokens of 12-32 bytes: every UUID, all but 1 in 10,000 hex and 3 in 1,000 base64 tokens are
taken for random; the misses are short base64 tokens whose letters happen to read like camelCase.
"""

from __future__ import annotations

import re

from tredjepart.hashing import entropy

RUN_MIN = 16  # characters: 64 bits and more in hex, 95 in base64
RANDOM_ENTROPY_MIN = 3.0  # bits per character of a random-looking run (not hex)
HEX_ENTROPY_MIN = 2.8  # bits per character of a random hex run (16 random hex digits have about 3.2)
RANDOM_TRANSITIONS_MIN = 0.25  # changes of character class (lower/upper/digit) per character

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_HEX = re.compile(r"^(?:[0-9a-f]+|[0-9A-F]+)$")
_WORD = re.compile(r"^([A-Za-z]*)[0-9]{0,4}$")
_LETTERS = re.compile(r"[A-Za-z]+")
_CAPITALISED = re.compile(r"^[A-Z][a-z]*$")
# Letters that read as words: lower, UPPER, or camelCase/PascalCase whose lower-case runs are word bodies (2+).
_CAMEL = re.compile(r"^(?:[A-Z]*[a-z]{2,}(?:[A-Z]+[a-z]{2,})*[A-Z]*|[A-Z]+|[a-z]+)$")
_LOWER_RUNS = re.compile(r"[a-z]+")
_UPPER_RUNS = re.compile(r"[A-Z]+")
_VOWEL = re.compile(r"[aeiouyæøå]")
_VOWELLESS = frozenset({"http", "https", "html", "xhtml", "www", "sftp", "ftps"})


def _class(c: str) -> int:
    return 0 if c.islower() else 1 if c.isupper() else 2 if c.isdigit() else 3


def reads_as_words(letters: str) -> bool:
    """Whether letters read as words: lower, UPPER, camelCase/PascalCase (acronyms allowed), or case runs whose
    lower-case parts are word-long (three letters on average; random base64 letters average two)."""
    if not letters:
        return True
    lower = _LOWER_RUNS.findall(letters)
    if any(len(r) >= 4 and not _VOWEL.search(r) and r not in _VOWELLESS for r in lower):
        return False  # "bnfqwv": words have vowels, random letters often go four without one
    if _CAMEL.match(letters):
        return True
    # camelCase with one-letter words ("getElementsByTagName"): single capitals, word-long lower-case runs
    single_capitals = all(len(r) == 1 for r in _UPPER_RUNS.findall(letters))
    return bool(lower) and single_capitals and sum(map(len, lower)) / len(lower) >= 3


def _is_word(piece: str) -> bool:
    """A word with at most four digits after it (``homepage1``, ``v2``, ``IMG2024``), or a number of up to four."""
    m = _WORD.match(piece)
    return bool(m) and reads_as_words(m.group(1))


def _random_hex(text: str) -> bool:
    """Hex digits with letters, digits and some variety (not a counter like ``000000000000012d67``)."""
    return (bool(_HEX.match(text)) and not text.isdigit() and any(c.isdigit() for c in text)
            and entropy(text) >= HEX_ENTROPY_MIN)


def random_kind(run: str) -> str | None:
    """The shape of a random-looking run (``uuid``, ``hex``, ``base64``, ``mixed``), or None for words, numbers,
    dates and anything else that reads like what it is."""
    core = run.rstrip("=").strip("-_+/")
    if len(run.rstrip("=")) < RUN_MIN or len(core) < RUN_MIN - 2 or core.isdigit():
        return None
    if _UUID.match(core):
        return "uuid"
    has_digit = any(c.isdigit() for c in core)
    if _HEX.match(core):
        return "hex" if _random_hex(core) else None
    random_shape = "mixed" if any(c in core for c in "-_") else "base64"
    pieces = [w for w in re.split(r"[-_+/]", core) if w]
    if any(len(w) >= RUN_MIN and _random_hex(w) for w in pieces):
        return "mixed"  # a hex id with a prefix or suffix (``RX-<hex>``, ``x/<hex>``)
    if all(_is_word(w) for w in pieces):
        return None  # words and short numbers joined: a slug, a name, a version, camelCase
    if entropy(core) < RANDOM_ENTROPY_MIN:
        return None
    if not has_digit:
        return random_shape  # letters that do not read as words: base64 without a digit, by chance
    runs = _LETTERS.findall(core)
    if len(runs) >= 3 and all(_CAPITALISED.match(r) for r in runs):
        return None  # labelled numbers (``Ad4647099St3Sz170``): every letter run a capitalised word
    alnum = "".join(c for c in core if c.isalnum())
    transitions = sum(1 for a, b in zip(alnum, alnum[1:]) if _class(a) != _class(b)) / len(alnum)
    return random_shape if transitions >= RANDOM_TRANSITIONS_MIN else None
