"""Who a third party is, and what each of its hosts is for, as far as the owners data knows.

An owner's categories describe the company, not the host: Google's list (analytics, advertising, maps, fonts ...)
says nothing about what ``fonts.googleapis.com`` does. So the reports show the owner with its parent and country,
and per host only what the data knows of that host: ``purpose_of`` is the one place that decides it. Today it
knows the service a host belongs to (``Entities.sdk_for``: "Google Fonts") and, for an owner with a single
category, that category; the per-service purposes the owners data is getting will be read there too. When nothing
is known of a host, nothing is shown (never the owner's whole list).

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
    """What one host is for: the service it belongs to and what that is for (a category id, or a text)."""

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

    The service is the SDK or web service whose endpoints the host is (``entities.sdk_for``), when it belongs to
    the same owner; the purpose is the owner's category when it has exactly one (then every host of it serves
    that; "other" says nothing and is left out). A service's own purpose, once the owners data has one, belongs
    here.
    """
    service = None
    if entities is not None:
        try:
            sdk = entities.sdk_for(host)
        except Exception as e:  # noqa: BLE001 - optional, like the rest of the owners layer
            logger.warning("tredjepart: service lookup failed for %s: %s", host, e)
            sdk = None
        if sdk is not None and (entity is None or _same(sdk.entity, entity)):
            service = sdk.name
    categories = tuple(getattr(entity, "categories", ()) or ())
    purpose = categories[0] if len(categories) == 1 and categories[0] != "other" else None  # "other" says nothing
    if service is None and purpose is None:
        return None
    return Purpose(host, service, purpose)


def _same(a, b) -> bool:
    return a is b or same_owner(getattr(a, "name", None), getattr(b, "name", None))


def _text(value) -> str | None:
    return value.strip() or None if isinstance(value, str) else None
