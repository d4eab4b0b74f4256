"""The built-in owner file parsed once per version of it, not once per process.

Parsing the 700 KB YAML file takes a quarter of a second, and every proxy, worker, analysis and report starts by
reading it. The first process to read a version of the file writes the parsed data as JSON into the user's cache
directory (``$XDG_CACHE_HOME/tredjepart`` or ``~/.cache/tredjepart``), named by a hash of the YAML text; later
processes read that copy in a few milliseconds. The YAML file stays the only source: a copy is used only when its
name matches the hash of the text being loaded, a copy that cannot be read is ignored, and a cache that cannot be
written costs only the time (nothing fails). The JSON goes through the same checks as the YAML
(``builtin.parse_own_format``); a copy those checks refuse is replaced by a fresh parse of the YAML. Set
``TREDJEPART_NO_CACHE=1`` to always parse the YAML.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
from pathlib import Path
from typing import Any, Callable, TypeVar

logger = logging.getLogger(__name__)

PREFIX = "entities-"
T = TypeVar("T")


def cache_dir() -> Path | None:
    """Where parsed copies go, or None when there is no cache (``TREDJEPART_NO_CACHE``, no home directory)."""
    if os.environ.get("TREDJEPART_NO_CACHE"):
        return None
    base = os.environ.get("XDG_CACHE_HOME")
    try:
        root = Path(base) if base else Path.home() / ".cache"
    except RuntimeError:  # no home directory to be found
        return None
    return root / "tredjepart"


def cached_parse(text: str, parse: Callable[[str], Any], build: Callable[[Any], T]) -> T:
    """``build(parse(text))``, or ``build`` of the JSON copy a former process made of the same text. A copy that
    ``build`` refuses (ValueError: damaged, or written by a version with other checks) is replaced."""
    where = cache_dir()
    if where is None:
        return build(parse(text))
    path = where / f"{PREFIX}{hashlib.sha256(text.encode('utf-8')).hexdigest()[:24]}.json"
    try:
        return build(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        pass
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as e:
        logger.warning("%s: parsed copy of the owner data not usable (%s); parsing the YAML again", path, e)
    data = parse(text)
    built = build(data)  # refused data is never written
    _write(path, data)
    return built


def _write(path: Path, data: Any) -> None:
    """Write the copy atomically (a process that starts meanwhile never reads half of it) and drop the copies of
    former versions."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
        os.replace(tmp, path)
        for old in path.parent.glob(f"{PREFIX}*.json"):
            if old != path:
                old.unlink(missing_ok=True)
    except (OSError, TypeError, ValueError) as e:
        logger.debug("%s: parsed copy not written (%s)", path, e)
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
