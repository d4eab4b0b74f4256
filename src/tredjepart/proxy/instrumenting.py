"""The proxy's side of the in-page instrument (docs/instrument.md), when ``tredjepart_instrument`` is on: put it
into each HTML response (instrument.instrument_response does the work; this applies its result to the flow), and
answer its reports on the control host, which never reach the network.

Each injected copy carries a token; the proxy remembers which page (mitmproxy flow, client) each token was issued
for, a bounded number of them, and takes a report only with a token it issued: so it knows the page and session
a report belongs to, and a page cannot post into another client's session. Reports are hostile input: bounded in
size before they are read (``too_large``, from the request's headers) and parsed by instrument.parse_batch.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from mitmproxy import http

from tredjepart.instrument import ReportError, instrument_response, parse_batch, report_url, script_text
from tredjepart.instrument.reports import MAX_BODY
from tredjepart.instrument.script import REPORT_PATH, SCRIPT_PATH

logger = logging.getLogger(__name__)

MAX_TOKENS = 20_000  # pages whose reports are still taken (the oldest are forgotten first)
HTML_TYPES = ("text/html",)
ANSWER = {"cache-control": "no-store", "x-content-type-options": "nosniff"}


@dataclass(frozen=True, slots=True)
class Page:
    """The page a token was issued for."""

    mitm_id: str
    client: str
    url: str
    scheme: str


class Instrumenter:
    def __init__(self, control_host: str) -> None:
        self.control_host = control_host
        self._pages: OrderedDict[str, Page] = OrderedDict()

    # --- responses ------------------------------------------------------------------------------------------

    def response(self, flow: http.HTTPFlow, recorder) -> None:
        """Instrument ``flow``'s response when it is an HTML document; tell ``recorder`` (may be None) what was
        done. The flow is recorded before this is called, so the wire evidence is the unchanged response."""
        resp = flow.response
        if resp is None or not resp.headers.get("content-type", "").lower().lstrip().startswith(HTML_TYPES):
            return
        encoding = None
        try:
            body = resp.get_content(strict=True) or b""
        except ValueError:  # an encoding mitmproxy cannot undo: left alone, and said so
            body, encoding = resp.raw_content or b"", resp.headers.get("content-encoding", "unknown")
        client = flow.client_conn.peername[0] if flow.client_conn.peername else "unknown"
        out = instrument_response(status=resp.status_code, headers=list(resp.headers.items(multi=True)), body=body,
                                  page_url=flow.request.pretty_url, control_host=self.control_host,
                                  fetch_dest=flow.request.headers.get("sec-fetch-dest"), content_encoding=encoding)
        if out.injection.injected:
            resp.content = out.injection.body
            for name in out.remove_headers:
                resp.headers.pop(name, None)
            for name, values in out.set_headers:
                resp.headers.set_all(name, list(values))
            self._remember(out.token, Page(flow.id, client, flow.request.pretty_url, flow.request.scheme))
        if recorder is not None:
            changes = tuple(out.csp.changes if out.csp is not None else ()) + tuple(out.injection.meta_changes)
            recorder.record_page(flow.id, client, flow.request.pretty_url, out.injection.injected,
                                 out.injection.reason, changes, out.injection.charset,
                                 when=resp.timestamp_end or time.time())

    def _remember(self, token: str, page: Page) -> None:
        self._pages[token] = page
        while len(self._pages) > MAX_TOKENS:
            self._pages.popitem(last=False)

    # --- the control host's routes --------------------------------------------------------------------------

    @staticmethod
    def handles(path: str) -> bool:
        return urlsplit(path).path in (REPORT_PATH, SCRIPT_PATH)

    @staticmethod
    def too_large(req: http.Request) -> bool:
        """Whether a report's declared size is over the bound (checked on its headers, before its body is read);
        a report without a Content-Length (sendBeacon always sends one) is refused too."""
        if urlsplit(req.path).path != REPORT_PATH or req.method != "POST":
            return False
        length = req.headers.get("content-length", "")
        return not length.isdigit() or int(length) > MAX_BODY

    def respond(self, req: http.Request, recorder) -> http.Response:
        """Answer a request for the instrument's script or a posted report (``recorder`` may be None)."""
        route = urlsplit(req.path).path
        if route == SCRIPT_PATH and req.method == "GET":  # the ``src`` form of the instrument
            token = (parse_qs(urlsplit(req.path).query).get("t") or [""])[0]
            page = self._pages.get(token)
            if page is None:
                return _answer(404, b"unknown token")
            text = script_text(report_url(self.control_host, page.scheme), token)
            return http.Response.make(200, text.encode(), {"content-type": "text/javascript", **ANSWER})
        if route != REPORT_PATH or req.method != "POST":
            return _answer(405, b"reports are POSTed")
        if self.too_large(req):
            return _answer(413, b"report too large")
        try:
            batch = parse_batch(req.raw_content or b"")
        except ReportError as e:
            logger.info("tredjepart: an instrument report was refused: %s", e)
            return _answer(400, str(e).encode())
        page = self._pages.get(batch.token)
        if page is None:
            return _answer(403, b"unknown token")
        if recorder is not None:
            recorder.record_storage(batch, page.mitm_id, page.client, when=time.time())
        return _answer(204, b"")


def _answer(status: int, body: bytes) -> http.Response:
    return http.Response.make(status, body, {"content-type": "text/plain", **ANSWER})
