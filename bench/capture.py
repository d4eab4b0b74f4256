"""A generated mitmproxy flow file for the offline figures: ``flows`` requests of bench/site_model.py's visits.

Written with mitmproxy's own ``io.FlowWriter``, so it is what ``mitmdump -w`` would have saved: one client (a
phone), the requests of one visit after another at a walkthrough's pace (20 a second), each with the response
the local origin gives (304 without a body where the browser revalidates its cache).
"""

from __future__ import annotations

from pathlib import Path

from mitmproxy import connection, http, io

from site_model import REASONS, SEQUENCE, request_headers, response_head, status

START = 1_767_225_600.0  # 2026-01-01 00:00 UTC
PACE = 0.05  # seconds between requests


def write_capture(path: Path, flows: int) -> Path:
    client = connection.Client(peername=("192.168.1.23", 50123), sockname=("192.168.1.10", 8080),
                               timestamp_start=START)
    servers: dict[str, connection.Server] = {}
    with open(path, "wb") as out:
        writer = io.FlowWriter(out)
        for i in range(flows):
            e, revalidate = SEQUENCE[i % len(SEQUENCE)]
            t = START + i * PACE
            server = servers.get(e.host)
            if server is None:
                server = servers[e.host] = connection.Server(address=(e.host, 80), peername=("127.0.0.1", 80),
                                                             timestamp_start=t, timestamp_tcp_setup=t + 0.001)
            f = http.HTTPFlow(client, server)
            f.request = http.Request(e.host, 80, b"GET", b"http", e.host.encode(),
                                     e.path.encode(), b"HTTP/1.1",
                                     http.Headers([(k.encode(), v.encode()) for k, v in
                                                   request_headers(e, revalidate)]),
                                     b"", None, t, t)
            code = status(e, revalidate)
            f.response = http.Response(b"HTTP/1.1", code, REASONS[code].encode(),
                                       http.Headers([(k.encode(), v.encode()) for k, v in
                                                     response_head(e, revalidate)]),
                                       b"" if revalidate else e.body, None, t + 0.004, t + 0.008)
            writer.add(f)
    return path
