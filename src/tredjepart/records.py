"""The plain records every layer speaks: observe makes them, detect and policy add to them, the store writes them.

No mitmproxy imports here and no I/O. Field names match the column names in the database (docs/schema.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Where a request sits relative to the solution under audit. "tool": the audit's own hosts (mitmproxy's CA page
# mitm.it, tredjepart's control page), never a party of the solution.
PARTIES = ("first", "third", "background", "tool")

# What a request is for (flows.kind). "xhr" covers XMLHttpRequest and fetch().
REQUEST_KINDS = (
    "document",
    "script",
    "stylesheet",
    "image",
    "xhr",
    "beacon",
    "ping",
    "websocket",
    "font",
    "media",
    "other",
    "tcp",  # a raw TCP connection (observe.streams)
    "udp",
    "dns",
)

# What a party can be seen doing: the request kinds plus what the detectors and cookie parsing add.
# A policy's `allow:` list names these.
BEHAVIOURS = REQUEST_KINDS + ("cookie_set", "cookie_sent", "js_cookie", "pixel", "sdk", "storage")

CLIENTS = ("browser", "app", "unknown")

SEVERITIES = ("error", "warning", "info")


@dataclass(slots=True)
class FlowRecord:
    """One HTTP(S) request and its response, with nothing secret in it."""

    id: str  # stable per session: derived from the session id and mitmproxy's flow id
    mitm_id: str  # mitmproxy's own flow id, to find the flow in mitmweb
    started: float  # request timestamp (seconds since the epoch; from the capture when offline)
    method: str
    url: str  # query values removed, names kept, secrets in the path masked: https://h/reset/[token:HASH]?a=&b=
    scheme: str
    host: str  # the real destination (observe.destination), not what the Host header claims
    port: int
    path: str  # without the query; secrets replaced by [KIND:HASH] placeholders (observe.paths)
    query_names: tuple[str, ...]  # secret-looking names masked like path segments
    site: str  # registrable domain of host (sites.site_of)
    kind: str  # one of REQUEST_KINDS
    client: str  # one of CLIENTS
    status: int | None = None
    content_type: str | None = None  # response media type, without parameters
    request_size: int = 0  # request body bytes
    response_size: int | None = None  # response body bytes
    referer_site: str | None = None  # site of the page behind the request (Referer, else Origin)
    top_level: bool = False  # a top-level navigation (a document the user opened)
    background: bool = False  # the device talking on its own (observe.background)
    background_reason: str | None = None
    user_agent: str | None = None
    error: str | None = None
    host_header: str | None = None  # the Host (or :authority) header's host when it names another host than `host`
    cookies_cut: int = 0  # cookies past observe.cookies.MAX_COOKIES per direction, counted and not recorded
    # Filled in after observation:
    session_id: str | None = None
    step_id: str | None = None
    party: str | None = None  # one of PARTIES
    entity: str | None = None  # owner of the site, where known
    sdk: str | None = None  # app SDK name when the flow matches an SDK endpoint
    covered: bool | None = None  # third party only: does the policy cover it
    party_name: str | None = None  # the policy entry that covers it
    basis: str | None = None  # that entry's legal basis
    verdict: str | None = None  # a short human reason for the verdict


@dataclass(slots=True)
class CookieRecord:
    """A cookie set by a response (direction "set") or sent by a request ("sent"). The value is never kept."""

    id: str
    flow_id: str
    direction: str  # "set" | "sent"
    name: str
    host: str  # the host that set it, or the host it was sent to
    site: str
    value_hash: str  # keyed hash (hashing.keyed_hash) of the value
    value_length: int
    value_entropy: float  # Shannon entropy of the value, bits per character
    domain: str | None = None  # Domain attribute, as given
    path: str | None = None
    lifetime: int | None = None  # seconds, from Max-Age or Expires; None: a session cookie
    secure: bool = False
    httponly: bool = False
    samesite: str | None = None
    partitioned: bool = False
    value: str | None = None  # only with the --store-values debug switch
    session_id: str | None = None
    step_id: str | None = None
    party: str | None = None
    value_shape: str | None = None  # shapes.value_shape of the value, computed at capture time


@dataclass(slots=True)
class ScriptRecord:
    """A script response: where it came from and a fingerprint of its body."""

    id: str
    flow_id: str
    url: str
    host: str
    site: str
    size: int
    sha256: str
    session_id: str | None = None
    step_id: str | None = None
    party: str | None = None


@dataclass(slots=True)
class Finding:
    """One problem in one session; repeated occurrences add evidence (flow ids), not rows."""

    rule: str
    severity: str  # one of SEVERITIES
    site: str
    message: str
    host: str | None = None
    evidence: list[str] = field(default_factory=list)
    session_id: str | None = None
    first_seen: float | None = None
    last_seen: float | None = None
    count: int = 1
    details: dict = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str, str, str]:
        """What makes two findings the same problem within a session: (rule, site, host, subject). The subject
        (``details["subject"]``) tells apart problems of one rule on one site (rules.py)."""
        return (self.rule, self.site, self.host or "", self.details.get("subject") or "")


@dataclass(slots=True)
class Observation:
    """Everything one flow yielded."""

    flow: FlowRecord
    cookies: list[CookieRecord] = field(default_factory=list)
    scripts: list[ScriptRecord] = field(default_factory=list)
    # Bodies are not stored; detectors that need them read these transient fields.
    script_body: bytes | None = field(default=None, repr=False)
    cookie_values: list[str] = field(default_factory=list, repr=False)  # raw values, parallel to cookies; never stored
    headers: tuple = field(default=(), repr=False)  # (request, response) header maps, read once (observe.headers)
