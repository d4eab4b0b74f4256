"""Skipped capture entries as blind spots of their session.

An entry that could not be used is a hole in the evidence just as a host that refused the proxy's certificate is:
something went to that host and the audit cannot say what. So each analysed file's skipped entries become rows of
``blind_spots`` (one per session and host, ``client`` = ``capture``, ``count`` = entries, ``error`` = the first
reason), which the reports already list and count in their verdict. Hosts are capped; the rest count as
``unknown``.

The rows go through the recorder interface (``record_blind_spots``), like every other record.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from tredjepart.detect.model import BlindSpot
from tredjepart.ids import record_id

CLIENT = "capture"
MAX_HOSTS = 10_000
UNKNOWN = "unknown"


class SkippedHosts:
    """Skipped entries of one file, counted by host."""

    def __init__(self) -> None:
        self.hosts: dict[str, tuple[int, int, str]] = {}  # host -> (entries, first index, first reason)

    def add(self, index: int, url: str, reason: str) -> None:
        host = host_of(url)
        if host not in self.hosts and len(self.hosts) >= MAX_HOSTS:
            host = UNKNOWN
        count, first, why = self.hosts.get(host, (0, index, reason))
        self.hosts[host] = (count + 1, first, why)

    def spots(self, session_id: str, when: float) -> list[BlindSpot]:
        out = []
        for host, (count, first, why) in self.hosts.items():
            entries = "1 capture entry" if count == 1 else f"{count} capture entries"
            out.append(BlindSpot(id=record_id(session_id, "blind-spot", host, CLIENT), session_id=session_id,
                                 host=host, client=CLIENT, error=f"{entries} skipped, e.g. entry {first}: {why}"[:500],
                                 first_seen=when, last_seen=when, count=count))
        return out

    def record(self, recorder, session_id: str, when: float) -> None:
        """Hand the blind spots of ``session_id`` to the recorder."""
        recorder.record_blind_spots(self.spots(session_id, when))


def host_of(url: str) -> str:
    """The host of an (absolute) URL, else ``unknown``."""
    try:
        host = urlsplit(url).hostname if "://" in url else None
    except ValueError:
        host = None
    return host or UNKNOWN
