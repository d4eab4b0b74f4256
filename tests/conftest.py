"""Shared test helpers: where ../shared is, and one builder for mitmproxy flows."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SHARED_DATA = SHARED / "data"


def need_shared(*parts: str) -> Path:
    """The path under ../shared/data, or skip the test with a reason when it is absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"needs {path} (the project's shared test data, present in CI)")
    return path


@pytest.fixture
def shared_data() -> Path:
    return need_shared()


def make_flow(
    url: str = "https://www.example-portal.dk/",
    *,
    method: str = "GET",
    req_headers: dict | list | None = None,
    req_body: bytes = b"",
    status: int | None = 200,
    resp_headers: dict | list | None = None,
    resp_body: bytes = b"",
    client: tuple[str, int] = ("192.0.2.10", 50000),
    timestamp: float | None = None,
):
    """An HTTPFlow built with mitmproxy's own test builders (tflow/tutils), request and response as given.

    Header values may be given as a dict or as a list of (name, value) pairs (for repeated headers).
    """
    from mitmproxy import http
    from mitmproxy.test import tflow

    f = tflow.tflow(resp=status is not None)
    req = http.Request.make(method, url, req_body, _headers(req_headers))
    if timestamp is not None:
        req.timestamp_start = timestamp
        req.timestamp_end = timestamp
    f.request = req
    f.client_conn.peername = client
    if status is not None:
        resp = http.Response.make(status, resp_body, _headers(resp_headers))
        resp.timestamp_start = req.timestamp_start
        resp.timestamp_end = req.timestamp_start
        f.response = resp
    return f


def _headers(h):
    if h is None:
        return ()
    items = h.items() if isinstance(h, dict) else h
    return [(k.encode(), v.encode()) for k, v in items]


@pytest.fixture
def flow_factory():
    return make_flow


class AddonHarness:
    """The Auditor addon in mitmproxy's taddons.context, recording into a temporary database."""

    def __init__(self, tmp_path, **options):
        from mitmproxy.test import taddons

        from tredjepart.proxy.addon import Auditor

        self.db_path = tmp_path / "audit.sqlite"
        self.addon = Auditor()
        self._ctx = taddons.context(self.addon)
        self.ctx = self._ctx.__enter__()
        # No DNS in tests: CNAME lookups are off unless a test injects its own resolver.
        # Recording in-process, so tests can look inside the recorder; the worker process is tested end to end.
        self.ctx.configure(self.addon, tredjepart_db=str(self.db_path),
                           **{"tredjepart_cnames": False, "tredjepart_process": False, **options})

    def flow(self, *args, **kwargs):
        """Build a flow with make_flow and pass it through the addon's request and response hooks."""
        import asyncio

        f = make_flow(*args, **kwargs)
        asyncio.run(self.addon.request(f))
        if not f.metadata.get("tredjepart_control"):
            self.addon.response(f)
        return f

    def db(self):
        """Flush and open the database (the addon keeps recording)."""
        from sqlite_utils import Database

        self.addon.recorder.flush()
        return Database(self.db_path)

    def close(self):
        self.addon.done()
        self._ctx.__exit__(None, None, None)


@pytest.fixture
def harness(tmp_path):
    made = []

    def make(**options):
        h = AddonHarness(tmp_path, **options)
        made.append(h)
        return h

    yield make
    for h in made:
        h.close()
