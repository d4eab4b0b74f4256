"""URL paths and query names as stored: readable, except for the secrets in them, which become placeholders.

Every path and query name observe keeps (FlowRecord.url/path/query_names, ScriptRecord.url, and from them the
detectors' evidence and the findings' messages) goes through ``mask_path``/``mask_name``. A secret span found by
observe.tokens is replaced with

    ``[KIND:HASH]``    e.g. ``/reset/[token:3f2a9c0d1e2b4a5f6a7b8c9d0e1f2a3b]``
    ``[KIND]``         e.g. ``/sag/[cpr]/kvittering``, ``/verify/[token]`` for a 6-digit code

where KIND says what it was (``email``, ``jwt``, ``cpr``, ``session``, ``token``, ``id``, or the shape of a
random run: ``uuid``, ``hex``, ``base64``, ``mixed``) and HASH is ``hashing.keyed_hash`` of the percent-decoded
span with the database's key: 32 hex digits, the same as a cookie's ``value_hash`` for the same value. Two
requests with the same token compare equal in the database, and the token cannot be read.

A hash is kept only for a value that cannot be guessed (``unguessable``): at least ``HASH_BITS`` bits by its
length and alphabet, and no e-mail address or CPR number. Whoever holds the database holds its key, and could
try every CPR number (a few billion) or every 6-digit code against a hash; so those are ``[cpr]``, ``[email]``,
``[token]`` and compare equal to nothing. (The recorder's masking of a declared test identity writes the same
``[cpr]``/``[email]`` forms.) Without a key (log lines) every placeholder is ``[KIND]``.

Literal brackets in the rest of a path are percent-encoded (``%5B``, ``%5D``), so a bracket in a stored path is
always a placeholder. A segment with a masked span is stored percent-decoded and encoded again (``%2540`` and
``%40`` both become ``%40``); a segment without one is stored as sent.

Bounds: a path longer than ``MAX_PATH`` characters is cut at a segment boundary and ends in ``/[cut:N]`` (N
characters not kept); a query name is cut to ``MAX_NAME`` characters (never inside a placeholder); past
``MAX_NAMES`` names the list ends in ``[cut:N]``. Fragments (``#...``) never reach a server and are dropped.
"""

from __future__ import annotations

import functools
from urllib.parse import quote, unquote

from tredjepart.hashing import keyed_hash
from tredjepart.observe.tokens import is_asset_name, is_token_word, secret_spans

MAX_PATH = 4096  # characters of a path kept
MAX_NAME = 200  # characters of a query name kept
MAX_NAMES = 256  # query names kept per URL
CACHED = 2048  # paths up to this long are cached (with the key: placeholders hold keyed hashes)
_SAFE = "!$&'()*+,;=:@-._~"  # RFC 3986 pchar without "%": what stays unencoded when a masked segment is encoded again
_DECODE_ROUNDS = 3
HASH_BITS = 64  # a value with less room than this is masked without a hash
GUESSABLE_KINDS = frozenset({"cpr", "email"})  # values a list of people's numbers or addresses would find
_HEX_DIGITS = frozenset("0123456789abcdef")


def unguessable(kind: str, value: str) -> bool:
    """Whether a keyed hash of ``value`` gives nothing away: no e-mail or CPR number, and at least HASH_BITS bits
    by length and alphabet (digits 3.3 bits a character, hex 4, one-case letters and digits 5.2, mixed case 6)."""
    if kind in GUESSABLE_KINDS:
        return False
    if value.isdigit():
        per_char = 3.32
    elif all(c in _HEX_DIGITS for c in value.lower()) and (value.islower() or value.isupper() or value.isdigit()):
        per_char = 4.0
    elif value.lower() == value or value.upper() == value:
        per_char = 5.17
    else:
        per_char = 5.95
    return len(value) * per_char >= HASH_BITS


def placeholder(kind: str, value: str, key: bytes | None) -> str:
    """``[kind:keyed hash]`` for a secret ``value`` that cannot be guessed; ``[kind]`` otherwise or without a key."""
    if key is None or not unguessable(kind, value):
        return f"[{kind}]"
    return f"[{kind}:{keyed_hash(key, value)}]"


