"""mitmproxy's hooks for flows that are no HTTP request (raw TCP, UDP, DNS) and for a WebSocket's messages at its
end: each is handed to the recorder as what it is (observe.streams). A sub-addon of ``proxy.addon.Auditor`` (its
``addons``), sharing its recorder, its login rule and its listener.
"""

from __future__ import annotations

import logging

from mitmproxy import ctx, http

logger = logging.getLogger("tredjepart.proxy.addon")

MAX_TARGETS = 10_000  # CONNECT targets remembered (client connection id -> host, port)


class StreamHooks:
    def __init__(self, auditor) -> None:
        self.auditor = auditor
        self._targets: dict[str, tuple[str, int]] = {}  # client connection id -> its CONNECT target

    def http_connect(self, flow: http.HTTPFlow) -> None:
        """Remember the host a client's tunnel is for: a raw TCP flow in it reaches that host (its server
        address may be rewritten on the way: upstream proxies, routing)."""
        self._targets[flow.client_conn.id] = (flow.request.host, flow.request.port)
        if len(self._targets) > MAX_TARGETS:
            del self._targets[next(iter(self._targets))]

    def tcp_start(self, flow) -> None:
        if (target := self._targets.get(flow.client_conn.id)) is not None:
            flow.metadata["tredjepart_target"] = target

    def tcp_end(self, flow) -> None:
        self._record(flow)

    def tcp_error(self, flow) -> None:
        self._record(flow)

    def udp_end(self, flow) -> None:
        self._record(flow)

    def udp_error(self, flow) -> None:
        self._record(flow)

    def dns_response(self, flow) -> None:
        self._record(flow)

    def dns_error(self, flow) -> None:
        self._record(flow)

    def websocket_end(self, flow: http.HTTPFlow) -> None:
        self._record(flow)

    def _record(self, flow) -> None:
        a = self.auditor
        if a.recorder is None or flow.metadata.get("tredjepart_control"):
            return
        if a.logins_required and "proxyauth" not in flow.metadata and flow.client_conn not in _logged_in():
            return
        a.recording = flow
        try:
            a.recorder.record_stream(flow)
        except Exception as e:  # noqa: BLE001 - a failing record must never break the traffic
            logger.error("tredjepart: could not record stream %s (%s: %s)", flow.id, type(e).__name__, e)
        finally:
            a.recording = None


def _logged_in():
    """The client connections mitmproxy's proxyauth has let in (after their CONNECT)."""
    auth = ctx.master.addons.get("proxyauth")
    return auth.authenticated if auth is not None else {}
