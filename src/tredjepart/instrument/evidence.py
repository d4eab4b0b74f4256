"""What the instrument yields, as records for the database: one StorageRecord per reported event (table
``storage``) and one PageRecord per HTML response the proxy considered (table ``instrument_pages``), both
created by store/m006_storage.py and documented in docs/instrument.md.

Nothing of a value is kept: a write's value becomes its keyed hash (hashing.keyed_hash with the database's key,
so it can be compared with cookie values and request values hashed the same way), its length and its shape.
URLs lose their query values and fragments (observe.urls.strip_query_values); names are bounded.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from tredjepart.hashing import entropy, keyed_hash
from tredjepart.ids import record_id
from tredjepart.instrument.reports import Batch, StorageEvent
from tredjepart.observe.urls import strip_query_values
from tredjepart.shapes import value_shape
from tredjepart.sites import site_of

MAX_KEY_NAME = 200
_URL_KEYS = {"beacon", "fetch", "xhr"}
_CACHE_URL_OPS = {"match", "put", "add", "delete-entry"}


@dataclass(slots=True)
class StorageRecord:
    """One storage or request event the instrument saw in a page; columns of table ``storage``."""

    id: str
    session_id: str | None
    step_id: str | None
    time: float
    page: str | None  # the page's URL, query values removed
    frame_origin: str
    frame_site: str | None  # whose storage it is: the site of the frame's origin (None for an opaque origin)
    top_level: bool
    kind: str
    operation: str
    key_name: str | None
    value_length: int | None
    value_hash: str | None
    value_shape: str | None
    value_entropy: float | None  # bits per character of the value written (as for cookies)
    script_url: str | None
    script_site: str | None
    script_kind: str | None
    stack: tuple[str, ...]
    party: str | None = None  # the writing script's party under the session's policy (filled by the caller)
    owner: str | None = None  # the writing script's owner (filled by the caller)


@dataclass(slots=True)
class PageRecord:
    """One HTML response the instrument was (or could not be) put into; columns of table ``instrument_pages``."""

    id: str
    session_id: str | None
    step_id: str | None
    flow_id: str | None
    time: float
    url: str | None
    injected: bool
    placement: str  # inject.Injection.reason: where it went, or why not
    csp_adjusted: bool
    csp_changes: tuple[str, ...]
    charset: str | None
    reports: int = 0  # batches received from the page (the recorder counts them)
    events: int = 0
    dropped: int = 0  # events the page did not report (over its budget)
    rejected: int = 0  # events refused as malformed


def bare_url(url: str | None) -> str | None:
    """``url`` without query values and fragment; for ``blob:`` the inner URL so treated; ``data:`` and other
    schemes without a host keep only their scheme (their text can be anything). None when it is not a URL."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
        scheme = parts.scheme.lower()
        if scheme == "blob":
            inner = bare_url(url.strip()[5:])
            return f"blob:{inner}" if inner else "blob:"
        host = parts.hostname
        if not scheme or not host:
            return f"{scheme}:" if scheme else None
        port = parts.port or (443 if scheme in ("https", "wss") else 80 if scheme in ("http", "ws") else 0)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        return strip_query_values(scheme, host, port, path)[0]
    except ValueError:
        return None


def url_site(url: str | None) -> str | None:
    """The site of an http(s) URL (or of a blob: URL's inner origin); None for others."""
    if not url:
        return None
    if url.lower().startswith("blob:"):
        url = url[5:]
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return None
    return site_of(host) if host and parts.scheme.lower() in ("http", "https") else None


def storage_record(event: StorageEvent, *, hmac_key: bytes, event_id: str, session_id: str | None,
                   step_id: str | None, time: float) -> StorageRecord:
    """The record of one event; its value, if any, only as keyed hash and shape."""
    key = event.key
    if key is not None and (event.kind in _URL_KEYS or event.kind == "cache" and event.operation in _CACHE_URL_OPS):
        key = bare_url(key)
    value_hash = shape = bits = None
    if event.value is not None:
        try:
            value_hash = keyed_hash(hmac_key, event.value)
        except UnicodeEncodeError:  # a lone surrogate from a JSON escape
            value_hash = keyed_hash(hmac_key, event.value.encode("utf-8", "surrogatepass"))
        shape, bits = value_shape(event.value), round(entropy(event.value), 3)
    script = bare_url(event.script_url)
    return StorageRecord(
        id=event_id, session_id=session_id, step_id=step_id, time=time,
        page=bare_url(event.page_url), frame_origin=event.frame_origin[:300],
        frame_site=url_site(event.frame_origin), top_level=event.top_level, kind=event.kind,
        operation=event.operation, key_name=None if key is None else key[:MAX_KEY_NAME],
        value_length=event.value_length, value_hash=value_hash, value_shape=shape, value_entropy=bits,
        script_url=script, script_site=None if event.script_kind == "extension" else url_site(event.script_url),
        script_kind=event.script_kind, stack=tuple(u for s in event.stack if (u := bare_url(s))),
    )


def storage_records(batch: Batch, *, hmac_key: bytes, session_id: str | None, step_id: str | None,
                    received: float) -> list[StorageRecord]:
    """The records of a batch received at ``received`` (seconds since the epoch); each event's time is
    ``received`` less its age in the page. Ids are stable per (session, token, batch, event)."""
    return [
        storage_record(e, hmac_key=hmac_key, session_id=session_id, step_id=step_id,
                       time=received - e.age_ms / 1000.0,
                       event_id=record_id(session_id or "", "storage", batch.token, str(batch.seq), str(i)))
        for i, e in enumerate(batch.events)
    ]


def page_record(*, injection, csp, flow_id: str | None, session_id: str | None, step_id: str | None,
                time: float, url: str | None) -> PageRecord:
    """The record of one considered HTML response (``injection``: inject.Injection; ``csp``: csp.Adjustment or
    None when the response had no enforced policy), with the CSP changes made inside the page as well."""
    changes = tuple(csp.changes if csp is not None else ()) + tuple(injection.meta_changes)
    return PageRecord(
        id=record_id(session_id or "", "instrument-page", flow_id or url or str(time)), session_id=session_id,
        step_id=step_id, flow_id=flow_id, time=time, url=bare_url(url), injected=injection.injected,
        placement=injection.reason, csp_adjusted=bool(changes), csp_changes=changes, charset=injection.charset,
    )
