"""Which parts of a URL path are secrets: the classifier behind observe.paths (pure, no key, no I/O).

Query values never reach the database, but a path is kept, and paths carry secrets too: password-reset and
magic-link tokens (``/reset/<token>``), servlet and ASP.NET session ids (``;jsessionid=...``, ``/(S(...))/``),
JWTs, e-mail addresses, CPR numbers, and the identifiers trackers sync in path segments. ``secret_spans`` finds
them in one percent-decoded path segment (or query name) and says what each is; observe.paths replaces each span
with a placeholder holding a keyed hash. The names and words it knows are in observe.secretnames.

A span is a secret when it is (the ``kind`` in the placeholder):

``email``    an e-mail address (after percent-decoding; not ``logo@2x.png``: a file extension is no domain);
``jwt``      a JSON Web Token: ``eyJ`` and two or more base64url parts joined by dots;
``cpr``      a Danish CPR number: ``DDMMYY-NNNN`` or ten digits whose first six are a valid date, standing alone as
             a segment, a parameter value or a name (some Unix times and random numbers look the same);
``session``  the value of a session parameter (``;jsessionid=``, ``;sid=``, ``;phpsessid=`` ...) or of the
             ``S(...)``/``A(...)``/``F(...)`` parts of an ASP.NET cookieless-session segment ``(X(1)S(...))``;
``token``    the value of a credential parameter (``token=``, ``key=``, ``password=``, ``code=`` ...), or a segment
             right after a token word (``reset``, ``confirm``, ``activate``, ``magic-link``, ``invite`` ...) that
             is at least 6 characters and not a plain word (``/reset/password`` stays);
``id``       the value (4 characters or more) of an identifier parameter (``dpuuid=``, ``fpa=``, ``gclid=`` ...);
a *shape*    ``uuid``, ``hex``, ``base64`` or ``mixed``: a random-looking run (observe.randomness) of at least
             ``RUN_MIN`` characters of the base64/base64url alphabet: a UUID; hex with letters and digits and
             some variety; or letters (and digits) that do not read as words, with varied characters. Words,
             camelCase names and slugs (``homepage-injection-zone-4``, ``getElementsByTagName``), numbers,
             dates, labelled numbers (``Ad4647099St3Sz170``) are not.

Precision: in a path to a static asset (its last segment has an ``ASSET_EXTENSIONS`` extension:
``/static/app.4f3a9c0d.js``, a Google Fonts ``<sha256>.woff2``, ``controltag.js.<md5>``, an image directory named
by its id) random runs are taken for content hashes and ids and kept; e-mails, JWTs, CPR numbers and session,
token and identifier parameters are masked there too. Recall on random tokens of 12-32 bytes: every UUID, all
but 1 in 10,000 hex tokens and 3 in 1,000 base64 tokens (short ones whose letters happen to read like camelCase)
anywhere in a path; after a token word, all but 6 in 10,000 (word-like ones of at most 8 characters). Measured on
every URL of every capture in ../shared/data: docs/schema.md ("How paths are stored").
"""

from __future__ import annotations

import calendar
import functools
import re

from tredjepart.observe.randomness import RUN_MIN, random_kind
from tredjepart.observe.secretnames import (
    ASSET_EXTENSIONS,
    FILE_EXTENSIONS,
    ID_NAMES,
    SESSION_NAMES,
    TOKEN_NAMES,
    TOKEN_WORDS,
)

TOKEN_MIN = 6  # characters of a segment after a token word
ID_MIN = 4  # characters of an identifier parameter's value (``uid=1`` names nobody)
CACHED_TEXT = 1024  # texts up to this long are cached (the cache then holds at most 8192 of them)

_EMAIL = re.compile(r"[A-Za-z0-9._%+'-]{1,64}+@(?:[A-Za-z0-9-]{1,63}+\.){1,8}+[A-Za-z]{2,24}+(?![A-Za-z0-9-])")
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{4,}+(?:\.[A-Za-z0-9_-]{4,}+){1,4}+\.?[A-Za-z0-9_-]*+")
# A CPR number is a whole segment, parameter value or name: not ten digits inside a longer token.
_CPR = re.compile(r"(?:^|(?<=[;&=,:(]))([0-3][0-9])([01][0-9])([0-9]{2})-?[0-9]{4}(?=$|[;&,)])")
# ASP.NET cookieless session segments: "(S(id))", "(X(1)S(id)A(id)F(ticket))", and 1.x's bare "(id)" of 24
# characters a-z and 0-5.
_ASPNET = re.compile(r"^\((?:[A-Z]\([^()]{0,512}\))+\)$")
_ASPNET_V1 = re.compile(r"^\(([a-z0-5]{24})\)$")
_ASPNET_PART = re.compile(r"(?<=[SAF]\()[^()]{1,512}(?=\))")
_PARAM = re.compile(r"([^;&=]{1,200})=([^;&]*)")
# A run of the base64 and base64url alphabets; "/" is in it because in a decoded segment it was sent as %2F.
_RUN = re.compile(r"[A-Za-z0-9_+/-]{%d,}+={0,2}" % RUN_MIN)
_PLAIN_WORD = re.compile(r"^(?:[a-z]+|[A-Z][a-z]+|[A-Z]+)$")
_SLASH_PARTS = re.compile(r"[^/]+")

Span = tuple[int, int, str]  # (start, end, kind) in the text given


def _norm(name: str) -> str:
    return name.strip().lower().replace("-", "").replace("_", "")


