"""Flows that are not HTTP requests: raw TCP and UDP connections, DNS lookups, and the messages of a WebSocket.

An app may talk to a tracker over MQTT, a custom protocol or a WebSocket: it carries data both ways without one
HTTP request the rest of tredjepart could read. Such a flow is recorded as what it is (``flows.kind`` "tcp",
"udp", "dns", or "websocket" with method "MESSAGES"), with the host it reaches, how many messages and bytes went
each way, and nothing of its content; a raw TCP or UDP stream is also a blind spot (its content is not
interpreted).

``stream_facts`` reads a mitmproxy flow into plain, picklable facts (what the proxy sends the recording worker);
``stream_record`` makes the FlowRecord. Pure, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

from tredjepart.ids import record_id
from tredjepart.observe.client import classify_client
from tredjepart.observe.flow import when_seen
from tredjepart.records import FlowRecord
from tredjepart.sites import normalize_host, site_of

KINDS = ("tcp", "udp", "dns", "websocket")
MAX_NAMES = 20  # DNS question names kept per lookup
SENT_MESSAGES, SENT_BYTES = 50, 64 * 1024


@dataclass(slots=True)
class StreamFacts:
    id: str  # mitmproxy's flow id
    kind: str  # one of KINDS
    client: str
    started: float
    host: str
    port: int
    scheme: str  # "tcp", "udp", "dns", "ws", "wss"
    path: str = "/"
    tls: bool = False
    bytes_up: int = 0  # client to server
    bytes_down: int = 0
    messages_up: int = 0
    messages_down: int = 0
    error: str | None = None
    user_agent: str | None = None
    # A WebSocket's messages from the client, bounded (SENT_MESSAGES of at most SENT_BYTES each): scanned for what
    # reached the third party (received/), in memory only, never stored.
    sent: tuple[bytes, ...] = ()


def stream_facts(flow) -> StreamFacts | None:
    """The facts of a TCPFlow, UDPFlow, DNSFlow or an HTTPFlow with a WebSocket; None for anything else."""
    from mitmproxy import dns, http, tcp, udp

    client = flow.client_conn.peername[0] if flow.client_conn.peername else "unknown"
    error = flow.error.msg[:500] if flow.error else None
    if isinstance(flow, (tcp.TCPFlow, udp.UDPFlow)):
        kind = "tcp" if isinstance(flow, tcp.TCPFlow) else "udp"
        # The CONNECT target the client asked for (the proxy's addon keeps it), else where the proxy connected.
        target = flow.metadata.get("tredjepart_target")
        address = target or flow.server_conn.address or ("", 0)
        up = [m for m in flow.messages if m.from_client]
        down = [m for m in flow.messages if not m.from_client]
        host = str(target[0]) if target else flow.server_conn.sni or str(address[0])
        return StreamFacts(flow.id, kind, client, when_seen(flow.timestamp_created), host,
                           int(address[1] or 0), kind, tls=bool(flow.server_conn.tls),
                           bytes_up=sum(len(m.content) for m in up), bytes_down=sum(len(m.content) for m in down),
                           messages_up=len(up), messages_down=len(down), error=error)
    if isinstance(flow, dns.DNSFlow):
        names = [q.name for q in flow.request.questions][:MAX_NAMES] if flow.request else []
        address = flow.server_conn.address or ("", 53)
        return StreamFacts(flow.id, "dns", client, when_seen(flow.timestamp_created),
                           names[0] if names else str(address[0]),
                           int(address[1] or 53), "dns", path="/" + ",".join(names[1:]) if len(names) > 1 else "/",
                           messages_up=1, messages_down=1 if flow.response else 0, error=error)
    if isinstance(flow, http.HTTPFlow) and flow.websocket is not None:
        up = [m for m in flow.websocket.messages if m.from_client]
        down = [m for m in flow.websocket.messages if not m.from_client]
        req = flow.request
        return StreamFacts(flow.id, "websocket", client, when_seen(req.timestamp_start), req.pretty_host, req.port,
                           "wss" if req.scheme == "https" else "ws", path=req.path.split("?", 1)[0] or "/",
                           tls=req.scheme == "https", bytes_up=sum(len(m.content) for m in up),
                           bytes_down=sum(len(m.content) for m in down), messages_up=len(up),
                           messages_down=len(down), error=error, user_agent=req.headers.get("user-agent"),
                           sent=tuple(m.content[:SENT_BYTES] for m in up[:SENT_MESSAGES]))
    return None


def stream_record(f: StreamFacts, session_id: str) -> FlowRecord:
    """The flow row of a stream: sizes are the bytes each way, the method says what it was."""
    host = normalize_host(f.host) or "unknown"
    default = {"ws": 80, "wss": 443, "dns": 53}.get(f.scheme)
    authority = host if f.port in (default, 0) else f"{host}:{f.port}"
    method = {"tcp": "TCP", "udp": "UDP", "dns": "DNS", "websocket": "MESSAGES"}[f.kind]
    return FlowRecord(
        id=record_id(session_id, f.id, "stream") if f.kind == "websocket" else record_id(session_id, f.id),
        mitm_id=f.id, started=f.started, method=method, url=f"{f.scheme}://{authority}{f.path}", scheme=f.scheme,
        host=host, port=f.port, path=f.path, query_names=(), site=site_of(host), kind=f.kind,
        client=classify_client(f.user_agent, False, None), request_size=f.bytes_up,
        response_size=f.bytes_down, user_agent=f.user_agent, error=f.error, session_id=session_id,
    )
