"""Declared values and patterns masked out of what the database stores: a URL path such as
``/sag/0101901234/status`` becomes ``/sag/[cpr]/status`` before ``flows.path`` and ``flows.url`` are written,
for first parties as for third (the values must not land in the evidence, whoever received them).

A value is masked in any form the index knows (as typed, URL-encoded, hashed, base64) and wherever it sits in a
path segment, after percent-decoding the segment once. The mask names the declared field (``[email]``,
``[other.case_number]``) or the pattern (``[cpr]``, ``[email]``, ``[phone]``), never the value. Patterns mask at
every confidence: masking a 10-digit order number that happens to look like a CPR number costs nothing.
"""

from __future__ import annotations

from urllib.parse import quote, unquote

from tredjepart.received.index import IdentityIndex
from tredjepart.received.patterns import find_patterns

_SAFE = "/[]@:+,;=-._~!$&'()*"


def mask_text(text: str, index: IdentityIndex | None = None) -> str:
    """``text`` with each declared value (any form) and pattern hit replaced by ``[field]``."""
    if not text:
        return text
    spans: list[tuple[int, int, str]] = []
    if index is not None:
        spans += [(h.start, h.end, h.form.field) for h in index.find(text)]
    spans += [(h.start, h.end, h.name) for h in find_patterns(text)]
    if not spans:
        return text
    out, pos = [], 0
    for start, end, name in sorted(spans, key=lambda s: (s[0], -s[1])):
        if start < pos:
            continue  # overlaps a span already masked
        out.append(text[pos:start])
        out.append(f"[{name}]")
        pos = end
    out.append(text[pos:])
    return "".join(out)


def mask_path(path: str, index: IdentityIndex | None = None) -> str:
    """A URL path (without query) with declared values and patterns masked, segment by segment; a segment that
    holds one is percent-decoded, masked and encoded again, the others are left exactly as they were."""
    if not path:
        return path
    segments = path.split("/")
    for i, segment in enumerate(segments):
        if not segment:
            continue
        masked = mask_text(segment, index)
        decoded = unquote(masked)
        if decoded != masked:
            again = mask_text(decoded, index)
            if again != decoded:
                masked = quote(again, safe=_SAFE)
        segments[i] = masked
    return "/".join(segments)


def mask_url(url: str, index: IdentityIndex | None = None) -> str:
    """A stored URL (``scheme://host/path?name=&name=``, values already removed) with its path and parameter
    names masked."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return mask_path(url, index)
    authority, slash, tail = rest.partition("/")
    path, qmark, query = ("/" + tail).partition("?") if slash else ("", "", "")
    out = f"{scheme}://{authority}{mask_path(path, index) if slash else ''}"
    if qmark:
        out += "?" + "&".join(mask_text(unquote(p), index) if "%" in p else mask_text(p, index)
                              for p in query.split("&"))
    return out
