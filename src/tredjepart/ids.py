"""Stable record ids: the same flow in the same session always gets the same id, so merges never duplicate."""

from __future__ import annotations

import hashlib

_PERSON = b"tredjepart-id"


def record_id(*parts: str) -> str:
    """A 32-hex-digit id derived from its parts (BLAKE2b, 128 bits)."""
    data = "\x1f".join(parts).encode("utf-8", "surrogateescape")
    return hashlib.blake2b(data, digest_size=16, person=_PERSON).hexdigest()