def is_token_word(segment: str) -> bool:
    """Whether a path segment announces a token in the next one (``reset``, ``magic-link``, ``confirm.php``)."""
    return _norm(segment.rsplit(".", 1)[0]) in TOKEN_WORDS


def is_asset_name(segment: str) -> bool:
    """Whether a file name is a static asset's (``app.4f3a9c.js``, ``controltag.js.8508be...``)."""
    parts = segment.lower().split(".")
    return len(parts) > 1 and any(p in ASSET_EXTENSIONS for p in parts[1:])


def _valid_cpr(day: str, month: str, year: str) -> bool:
    d, m = int(day), int(month)
    if not 1 <= m <= 12 or d < 1:
        return False
    # The year's century is in the serial number; 29 February exists in some century of every two-digit year
    # divisible by 4 (2000 was a leap year), so a leap-day CPR is accepted for those.
    leap_year = 2000 + int(year)
    return d <= calendar.monthrange(leap_year, m)[1]


def _patterns(text: str, spans: list[Span]) -> None:
    if "@" in text:
        for m in _EMAIL.finditer(text):
            end = _email_end(m.group())
            if end:
                spans.append((m.start(), m.start() + end, "email"))
    if "eyJ" in text:
        spans.extend((m.start(), m.end(), "jwt") for m in _JWT.finditer(text))
    spans.extend((m.start(), m.end(), "cpr") for m in _CPR.finditer(text) if _valid_cpr(*m.groups()))


def _email_end(match: str) -> int:
    """The length of the e-mail address at the start of ``match``, without a trailing file extension; 0 when what
    is left is no address (``name@2x.png``)."""
    local, _, domain = match.partition("@")
    labels = domain.split(".")
    while labels and labels[-1].lower() in FILE_EXTENSIONS:
        labels.pop()
    if len(labels) < 2 or not labels[-1].isalpha() or len(labels[-1]) < 2:
        return 0
    return len(local) + 1 + len(".".join(labels))


def _params(text: str, spans: list[Span]) -> None:
    """``name=value`` parts (matrix parameters, ``;``/``&`` lists in a segment) with a session or token name."""
    if "=" not in text:
        return
    for m in _PARAM.finditer(text):
        name = _norm(m.group(1).rsplit(";", 1)[-1])
        if m.group(2) and name in SESSION_NAMES:
            spans.append((m.start(2), m.end(2), "session"))
        elif m.group(2) and name in TOKEN_NAMES:
            spans.append((m.start(2), m.end(2), "token"))
        elif len(m.group(2)) >= ID_MIN and name in ID_NAMES:
            spans.append((m.start(2), m.end(2), "id"))


def secret_spans(text: str, after_token_word: bool = False, asset: bool = False) -> tuple[Span, ...]:
    """The secret spans of one percent-decoded path segment or query name, sorted, not overlapping.

    ``after_token_word``: the segment follows one of TOKEN_WORDS; ``asset``: it is a segment of a path to a static
    asset (random runs are then taken for content hashes and ids of the file, and kept). Short texts (segments,
    names, User-Agents repeat from flow to flow) are answered from a cache.
    """
    if len(text) <= CACHED_TEXT:
        return _cached_spans(text, after_token_word, asset)
    return _spans(text, after_token_word, asset)


@functools.lru_cache(maxsize=8192)
def _cached_spans(text: str, after_token_word: bool, asset: bool) -> tuple[Span, ...]:
    return _spans(text, after_token_word, asset)


def _spans(text: str, after_token_word: bool, asset: bool) -> tuple[Span, ...]:
    spans: list[Span] = []
    if _ASPNET.match(text):
        spans.extend((m.start(), m.end(), "session") for m in _ASPNET_PART.finditer(text))
    elif m := _ASPNET_V1.match(text):
        spans.append((m.start(1), m.end(1), "session"))
    _patterns(text, spans)
    _params(text, spans)
    if after_token_word and not spans and len(text) >= TOKEN_MIN and not is_asset_name(text) and _opaque(text):
        spans.append((0, len(text), "token"))
    if not asset:
        for m in _RUN.finditer(text):
            kind = random_kind(m.group())
            if kind:
                spans.append((m.start(), m.end(), kind))
            elif "/" in m.group():  # a "/" in a run is base64's or a separator: try the parts between
                for part in _SLASH_PARTS.finditer(m.group()):
                    if part_kind := random_kind(part.group()):
                        spans.append((m.start() + part.start(), m.start() + part.end(), part_kind))
    return _disjoint(spans)


def _opaque(text: str) -> bool:
    """Not a plain word or slug (``password``, ``Email``, ``new-user``, ``SMS``): has a digit, or a piece that is
    not one lower-case, Capitalised or UPPER-case word. After a token word that is enough to call it a token."""
    if any(c.isdigit() for c in text):
        return True
    return not all(_PLAIN_WORD.match(w) for w in re.split(r"[-_. ~]", text) if w)


def _disjoint(spans: list[Span]) -> tuple[Span, ...]:
    """Overlapping spans merged (the earlier-starting span's kind wins; a longer span swallows what it covers)."""
    out: list[Span] = []
    for start, end, kind in sorted(spans, key=lambda s: (s[0], -s[1])):
        if out and start < out[-1][1]:
            if end > out[-1][1]:
                out[-1] = (out[-1][0], end, out[-1][2])
            continue
        out.append((start, end, kind))
    return tuple(out)
