"""What scripts stored on the device, as the in-page instrument saw it (table ``storage``, docs/instrument.md):
per party and site of the writing script, each storage item (kind, name, operations, whose storage, which scripts),
third parties first. Never a value: the table holds none. Reads only; a database without the table (recorded
before the instrument existed) gives nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlite_utils import Database

from tredjepart.observe.urls import host_of_url
from tredjepart.sites import site_of

STORAGE_KINDS = ("cookie", "localStorage", "sessionStorage", "indexedDB", "cache")
REQUEST_KINDS = ("fetch", "xhr", "beacon")
MAX_SCRIPTS = 3  # script URLs named per item


@dataclass(slots=True)
class StoredItem:
    kind: str
    key: str | None
    frame_site: str | None  # whose storage: the site of the document it happened in
    operations: list[str] = field(default_factory=list)
    scripts: list[str] = field(default_factory=list)
    count: int = 0
    value_length: int | None = None  # the longest value written or read
    first_seen: float | None = None


@dataclass(slots=True)
class StoredGroup:
    site: str | None  # the writing script's site; None when no script was on the stack
    party: str | None  # first, third (tool and unknown are shown as they are)
    owner: str | None
    items: list[StoredItem] = field(default_factory=list)

    @property
    def writes(self) -> int:
        return sum(1 for i in self.items if set(i.operations) & {"write", "open", "put", "add"})


@dataclass(slots=True)
class Started:
    """Requests to one site that one script started (fetch, XHR, sendBeacon), as the instrument saw them."""

    to_site: str
    script: str | None  # the starting script's URL; None when no script was on the stack
    script_site: str | None
    party: str | None  # the script's party
    kinds: list[str] = field(default_factory=list)
    count: int = 0


@dataclass(slots=True)
class Writer:
    """The script the instrument saw write a cookie (``document.cookie``): known, not guessed."""

    script: str | None
    site: str | None
    owner: str | None
    party: str | None


@dataclass(slots=True)
class Instrument:
    """Whether a session was recorded with the instrument, what it saw stored, and the pages it could not enter."""

    on: bool = False
    groups: list[StoredGroup] = field(default_factory=list)
    pages: int = 0  # HTML responses instrumented
    skipped: dict[str, int] = field(default_factory=dict)  # reason -> HTML responses left without it
    csp_adjusted: int = 0  # pages whose Content-Security-Policy was widened for it
    started: list[Started] = field(default_factory=list)  # requests to other sites, by the script that started them


def session_instrument(db: Database, sid: str) -> Instrument:
    if "instrumented" not in db.table("sessions").columns_dict or not db.table("storage").exists():
        return Instrument()
    row = db.execute("select instrumented from sessions where id = ?", [sid]).fetchone()
    out = Instrument(on=bool(row and row[0]))
    for r in db.query("select injected, placement, csp_adjusted from instrument_pages where session_id = ?", [sid]):
        if r["injected"]:
            out.pages += 1
            out.csp_adjusted += 1 if r["csp_adjusted"] else 0
        else:
            out.skipped[r["placement"]] = out.skipped.get(r["placement"], 0) + 1
    groups: dict[tuple, StoredGroup] = {}
    items: dict[tuple, StoredItem] = {}
    marks = ", ".join("?" * len(STORAGE_KINDS))
    for r in db.query(f"select * from storage where session_id = ? and kind in ({marks}) order by time, id",
                      [sid, *STORAGE_KINDS]):
        gkey = (r["party"], r["script_site"])
        group = groups.get(gkey)
        if group is None:
            group = groups[gkey] = StoredGroup(r["script_site"], r["party"], r["owner"])
        ikey = (gkey, r["kind"], r["key_name"], r["frame_site"])
        item = items.get(ikey)
        if item is None:
            item = items[ikey] = StoredItem(r["kind"], r["key_name"], r["frame_site"], first_seen=r["time"])
            group.items.append(item)
        item.count += 1
        _add(item.operations, r["operation"])
        if r["script_url"] and len(item.scripts) < MAX_SCRIPTS:
            _add(item.scripts, r["script_url"])
        if isinstance(r["value_length"], int):
            item.value_length = max(item.value_length or 0, r["value_length"])
    order = {"third": 0, "first": 1}
    out.groups = sorted(groups.values(), key=lambda g: (order.get(g.party or "", 2), g.site or "~"))
    out.started = _started(db, sid)
    return out


def _started(db: Database, sid: str) -> list[Started]:
    """Requests the page's scripts started, per destination site and script; those to the page's own site left
    out (the wire shows them; the interesting ones carry data elsewhere)."""
    marks = ", ".join("?" * len(REQUEST_KINDS))
    out: dict[tuple, Started] = {}
    for r in db.query(f"select kind, key_name, frame_site, script_url, script_site, party from storage "
                      f"where session_id = ? and kind in ({marks}) order by time, id", [sid, *REQUEST_KINDS]):
        to_site = site_of(host_of_url(r["key_name"] or "") or "") if r["key_name"] else None
        if not to_site or to_site == r["frame_site"]:
            continue
        key = (to_site, r["script_url"])
        item = out.get(key)
        if item is None:
            item = out[key] = Started(to_site, r["script_url"], r["script_site"], r["party"])
        item.count += 1
        _add(item.kinds, r["kind"])
    return sorted(out.values(), key=lambda x: (x.to_site, -x.count))


def cookie_writers(db: Database, sid: str) -> dict[str, Writer]:
    """Cookie name -> the script the instrument saw write it first in the session (none without the instrument)."""
    if not db.table("storage").exists():
        return {}
    out: dict[str, Writer] = {}
    for r in db.query("select key_name, script_url, script_site, owner, party from storage where session_id = ? "
                      "and kind = 'cookie' and operation = 'write' and script_url is not null order by time, id",
                      [sid]):
        if isinstance(r["key_name"], str):
            out.setdefault(r["key_name"], Writer(r["script_url"], r["script_site"], r["owner"], r["party"]))
    return out


def _add(values: list[str], value) -> None:
    if isinstance(value, str) and value not in values:
        values.append(value)


def to_json(x: Instrument) -> dict:
    """The JSON report's ``instrument`` object of a session (docs/report-format.md)."""
    return {
        "on": x.on, "pages": x.pages, "csp_adjusted": x.csp_adjusted, "skipped": dict(sorted(x.skipped.items())),
        "started": [{"to_site": r.to_site, "script": r.script, "script_site": r.script_site, "party": r.party,
                     "kinds": r.kinds, "count": r.count} for r in x.started],
        "stored": [{"site": g.site, "party": g.party, "owner": g.owner,
                    "items": [{"kind": i.kind, "key": i.key, "frame_site": i.frame_site, "operations": i.operations,
                               "scripts": i.scripts, "count": i.count, "value_length": i.value_length}
                              for i in g.items]} for g in x.groups],
    }

