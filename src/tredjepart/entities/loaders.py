"""Reading users' lists, told apart by content: Disconnect and DuckDuckGo lists (foreign.py) or
tredjepart's own YAML/JSON format (builtin.py); and ``load_entities``, the built-in data with users' lists in
front of it.

We ship none of the third-party lists (their licences forbid it); users load their own copies.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tredjepart.entities.builtin import builtin_layer, is_own_format, parse_own_format
from tredjepart.entities.foreign import PARSERS
from tredjepart.entities.index import Entities, Layer
from tredjepart.entities.text import parse_text

logger = logging.getLogger(__name__)

UNKNOWN_FORMAT = (
    "not a tracker list tredjepart knows (expected Disconnect services/entities, DuckDuckGo tds or android-tds, "
    "or tredjepart's own format)"
)


def read_list(path: str | Path) -> Layer:
    """One user's list as a layer; ValueError naming the file when it cannot be read or is not a known list."""
    path = Path(path)
    label = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as e:
        raise ValueError(f"{label}: not UTF-8 text ({e.reason} at byte {e.start})") from None
    except OSError as e:
        raise ValueError(f"{label}: cannot read: {e.strerror or e}") from None
    suffix = path.suffix.lower()
    kind = {".json": "json", ".yaml": "yaml", ".yml": "yaml"}.get(suffix)
    data = parse_text(text, label, kind)
    layer = parse_list(data, label)
    logger.info("%s: %d host patterns, %d owners", label, len(layer.domains) + len(layer.globs),
                len(layer.entities()))
    return layer


def detect_format(data: Any) -> str | None:
    """"own", "disconnect-services", "disconnect-entities", "ddg-tds", "ddg-android-tds" or None."""
    if not isinstance(data, dict):
        return None
    if is_own_format(data):
        return "own"
    trackers, entities = data.get("trackers"), data.get("entities")
    if isinstance(trackers, dict) and isinstance(data.get("domains"), dict) and isinstance(entities, dict):
        return "ddg-tds"
    if isinstance(trackers, dict) and "domains" not in data:
        return "ddg-android-tds"
    categories = data.get("categories")
    if isinstance(categories, dict) and categories and all(isinstance(v, list) for v in categories.values()):
        return "disconnect-services"
    if isinstance(entities, dict) and entities and all(
        isinstance(v, dict) and ("properties" in v or "resources" in v) for v in entities.values()
    ):
        return "disconnect-entities"
    return None


def parse_list(data: Any, label: str) -> Layer:
    """A layer from parsed list data of any known format; ValueError naming ``label`` otherwise."""
    kind = detect_format(data)
    if kind is None:
        raise ValueError(f"{label}: {UNKNOWN_FORMAT}")
    if kind == "own":
        return parse_own_format(data, label)
    pairs = list(PARSERS[kind](data, label))
    if not pairs:
        raise ValueError(f"{label}: a {kind} list without a single usable domain")
    return Layer.build(label, pairs, foreign=True)


def builtin_entities() -> Entities:
    """The built-in data alone."""
    return Entities([builtin_layer()])


def load_entities(paths: Sequence[str | Path] = (), *, builtin: bool = True) -> Entities:
    """The built-in data plus users' lists, each format detected from the file's content.

    Users' lists win over the built-in data, and a later list over an earlier one. ``builtin=False`` leaves
    the built-in data out (to look at a list on its own).
    """
    user = Entities([read_list(p) for p in reversed(list(paths))])
    if not builtin:
        return user
    return builtin_entities().overlay(user) if user.layers else builtin_entities()
