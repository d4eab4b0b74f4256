"""The plain records of "what reached a third party": what the scanner returns per flow, and what the request
looked like when it was read. No value from traffic is kept in a ``Received``: only the kind of data, where it
sat (a location and a parameter name or key path), how it was found and in which form."""

from __future__ import annotations

from dataclasses import dataclass, field

SOURCES = ("declared", "pattern", "decoder")
CONFIDENCES = ("low", "medium", "high")


@dataclass(frozen=True, slots=True)
class RequestParts:
    """One request as the scanner reads it, filled from a mitmproxy flow (``locate.parts_from_flow``), a HAR entry
    or a snapshot. ``target`` is the request target as sent: path and query (``/g/collect?v=2&dl=...``)."""

    method: str
    host: str
    target: str
    headers: tuple[tuple[str, str], ...] = ()  # request headers as sent, in order
    body: bytes = field(default=b"", repr=False)  # request body as sent (still content-encoded)
    location: str | None = field(default=None, repr=False)  # the response's Location header (redirects)
    websocket: tuple[bytes | str, ...] = field(default=(), repr=False)  # messages from the client
    scheme: str = "https"

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (case-insensitive), or None."""
        name = name.lower()
        for n, v in self.headers:
            if n.lower() == name:
                return v
        return None


@dataclass(frozen=True, slots=True)
class Place:
    """One value of a request, decoded: where it sat, and its text (transient: never stored)."""

    location: str  # "query", "body", "header", "cookie", "path", "path-param", "redirect", "websocket"
    name: str  # parameter name, header name (lower case), cookie name, or a body key path ("ud.em", "events.0.x")
    text: str = field(repr=False)
    layer: str = ""  # what was unwrapped beyond the transport: "base64", "JSON in a string", "URL in a value"
    shown: str | None = None  # the name for people when it differs: list positions as * ("events.*.user")
    where: str = ""  # for people: "query dl", "header referer", "body events.*.user.email" (set from the above)

    def __post_init__(self) -> None:
        if not self.where:
            name = self.name if self.shown is None else self.shown
            object.__setattr__(self, "where", f"{self.location} {name}".rstrip())


@dataclass(frozen=True, slots=True)
class Received:
    """One kind of data one request carried to its host. Never the value."""

    type: str  # vocabulary type (received/vocabulary.py)
    label: str  # English label of the type
    where: str  # "query dl", "header referer", "body ud.em", "path", "redirect location"
    source: str  # one of SOURCES
    confidence: str  # one of CONFIDENCES
    form: str = ""  # "as typed", "SHA-256 (hex) of e-mail, lower case", "URL-encoded twice"; "" for decoders
    field: str = ""  # declared field ("email", "other.case_number") or pattern ("cpr"); "" for decoders
    decoder: str = ""  # the decoder's name (source "decoder")
    reason: str = ""  # the decoder field's documentation URL
    topics: tuple[str, ...] = ()  # page types only: sensitive words of received/topics.py the URL or title holds

    @property
    def subject(self) -> str:
        """What a finding is about: "declared:email", "pattern:cpr", or the data type for decoders."""
        return f"{self.source}:{self.field}" if self.field else self.type
