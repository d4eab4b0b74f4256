"""Keyed hashes and value statistics: how a value from traffic can be compared later without keeping it.

Every database has its own random key (table ``meta``, row ``hmac_key``). A value is stored only as
HMAC-SHA256(key, value), truncated to 128 bits (32 hex digits), plus its length and Shannon entropy. The same
value seen twice in the same database gives the same hash; hashes from two databases are not comparable unless
they share a key (``tredjepart merge`` keeps each input's key id per session).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from collections import Counter

KEY_BYTES = 32
HASH_HEX = 32


def new_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def key_id(key: bytes) -> str:
    """A short public name for a key, so sessions can say which key hashed them (not the key itself)."""
    return hashlib.sha256(b"tredjepart-key-id:" + key).hexdigest()[:12]


def keyed_hash(key: bytes, value: str | bytes) -> str:
    if isinstance(value, str):
        value = value.encode("utf-8", "surrogateescape")
    return hmac.digest(key, value, "sha256").hex()[:HASH_HEX]


def entropy(value: str) -> float:
    """Shannon entropy in bits per character (0.0 for an empty or constant value)."""
    if not value:
        return 0.0
    n = len(value)
    return -sum((c / n) * math.log2(c / n) for c in Counter(value).values()) + 0.0
