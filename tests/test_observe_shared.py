"""The path rule and the host rule on every URL of every capture in ../shared/data (HAR of about 20 producers,
mitmproxy flow files): how many path segments are masked and why, and that no real capture gets a false
host_header. A change of the rules shows here as a changed number; docs/schema.md quotes these figures."""

from __future__ import annotations

import collections
import gzip
import json
import re
import zlib
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from conftest import need_shared
from tredjepart.observe import observe
from tredjepart.observe.destination import destination
from tredjepart.observe.paths import mask_path, request_target
from tredjepart.observe.urls import strip_query_values

KEY = b"k" * 32
PLACEHOLDER = re.compile(r"\[([a-z0-9]+)(?::[0-9a-f]{32})?\]")
SKIP_DIRS = {"tracker-lists", "http-state", "cookie-db"}


def _har(path: Path) -> dict | None:
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    elif path.suffix == ".zhar":
        raw = zlib.decompress(raw)
    text = raw.decode("utf-8-sig", "replace").strip()
    if not text.startswith("{") and "{" in text:
        text = text[text.index("{"): text.rindex("}") + 1]  # JSONP
    try:
        return json.loads(text)
    except ValueError:
        return None


def _requests(root: Path):
    """(url, Host header or None, mitmproxy flow or None) of every request of every capture under ``root``."""
    from mitmproxy import http, io

    for path in sorted(root.rglob("*")):
        if (not path.is_file() or SKIP_DIRS & set(path.relative_to(root).parts) or "LICENSE" in path.name
                or path.suffix in (".md", ".txt", ".py")):
            continue
        har = _har(path)
        if har is not None:
            for entry in (har.get("log") or {}).get("entries") or []:
                req = entry.get("request") or {}
                host = [h.get("value") for h in req.get("headers") or []
                        if isinstance(h, dict) and str(h.get("name")).lower() in ("host", ":authority")]
                yield req.get("url") or "", host[0] if host else None, None
            continue
        with open(path, "rb") as fh:
            try:
                for f in io.FlowReader(fh).stream():
                    if isinstance(f, http.HTTPFlow):
                        yield f.request.url, f.request.host_header, f
            except Exception:  # noqa: BLE001 - dumpfile-010.mitm is too old for mitmproxy 12, by design
                continue


@pytest.fixture(scope="module")
def requests():
    return list(_requests(need_shared()))


def test_how_many_path_segments_are_masked_on_every_shared_capture(requests):
    urls = {u for u, _, _ in requests}
    segments = masked_segments = masked_names = 0
    masked_urls: set[str] = set()
    kinds: collections.Counter = collections.Counter()
    for url in urls:
        try:
            parts = urlsplit(url)
        except ValueError:
            continue
        target = url[url.find(parts.netloc) + len(parts.netloc):] if parts.netloc else url
        path, _ = request_target(target)
        _, masked, names = strip_query_values("https", "h", 443, target, KEY)
        segments += sum(1 for s in path.split("/") if s)
        for seg in masked.split("/"):
            if PLACEHOLDER.search(seg):
                masked_segments += 1
                masked_urls.add(url)
                kinds.update(PLACEHOLDER.findall(seg))
        for name in names:
            if PLACEHOLDER.search(name):
                masked_names += 1
                masked_urls.add(url)
    assert (len(urls), segments) == (4010, 13724)
    assert (masked_segments, len(masked_urls), masked_names) == (140, 137, 10)
    # placeholders in those segments, by kind (a segment can hold more than one)
    assert dict(kinds) == {"base64": 60, "mixed": 34, "hex": 21, "id": 11, "cpr": 10, "token": 8, "uuid": 6,
                           "session": 1}


@pytest.mark.parametrize("path, secret", [
    ("/(X(1)S(pvnzao4525kprh2z121oqv55))/idimage.aspx", "pvnzao4525kprh2z121oqv55"),  # bango.net, CNN 2010
    ("/ibs:dpid=82530&dpuuid=cb484616-4406-426c-84e7-dce9eef011be&redir=", "cb484616-4406-426c-84e7-dce9eef011be"),
    ("/ibs:dpid=96678&dpuuid=CfRp5bKbQVwh", "CfRp5bKbQVwh"),
    ("/pixel;r=1636081129;a=p-d9vfr8QTWnv1E;fpan=1;fpa=P0-854010377-1451827126668;", "854010377-1451827126668"),
    ("/usersync/tradedesk/9c4c8ab8-0faf-43db-ba54-db7c10f85fe0", "9c4c8ab8-0faf-43db-ba54-db7c10f85fe0"),
    ("/csync/RX-bbf09a74-3a2e-4196-80be-0d48237be192/", "bbf09a74-3a2e-4196-80be-0d48237be192"),
    ("/meval/eyJhbm9ueW1vdXMiOnRydWUsImtleSI6Im1pbnQtYW5kcm9pZCJ9", "eyJhbm9ueW1vdXMiOnRydWUsImtleSI6"),
])
def test_identifiers_from_real_captures_are_masked(requests, path, secret):
    assert any(path in u for u, _, _ in requests), "the sample comes from the shared captures"
    assert secret not in mask_path(path, KEY)


def test_content_hashed_assets_of_real_captures_stay_readable(requests):
    assets = [u for u, _, _ in requests if re.search(r"/[A-Za-z0-9_-]{40,}\.woff2$|\.[0-9a-f]{8,}\.(js|css)$", u)]
    assert len(assets) >= 10
    for url in assets:
        path = urlsplit(url).path
        assert mask_path(path, KEY) == path


def test_no_real_capture_gets_a_false_host_header(requests):
    """3,553 requests carry a Host or :authority header; they differ from the URL's host only in relative or
    broken HAR URLs and in a WireGuard-mode flow file (address vs name): none is a spoof."""
    with_header = 0
    for url, header, flow in requests:
        if header is None:
            continue
        with_header += 1
        if flow is not None:
            rec = observe(flow, "s", KEY).flow
            assert rec.host_header is None and rec.host == (flow.server_conn.sni or flow.request.host).lower()
            continue
        try:
            url_host = urlsplit(url).hostname or ""
        except ValueError:
            url_host = ""
        assert destination(url_host, header, None)[1] is None, (url, header)
    assert with_header == 3553
