"""The extra wire facts the detectors need (tredjepart.detect), read from one flow with nothing secret in clear.

``wire_signals(flow, key, obs)`` reads: the image dimensions from the first bytes of the response body (GIF, PNG, WebP
and JPEG headers; an image is never decoded), whether the response body is empty, Content-Length, the request's
content type and Sec-Fetch-Dest/Mode/Site, whether Ping-To/Ping-From were sent, the redirect target's host, and
keyed hashes (``hashing.keyed_hash``, the database's key) of

* every query value and path segment, and the values of small form, JSON and text request bodies (at most
  ``MAX_BODY`` bytes), with their parameter names, plus the parts of each value split on ``SPLIT`` (for ID syncing);
* every cookie value (sent and set), with its shape (``shapes.value_shape``) and the hashes of its variants
  and parts that are long enough to identify someone;
* the response's ETag and the request's If-None-Match entity tags, with their format.

Values are hashed and dropped: a Signals holds no value in clear.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from dataclasses import dataclass, field
from urllib.parse import unquote, unquote_plus, urljoin

from mitmproxy import http

from tredjepart.shapes import SHAPE_SCAN, normalize_tag, tag_format, value_shape
from tredjepart.hashing import entropy, keyed_hash
from tredjepart.observe.flow import response_size
from tredjepart.observe.headers import HeaderMap, header_map
from tredjepart.observe.images import image_head, image_size
from tredjepart.observe.kinds import media_type
from tredjepart.observe.urls import host_of_url
from tredjepart.observe.values import MIN_PART, SPLIT, HashedValue, request_values
from tredjepart.records import Observation
from tredjepart.sites import normalize_host, site_of

logger = logging.getLogger(__name__)

MAX_COOKIE_PARTS = 48  # hashed variants and parts per cookie value
PART_SCAN = 4096  # characters: a longer cookie value (browsers keep at most 4096 bytes a cookie) has no parts
PART_ENTROPY_MIN = 3.0  # bits per character: a cookie part with less is not taken for an identifier


@dataclass(frozen=True, slots=True)
class CookieFacts:
    """Facts of one cookie value (in the order observe makes CookieRecords: sent ones, then set ones)."""

    direction: str  # "sent" | "set"
    name: str
    value_hash: str  # equals CookieRecord.value_hash
    length: int
    shape: str  # shapes.value_shape
    parts: tuple[tuple[str, int, str], ...] = ()  # (hash, length, shape) of the percent-decoded value and parts


@dataclass(frozen=True, slots=True)
class TagFacts:
    """One entity tag (ETag / If-None-Match), hashed after removing W/ and quotes."""

    hash: str
    length: int
    format: str  # shapes.tag_format: "content" for server-made content tags, else a value shape
    entropy: float


@dataclass(frozen=True, slots=True)
class Signals:
    image_format: str | None = None  # "gif", "png", "webp", "jpeg" when the response body starts like one
    image_width: int | None = None
    image_height: int | None = None
    body_empty: bool = True  # no response, or a response without a body
    response_size: int | None = None  # response body bytes as sent
    content_length: int | None = None  # the response's Content-Length header
    request_content_type: str | None = None  # media type, without parameters
    sec_fetch_dest: str | None = None
    sec_fetch_mode: str | None = None
    sec_fetch_site: str | None = None
    ping_headers: bool = False  # Ping-To or Ping-From was sent (<a ping>)
    values: tuple[HashedValue, ...] = ()
    values_truncated: bool = False  # more than MAX_VALUES values; the rest were not hashed
    cookies: tuple[CookieFacts, ...] = ()
    etag: TagFacts | None = None
    if_none_match: tuple[TagFacts, ...] = ()
    location_host: str | None = None  # redirect target
    location_site: str | None = None

    _by_key: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index: dict[tuple[str, str, str], CookieFacts] = {}
        for c in self.cookies:
            index.setdefault((c.direction, c.name, c.value_hash), c)
        object.__setattr__(self, "_by_key", index)

    def cookie(self, direction: str, name: str, value_hash: str) -> CookieFacts | None:
        """The facts of the cookie with this direction, name and value hash, or None (a dict lookup: the
        detectors ask once per cookie, and a flow may carry hundreds)."""
        return self._by_key.get((direction, name, value_hash))


def wire_signals(flow: http.HTTPFlow, key: bytes, obs: Observation) -> Signals:
    """The detectors' wire facts of ``flow``. Never raises on hostile input (bad bodies, headers, images).

    The flow's Observation gives its parsed headers and cookies (hashes, shapes, raw values): nothing is parsed
    twice.
    """
    req, resp = flow.request, flow.response
    if obs.headers:
        h, rh = obs.headers
    else:
        h = header_map(req.headers)
        rh = header_map(resp.headers) if resp is not None else HeaderMap()
    fmt = width = height = None
    body_empty, size, clen, etag, location = True, None, None, None, (None, None)
    if resp is not None:
        raw = resp.raw_content
        size = response_size(flow)
        body_empty = not raw
        clen = _int(rh.get1("content-length"))
        if raw:
            fmt, width, height = image_size(image_head(resp))
        if rh.get1("etag"):
            etag = _tag(key, rh.get1("etag"))
        if (target := rh.get1("location")) is not None:  # the request's URL is costly: built only when needed
            location = _location(req.pretty_url, target)
    values, truncated = request_values(req, key)
    return Signals(
        image_format=fmt,
        image_width=width,
        image_height=height,
        body_empty=body_empty,
        response_size=size,
        content_length=clen,
        request_content_type=media_type(h.get1("content-type")),
        sec_fetch_dest=_lower(h.get1("sec-fetch-dest")),
        sec_fetch_mode=_lower(h.get1("sec-fetch-mode")),
        sec_fetch_site=_lower(h.get1("sec-fetch-site")),
        ping_headers="ping-to" in h or "ping-from" in h,
        values=values,
        values_truncated=truncated,
        cookies=_cookie_facts_of(obs, key),
        etag=etag,
        if_none_match=tuple(_tag(key, t) for t in _split_tags(h.get1("if-none-match", ""))),
        location_host=location[0],
        location_site=location[1],
    )


# --- cookies ----------------------------------------------------------------------------------------------------

def _cookie_facts_of(obs: Observation, key: bytes) -> tuple[CookieFacts, ...]:
    return tuple(_facts(key, c.direction, c.name, value, c.value_hash, c.value_shape)
                 for c, value in zip(obs.cookies, obs.cookie_values))


@lru_cache(maxsize=4096)
def _facts(key: bytes, direction: str, name: str, value: str, value_hash: str | None = None,
           shape: str | None = None) -> CookieFacts:
    """Cached (in memory only, like the flows themselves): a browser sends the same cookies with every request
    to a site, each cookie with the same value and parts to hash."""
    parts: dict[str, tuple[str, int, str]] = {}
    variants = [value, unquote(value), unquote_plus(value)] if len(value) <= PART_SCAN else [value]
    for v in dict.fromkeys(variants):
        if v != value and len(v) >= MIN_PART:
            parts.setdefault(v, (keyed_hash(key, v), len(v), value_shape(v)))
        for p in _pieces(v):
            if len(parts) >= MAX_COOKIE_PARTS:
                break
            if p != value:
                parts.setdefault(p, (keyed_hash(key, p), len(p), _part_shape(p)))
    return CookieFacts(direction, name, value_hash or keyed_hash(key, value), len(value),
                       shape or value_shape(value[:SHAPE_SCAN]), tuple(parts.values()))


def _pieces(v: str) -> list[str]:
    """The parts of ``v`` between delimiters, and its prefixes and suffixes cut at a delimiter (``GA1.2.X.Y``
    gives ``X``, ``Y``, ``X.Y``, ``2.X.Y``, ``GA1.2.X`` ...), those of at least MIN_PART characters.

    Bounded: values longer than PART_SCAN have no parts, and only the first MAX_COOKIE_PARTS delimiters are cut
    at (every prefix and suffix of a 96 KB value of ``ab.ab.ab...`` took 17 s before).
    """
    if len(v) > PART_SCAN:
        return []
    out = SPLIT.split(v)[: 2 * MAX_COOKIE_PARTS]
    for i, m in enumerate(SPLIT.finditer(v)):
        if i >= MAX_COOKIE_PARTS:
            break
        out.append(v[:m.start()])
        out.append(v[m.end():])
    return [p for p in dict.fromkeys(out) if len(p) >= MIN_PART and p != v]


def _part_shape(p: str) -> str:
    shape = value_shape(p)
    # A part with little variety ("00000000", "eu-west-1") identifies nobody: call it a word.
    if shape in ("numeric", "hex", "base64", "mixed") and entropy(p) < PART_ENTROPY_MIN:
        return "word"
    return shape


# --- small helpers ----------------------------------------------------------------------------------------------

@lru_cache(maxsize=4096)
def _tag(key: bytes, tag: str) -> TagFacts:
    """Cached (in memory only, like the flows themselves): a browser revalidates the same resources over and
    over, with the same tags."""
    t = normalize_tag(tag)
    return TagFacts(keyed_hash(key, t), len(t), tag_format(tag), round(entropy(t), 4))


def _split_tags(header: str) -> list[str]:
    if not header or header.strip() == "*":
        return []
    return [t for t in re.findall(r'(?:W/)?"[^"]*"|[^,\s]+', header) if normalize_tag(t)][:16]


def _location(base: str, location: str | None) -> tuple[str | None, str | None]:
    if not location:
        return None, None
    try:
        host = host_of_url(urljoin(base, location.strip()))
    except ValueError:
        return None, None
    if not host:
        return None, None
    host = normalize_host(host)
    return host, site_of(host)


def _int(text: str | None) -> int | None:
    if text is None:
        return None
    text = text.strip()
    return int(text) if text.isdigit() else None


def _lower(v: str | None) -> str | None:
    return v.strip().lower() if v else None
