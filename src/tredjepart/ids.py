"""Stable record ids: the same flow in the same session always gets the same id, so merges never duplicate."""

from __future__ import annotations

import uuid

_NS = uuid.UUID("8f1c7a52-3b0e-4d5e-9a57-7a3c2f0d9e11")


def record_id(*parts: str) -> str:
    """A 32-hex-digit id derived from its parts."""
    return uuid.uuid5(_NS, "\x1f".join(parts)).hex