def _decode(text: str) -> str:
    for _ in range(_DECODE_ROUNDS):
        if "%" not in text:
            break
        decoded = unquote(text, errors="surrogateescape")
        if decoded == text:
            break
        text = decoded
    return text


def _escape(raw: str) -> str:
    return raw.replace("[", "%5B").replace("]", "%5D") if "[" in raw or "]" in raw else raw


def mask_text(raw: str, key: bytes | None, *, after_token_word: bool = False, asset: bool = False) -> str:
    """One path segment or query name, as sent, with its secret spans replaced by placeholders."""
    text = _decode(raw)
    spans = secret_spans(text, after_token_word, asset)
    if not spans:
        return _escape(raw)
    out, pos = [], 0
    for start, end, kind in spans:
        out.append(quote(text[pos:start], safe=_SAFE, errors="surrogateescape"))
        out.append(placeholder(kind, text[start:end], key))
        pos = end
    out.append(quote(text[pos:], safe=_SAFE, errors="surrogateescape"))
    return "".join(out)


def mask_free_text(text: str | None, key: bytes | None, limit: int = 1024) -> str | None:
    """A header-like text kept for reading (User-Agent, an error message) with its secret spans replaced;
    otherwise as sent (not decoded, brackets not escaped), cut to ``limit`` characters."""
    return None if text is None else _mask_free_text(text[:limit], key)


@functools.lru_cache(maxsize=4096)  # a device's User-Agent comes with every flow
def _mask_free_text(text: str, key: bytes | None) -> str:
    spans = secret_spans(text)
    if not spans:
        return text
    out, pos = [], 0
    for start, end, kind in spans:
        out.append(text[pos:start])
        out.append(placeholder(kind, text[start:end], key))
        pos = end
    out.append(text[pos:])
    return "".join(out)


def mask_path(path: str, key: bytes | None) -> str:
    """A request path (no query, no fragment) with its secrets replaced; cut past MAX_PATH characters."""
    if len(path) <= CACHED:
        return _cached_path(path, key)
    return _mask_path(path, key)


@functools.lru_cache(maxsize=8192)  # a portal's pages and a tracker's endpoints come again and again
def _cached_path(path: str, key: bytes | None) -> str:
    return _mask_path(path, key)


def _mask_path(path: str, key: bytes | None) -> str:
    cut = 0
    if len(path) > MAX_PATH:
        keep = path.rfind("/", 0, MAX_PATH + 1)
        keep = keep if keep > 0 else MAX_PATH
        cut, path = len(path) - keep, path[:keep]
    segments = path.split("/")
    asset = is_asset_name(_decode(segments[-1]).split(";", 1)[0])
    out, after_word = [], False
    for segment in segments:
        if not segment:
            out.append(segment)
            after_word = False
            continue
        out.append(mask_text(segment, key, after_token_word=after_word, asset=asset))
        after_word = is_token_word(_decode(segment).split(";", 1)[0])
    masked = "/".join(out)
    return f"{masked.rstrip('/')}/[cut:{cut}]" if cut else masked


def mask_name(name: str, key: bytes | None) -> str:
    """A query parameter name (or a value-less query part) with its secrets replaced, cut to MAX_NAME."""
    return _mask_name(name[: 4 * MAX_NAME], key)


@functools.lru_cache(maxsize=8192)  # names repeat: uid, page, _ga ...
def _mask_name(name: str, key: bytes | None) -> str:
    masked = mask_text(name, key)
    if len(masked) <= MAX_NAME:
        return masked
    masked = masked[:MAX_NAME]
    open_at = masked.rfind("[")
    return masked[:open_at] if open_at > masked.rfind("]") else masked


def mask_names(names: list[str], key: bytes | None) -> tuple[str, ...]:
    """Query names with their secrets replaced; past MAX_NAMES the list ends in ``[cut:N]``."""
    out = [mask_name(n, key) for n in names[:MAX_NAMES]]
    if len(names) > MAX_NAMES:
        out.append(f"[cut:{len(names) - MAX_NAMES}]")
    return tuple(out)


def request_target(target: str) -> tuple[str, str]:
    """(path, query) of a request target as sent, fragment dropped; the path is ``/`` when empty."""
    bare, _, query = target.split("#", 1)[0].partition("?")
    return bare or "/", query
