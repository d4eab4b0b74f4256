"""Who a third party is, and what each of its hosts is for, as far as the owners data knows.

An owner's categories describe the company, not the host: Google's list (analytics, advertising, maps, fonts ...)
says nothing about what ``fonts.googleapis.com`` does. So the reports show the owner with its parent and country,
and per host only what the data knows of that host: ``purpose_of`` is the one place that decides it, from the
owners data's service of the host (``Entities.service``: purpose ``fonts``, name "Google Fonts"). When nothing is
known of a host, nothing is shown (never the owner's whole list).

The owners layer is optional for a report: any failure leaves the columns empty, with one warning.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass

from tredjepart.entities import load_entities, same_owner

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Owner:
    name: str | None
    parent: str | None = None
    country: str | None = None
    categories: tuple[str, ...] = ()
    entity: object = None  # the owners data's Entity, when it knows one


@dataclass(frozen=True, slots=True)
class Purpose:
    """What one host is for: the service's name and its purpose (entities.PURPOSES, or a category id)."""

    host: str
    service: str | None
    purpose: str | None


@functools.cache
def _builtin_entities():
    try:
        return load_entities()  # read once, on first use
    except Exception as e:  # noqa: BLE001 - the owners layer is optional for a report
        logger.warning("tredjepart: owners' countries and categories unavailable: %s", e)
        return None


def default_entities():
    """The built-in owners data, or None when that layer is missing or broken."""
    return _builtin_entities()


def owner_of(entities, name: str | None, hosts: list[str]) -> Owner:
    """The owner named by the flows (``name``), else looked up by host; its parent, country and categories."""
    if entities is None:
        return Owner(name)
    try:
        entity = entities.get(name) if name else None
        for host in hosts:
            if entity is not None:
                break
            entity = entities.lookup(host)
    except Exception as e:  # noqa: BLE001
        logger.warning("tredjepart: owner lookup failed: %s", e)
        return Owner(name)
    if entity is None:
        return Owner(name)
    return Owner(name or entity.name, _text(getattr(entity, "parent", None)), _text(entity.country),
                 tuple(entity.categories), entity)


def purpose_of(host: str, entity, entities=None) -> Purpose | None:
    """What ``host`` (of the owner ``entity``) is for, or None when the data does not know.

    First the owners data's service of the host (``entities.service``: a purpose such as ``fonts`` and maybe a
    name such as "Google Fonts"), when it is the same owner's; else the name of the SDK whose endpoints the host
    is; else the owner's category when it has exactly one (then every host of it serves that). ``other`` says
    nothing and is left out.
    """
    name = purpose = None
    if entities is not None:
        try:
            service = entities.service(host)
            sdk = entities.sdk_for(host)
        except Exception as e:  # noqa: BLE001 - optional, like the rest of the owners layer
            logger.warning("tredjepart: service lookup failed for %s: %s", host, e)
            service = sdk = None
        if service is not None and (entity is None or _same(service.entity, entity)):
            name, purpose = _text(service.name), _text(service.purpose)
        if name is None and sdk is not None and (entity is None or _same(sdk.entity, entity)):
            name = _text(sdk.name)
    if purpose is None:
        categories = tuple(getattr(entity, "categories", ()) or ())
        purpose = categories[0] if len(categories) == 1 else None
    purpose = None if purpose == "other" else purpose
    return Purpose(host, name, purpose) if name or purpose else None


def _same(a, b) -> bool:
    return a is b or same_owner(getattr(a, "name", None), getattr(b, "name", None))


def _text(value) -> str | None:
    return value.strip() or None if isinstance(value, str) else None
