"""Agreement with two more lists, host by host: DuckDuckGo's app tracker list (``android-tds.json``) and webXray's
domain owners (``domain_owners.json``).

Neither list comes with captures, so each host or domain it names is taken on its own: does the built-in data
name an owner for it, and is it the list's owner (its name, an alias, or the name of a parent on either side)?
Both files are users' copies under non-commercial or GPL licences, read to measure, never shipped. They come from
outside: a record of the wrong shape is counted as skipped, never an exception.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tredjepart.entities.index import Entities
from tredjepart.entities.model import normalize_owner
from tredjepart.entities.text import parse_text

MAX_PARENTS = 8  # webXray's parent chains are short; a cycle in a hostile file ends here


@dataclass
class HostAgreement:
    """How many of a list's hosts the data gives the list's owner (``agreed``), another owner (``disagreements``:
    host, ours, theirs) or none (``unknown``); ``skipped`` counts records of the wrong shape."""

    label: str
    hosts: int = 0
    agreed: int = 0
    unknown: list[str] = field(default_factory=list)
    disagreements: list[tuple[str, str, str]] = field(default_factory=list)
    skipped: int = 0


def _judge(found: HostAgreement, ours: Entities, host: Any, names: list[Any]) -> None:
    if not isinstance(host, str) or not host.strip():
        found.skipped += 1
        return
    found.hosts += 1
    entity = ours.lookup(host)
    if entity is None:
        found.unknown.append(host)
        return
    theirs = {normalize_owner(n) for n in names if isinstance(n, str)} - {""}
    if theirs & ours.owner_names(entity):
        found.agreed += 1
    else:
        found.disagreements.append((host, entity.name, next((n for n in names if isinstance(n, str)), "?")))


def app_tds_agreement(path: str | Path, ours: Entities, label: str = "DuckDuckGo app trackers") -> HostAgreement:
    """Every tracker host of DuckDuckGo's ``android-tds.json`` against its ``owner`` (name and display name)."""
    found = HostAgreement(label)
    data = _read_json(path)
    trackers = data.get("trackers") if isinstance(data, dict) else None
    for host, record in (trackers.items() if isinstance(trackers, dict) else ()):
        owner = record.get("owner") if isinstance(record, dict) else None
        if not isinstance(owner, dict):
            found.skipped += 1
            continue
        _judge(found, ours, host, [owner.get("name"), owner.get("displayName")])
    return found


def webxray_agreement(path: str | Path, ours: Entities, label: str = "webXray domain owners (2020)") -> HostAgreement:
    """Every domain of webXray's ``domain_owners.json`` against its owner, the owner's aliases and its parents."""
    found = HostAgreement(label)
    data = _read_json(path)
    records = [r for r in data if isinstance(r, dict)] if isinstance(data, list) else []
    found.skipped += (len(data) if isinstance(data, list) else 0) - len(records)
    by_id = {r.get("id"): r for r in records if isinstance(r.get("id"), (int, str))}
    for record in records:
        domains = record.get("domains")
        if not isinstance(domains, list):
            found.skipped += 1
            continue
        names = _owner_chain(record, by_id)
        for domain in domains:
            _judge(found, ours, domain, names)
    return found


def _owner_chain(record: dict, by_id: dict) -> list[Any]:
    """The record's owner name and aliases, then its parent's, up the chain."""
    names: list[Any] = []
    current: dict | None = record
    for _ in range(MAX_PARENTS):
        if current is None:
            break
        aliases = current.get("aliases")
        names += [current.get("owner_name"), *(aliases if isinstance(aliases, list) else [])]
        parent = current.get("parent_id")
        current = by_id.get(parent) if isinstance(parent, (int, str)) else None
    return names


def _read_json(path: str | Path) -> Any:
    """The list's JSON; ValueError naming the file when it cannot be read or parsed (``text.parse_text``)."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise ValueError(f"{path}: cannot read: {e}") from None
    return parse_text(text, str(path), "json")


# label -> (file under the shared data's tracker-lists/, its reader)
HOST_LISTS = {
    "DuckDuckGo app trackers": ("ddg__app_android-tds.json", app_tds_agreement),
    "webXray domain owners (2020)": ("webxray_domain_owners__webXray_2020-02-24_GPLv3.json", webxray_agreement),
}


def measure_host_lists(shared_data: str | Path, ours: Entities) -> list[HostAgreement]:
    """``HostAgreement`` for each host list present under the shared data directory."""
    found = []
    for label, (name, reader) in HOST_LISTS.items():
        path = Path(shared_data, "tracker-lists", name)
        if path.exists():
            found.append(reader(path, ours, label))
    return found


def format_host_agreement(found: HostAgreement, show: int = 0) -> str:
    """One line per list, then up to ``show`` disagreements."""
    pct = f" ({found.agreed / found.hosts:.1%})" if found.hosts else ""
    line = (f"{found.label}, host by host: {found.agreed}/{found.hosts}{pct} with the same owner, "
            f"{len(found.unknown)} with no owner in the data, {len(found.disagreements)} with another"
            + (f"; {found.skipped} records skipped (wrong shape)" if found.skipped else ""))
    rest = [f"  {host}: ours {mine!r}, theirs {other!r}" for host, mine, other in found.disagreements[:show]]
    return "\n".join([line, *rest])
