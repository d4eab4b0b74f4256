"""A flow as plain values and back: what the proxy sends the recording worker (tredjepart.worker).

``snapshot`` keeps what the recorder reads (request and response line, headers, the bodies it looks at) and
costs a few microseconds; ``rebuild`` makes an ``HTTPFlow`` of it again in the worker, so the worker runs the same
``pipeline.Recorder`` as everything else. A test checks that rebuilt flows are observed identically.
"""

from __future__ import annotations

from mitmproxy import connection, flow as mflow, http

BODY_LIMIT = 1 << 20  # response bodies above this are not sent (only scripts and image headers are looked at)


def snapshot(f: http.HTTPFlow) -> tuple:
    """What the recorder needs of a flow, as plain picklable values (bodies only where they are looked at)."""
    req, resp = f.request, f.response
    req_body = req.raw_content or b""
    resp_part = None
    if resp is not None:
        body = resp.raw_content
        if body is not None and len(body) > BODY_LIMIT:
            ctype = resp.headers.get("content-type", "")
            body = body[:65536] if ctype.startswith("image/") else None
        resp_part = (resp.status_code, resp.reason, resp.http_version, resp.headers.fields, body,
                     resp.timestamp_start, resp.timestamp_end)
    return (f.id, f.client_conn.peername, req.method, req.scheme, req.host, req.port, req.path, req.http_version,
            req.headers.fields, req_body if len(req_body) <= BODY_LIMIT else b"", req.timestamp_start,
            req.authority, resp_part, f.error.msg if f.error else None)


def rebuild(snap: tuple) -> http.HTTPFlow:
    """An HTTPFlow from a snapshot, for the recorder."""
    (fid, peer, method, scheme, host, port, path, version, headers, body, started, authority, resp_part,
     error) = snap
    client = connection.Client(peername=peer or ("0.0.0.0", 0), sockname=("0.0.0.0", 0), timestamp_start=started)
    server = connection.Server(address=(host, port))
    f = http.HTTPFlow(client, server)
    f.id = fid
    f.request = http.Request(host, port, method.encode(), scheme.encode(), authority.encode(), path.encode(),
                             version.encode(), http.Headers(headers), body, None, started, started)
    if resp_part is not None:
        status, reason, rversion, rheaders, rbody, rstart, rend = resp_part
        f.response = http.Response(rversion.encode(), status, reason.encode(), http.Headers(rheaders), rbody, None,
                                   rstart or started, rend or started)
    if error:
        f.error = mflow.Error(error)
    return f
