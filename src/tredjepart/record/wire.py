"""What goes between the proxy and the recording worker: settings, flows as plain values, and replies.

``snapshot`` keeps what the recorder reads of a flow (request and response line, headers, the bodies it looks at)
and costs a few microseconds; ``rebuild`` makes an ``HTTPFlow`` of it again in the worker, so the worker runs the
same recorder as everything else. A test checks that rebuilt flows are observed identically.

Messages to the worker are ``(seq, verb, args)``: ``verb`` names a method of the recorder interface (record.api);
``seq`` counts them, so the worker can say which it has committed (``Reply("committed", seq)``) and a restarted
worker can be handed what was not committed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from mitmproxy import connection, flow as mflow, http

from tredjepart.observe.flow import BODY_CUT

OWN_HOSTS = ("mitm.it", "tredjepart.proxy")  # mitmproxy's onboarding page and the control page, by default
BODY_LIMIT = 1 << 20  # response bodies above this are not sent: their size (and a script's SHA-256) goes instead
SCRIPT_LIMIT = 16 << 20  # script bodies are sent up to this size (fingerprinted and scanned)


@dataclass(slots=True)
class Settings:
    """Everything a recorder needs to start; picklable, so the proxy can hand it to the worker process."""

    db: str
    policies: list = field(default_factory=list)  # policy.Policy objects, validated by the proxy
    entities: list[str] = field(default_factory=list)  # users' owner lists (paths), on top of the built-in data
    store_values: bool = False
    background_hosts: tuple[str, ...] = ()
    cnames: bool = False  # resolve first-party hosts' canonical names (detect.cloaking)
    identity: str | None = None  # a declared test identity (YAML; read by the recorder, never stored or sent)
    decoders: list[str] = field(default_factory=list)  # users' endpoint decoder files, on top of the built-in ones
    own_hosts: tuple[str, ...] = OWN_HOSTS  # the audit's own hosts: party "tool", never the solution's
    instrument: bool = False  # the in-page instrument is on: sessions are marked instrumented
    commit_seconds: float = 0.5  # the writer commits at most this often (a hard kill loses at most this much)


@dataclass(slots=True)
class Reply:
    """One thing the worker tells the proxy.

    kinds: "ready"; "verdict" (flow_id, value=(covered, reason)); "finding" (value=Finding); "session"
    (value=SessionView); "status" (value=Status); "committed" (value=last seq committed); "synced" (value=token);
    "closed" (value=Status).
    """

    kind: str
    flow_id: str = ""
    value: object = None


def snapshot(f: http.HTTPFlow, cert=None) -> tuple:
    """What the recorder needs of a flow, as plain picklable values (bodies only where they are looked at).
    ``cert``: the server certificate's facts, sent with the first flow of each server connection only."""
    req, resp = f.request, f.response
    req_body = req.raw_content or b""
    resp_part = None
    if resp is not None:
        body = resp.raw_content
        cut = None  # (full size, SHA-256 of a script body not sent) when the body is cut or left behind
        if body is not None and len(body) > BODY_LIMIT:
            ctype = resp.headers.get("content-type", "")
            if ctype.startswith("image/"):
                cut, body = (len(body), None), body[:65536]
            elif ("javascript" in ctype or "ecmascript" in ctype) and len(body) <= SCRIPT_LIMIT:
                pass
            else:
                script = "javascript" in ctype or "ecmascript" in ctype or req.path.split("?")[0].endswith(".js")
                cut, body = (len(body), hashlib.sha256(body).hexdigest() if script else None), None
        resp_part = (resp.status_code, resp.reason, resp.http_version, resp.headers.fields, body,
                     resp.timestamp_start, resp.timestamp_end, cut)
    return (f.id, f.client_conn.peername, req.method, req.scheme, req.host, req.port, req.path, req.http_version,
            req.headers.fields, req_body if len(req_body) <= BODY_LIMIT else b"", req.timestamp_start,
            req.authority, resp_part, f.error.msg if f.error else None, f.server_conn.id, cert)


def rebuild(snap: tuple) -> http.HTTPFlow:
    """An HTTPFlow from a snapshot, for the recorder."""
    (fid, peer, method, scheme, host, port, path, version, headers, body, started, authority, resp_part,
     error, server_id, _cert) = snap
    client = connection.Client(peername=peer or ("0.0.0.0", 0), sockname=("0.0.0.0", 0), timestamp_start=started)
    server = connection.Server(address=(host, port))
    server.id = server_id
    f = http.HTTPFlow(client, server)
    f.id = fid
    f.request = _message(http.Request, http.RequestData, host=host, port=port, method=_bytes(method),
                         scheme=_bytes(scheme), authority=_bytes(authority), path=_bytes(path),
                         http_version=_bytes(version), headers=http.Headers(headers), content=body, trailers=None,
                         timestamp_start=started, timestamp_end=started)
    if resp_part is not None:
        status, reason, rversion, rheaders, rbody, rstart, rend, cut = resp_part
        f.response = _message(http.Response, http.ResponseData, http_version=_bytes(rversion), status_code=status,
                              reason=_bytes(reason), headers=http.Headers(rheaders), content=rbody, trailers=None,
                              timestamp_start=rstart or started, timestamp_end=rend or started)
        if cut is not None:
            f.metadata[BODY_CUT] = cut
    if error:
        f.error = mflow.Error(error)
    return f


def _message(cls, data_cls, **fields):
    """A Request or Response from values mitmproxy itself made and checked in the proxy: built directly, without
    mitmproxy's per-field type checks of the constructor (they cost a quarter of a millisecond per flow)."""
    data = object.__new__(data_cls)
    data.__dict__.update(fields)
    message = object.__new__(cls)
    message.data = data
    return message


def _bytes(text: str) -> bytes:
    """mitmproxy's request and status lines as it received them (it decodes them with surrogateescape)."""
    return text.encode("utf-8", "surrogateescape")
