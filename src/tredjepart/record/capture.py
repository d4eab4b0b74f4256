"""Reading captures: HAR (plain, gzip, zlib/.zhar, with a BOM, UTF-16 or a JSONP wrapper; HAR 1.1 and 1.2 from
browsers, proxies and test tools) and mitmproxy flow files of every format mitmproxy can migrate.

``read_capture`` yields what the file holds, entry by entry, in bounded memory: a mitmproxy ``Flow`` (HTTP, TCP,
UDP, DNS) for each usable entry, ``Skipped`` for an entry that cannot be used (with its index, its URL without
query values, and why) and ``Ignored`` for an entry that is no network traffic (``data:`` URLs, extension pages).
One odd entry never costs the rest of the file. ``CaptureError`` is raised when the file cannot be read at all,
or cannot be read past some point (the entries before that point have been yielded); its message starts with the
file name and never quotes the file's content.
"""

from __future__ import annotations

import gzip
import logging
import os
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from mitmproxy import flow as mflow

from tredjepart.record.har import HarContext, NotNetwork, Unusable, entry_flow
from tredjepart.record.harstream import BrokenEntry, HarError, har_entries
from tredjepart.record.harurl import shown
from tredjepart.record.mitmfile import BadRecord, MitmError, mitm_flows
from tredjepart.record.unpack import open_capture

logger = logging.getLogger(__name__)


class CaptureError(ValueError):
    """A capture that cannot be read (or read to its end); the message starts with the file name."""

    def __init__(self, message: str, read: int = 0) -> None:
        super().__init__(message)
        self.read = read  # entries read before the fault (0: the file could not be read at all)


@dataclass(frozen=True, slots=True)
class Skipped:
    """An entry that could not be used: ``index`` counts from 0 (``log.entries[index]``, or the n-th flow)."""

    index: int
    url: str  # without query values
    reason: str


@dataclass(frozen=True, slots=True)
class Ignored:
    """An entry that is no network traffic (a ``data:`` URL, an extension page): not an error, not evidence."""

    index: int
    url: str
    reason: str


Item = mflow.Flow | Skipped | Ignored


def read_capture(path: str | Path) -> Iterator[Item]:
    """Everything in one capture file, in order (see the module's docstring)."""
    path = Path(path)
    try:
        raw = open(path, "rb")  # noqa: SIM115 - closed below, after the generator is done
    except OSError as e:
        raise CaptureError(f"{path}: cannot read: {e.strerror or e}") from e
    count = 0
    with raw:
        try:
            kind, compression, stream = open_capture(raw)
            if kind in ("empty", "unknown"):
                raise CaptureError(f"{path}: " + ("empty file, not a capture" if kind == "empty" else
                                                  "not a mitmproxy flow file or HAR (or it is truncated)"))
            items = _har(path, stream) if kind == "har" else _mitm(stream)
            for item in items:
                count += 1
                yield item
        except (HarError, MitmError) as e:
            raise CaptureError(f"{path}: {e}", count) from None
        except (OSError, EOFError, zlib.error, gzip.BadGzipFile) as e:
            broken = not isinstance(e, OSError) or isinstance(e, gzip.BadGzipFile)
            what = "the compressed data is broken or ends early" if broken else "cannot read"
            detail = getattr(e, "strerror", None) or (str(e).splitlines() or [type(e).__name__])[0][:100]
            raise CaptureError(f"{path}: {what} ({detail})" + (f" after {count} entries" if count else ""),
                               count) from None
    if count == 0:
        raise CaptureError(f"{path}: no entries in this capture")


def _har(path: Path, stream) -> Iterator[Item]:
    ctx = HarContext(file=path.name, last_time=fallback_time(path))
    for index, entry in enumerate(har_entries(stream, ctx.add_page)):
        if isinstance(entry, BrokenEntry):
            yield Skipped(index, "(not readable)", entry.reason)
            continue
        try:
            yield entry_flow(entry, index, ctx)
        except NotNetwork as e:
            yield Ignored(index, _url(entry), str(e))
        except Unusable as e:
            yield Skipped(index, _url(entry), str(e))
        except Exception as e:  # noqa: BLE001 - a fault of ours must cost one entry, not the file
            logger.exception("%s: entry %d: unexpected failure converting it", path, index)
            yield Skipped(index, _url(entry), f"could not be converted ({type(e).__name__})")


def _mitm(stream) -> Iterator[Item]:
    for index, item in enumerate(mitm_flows(stream)):
        yield Skipped(item.index, item.url, item.reason) if isinstance(item, BadRecord) else item


def _url(entry: object) -> str:
    request = entry.get("request") if isinstance(entry, dict) else None
    return shown(request.get("url")) if isinstance(request, dict) else "(no request)"


def fallback_time(path: Path) -> float:
    """The time for entries that carry none before any entry that does: when the file was last written."""
    try:
        return os.stat(path).st_mtime
    except OSError:
        return time.time()
