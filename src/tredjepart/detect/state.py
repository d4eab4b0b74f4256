"""What the detectors keep of one session across flows: only hashes, names, flow ids and times, bounded in size.

The detectors read a SessionState (and mark in ``reported``/``synced`` what they have already reported, so each
thing is reported once); ``Detectors`` (detect/__init__.py) adds what the flow showed after every detector has seen
it, so a detector only ever sees the flows before the current one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_ENTRIES = 20_000  # per map; past this, new entries are dropped (a walkthrough never gets near it)


@dataclass(frozen=True, slots=True)
class IdSource:
    """Where an identifier value (or a part of it) came from: a cookie seen earlier in the session."""

    cookie: str  # cookie name
    site: str  # the site the cookie belongs to
    flow_id: str  # the flow it was first seen in
    cookie_id: str  # its CookieRecord id
    direction: str  # "set" or "sent"
    part: bool  # a part of the value, not the whole value
    length: int
    party: str | None


@dataclass(frozen=True, slots=True)
class ScriptSeen:
    flow_id: str
    url: str
    site: str
    started: float


@dataclass(slots=True)
class SessionState:
    set_cookies: dict[tuple[str, str], str] = field(default_factory=dict)  # (site, name) -> flow id of Set-Cookie
    lifetimes: dict[tuple[str, str], int | None] = field(default_factory=dict)  # (site, name) -> last lifetime
    reported: set[tuple] = field(default_factory=set)  # (what, site or host, name or hash): reported once
    sites_seen: set[str] = field(default_factory=set)  # sites with at least one request so far
    visited_sites: set[str] = field(default_factory=set)  # sites the user saw a page of (top-level 2xx)
    # third-party scripts by URL, each at its first load (a script revalidated on every page is one script)
    third_party_scripts: dict[str, ScriptSeen] = field(default_factory=dict)
    id_hashes: dict[str, IdSource] = field(default_factory=dict)  # keyed hash -> where the identifier came from
    synced: set[tuple[str, str, str]] = field(default_factory=set)  # (hash, destination site, parameter) reported
    etags: dict[tuple[str, str], str] = field(default_factory=dict)  # (host, tag hash) -> flow id that issued it
    redirects: dict[str, tuple[str, str, float]] = field(default_factory=dict)  # target host -> (flow, site, time)
    script_cache: dict[str, tuple[str, ...]] = field(default_factory=dict)  # sha256 -> fingerprinting signals

    @staticmethod
    def put(mapping: dict, key, value) -> None:
        """Insert unless the map is full (existing keys are always updated)."""
        if key in mapping or len(mapping) < MAX_ENTRIES:
            mapping[key] = value
