"""The few facts a coverage measurement needs from a capture: where its first document was, which hosts it
talked to, and the server certificate of each host.

Captures are read with the reader an analysis uses (``record.capture.read_capture``), so the measurement sees
what an analysis sees; entries it skips or ignores have no facts. Where that reader cannot read a file to its
end (a mitmproxy file of a flow format too old, a file cut short) or skips entries of a HAR, the HAR's JSON (or the old flow file's
tnetstring) is read here instead, so no capture is left out of the figures; ``CaptureFacts.reader`` says which
reader was used and ``problem`` why.
"""

from __future__ import annotations

import gzip
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

from mitmproxy import http

from tredjepart.record.capture import CaptureError, Skipped, read_capture
from tredjepart.entities.certs import CertFacts, cert_from_har, cert_from_mitmproxy
from tredjepart.entities.coverage import CaptureFacts, SeenFlow
from tredjepart.sites import normalize_host

logger = logging.getLogger(__name__)

FAMILIES = ("har", "har-variety", "mitmproxy-flows")
MAX_FLOWS = 200_000  # per capture: a bound on what one file can make us hold
_NOT_CAPTURES = (".md", ".txt", ".json", ".csv")
_HTML = ("text/html", "application/xhtml")


def capture_files(shared_data: str | Path) -> list[tuple[str, Path]]:
    """(family, path) of every capture under the shared data's ``har/``, ``har-variety/`` and
    ``mitmproxy-flows/`` (licences and notes left out), sorted."""
    root = Path(shared_data)
    found: list[tuple[str, Path]] = []
    for family in FAMILIES:
        for path in sorted((root / family).rglob("*")):
            if path.is_file() and "LICENSE" not in path.name.upper() and "license" not in path.name \
                    and not path.name.lower().endswith(_NOT_CAPTURES):
                found.append((family, path))
    return found


def read_shared(shared_data: str | Path) -> list[CaptureFacts]:
    """The facts of every capture under the shared data directory; one that cannot be read at all is logged
    and left out (the others are still measured)."""
    found: list[CaptureFacts] = []
    for family, path in capture_files(shared_data):
        try:
            found.append(read_facts(path, family))
        except CaptureError as e:
            logger.warning("%s", e)
    return found


def read_facts(path: str | Path, family: str = "") -> CaptureFacts:
    """The facts of one capture; CaptureError when neither reader can read it."""
    path = Path(path)
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as e:
            raise CaptureError(f"{path}: gzip data that does not decompress: {e}") from e
    text = data.decode("utf-8-sig", "replace").strip()
    is_json = text.startswith("{") or (0 < text.find("(") < 64 and text.endswith((")", ");")))
    skipped: list[Skipped] = []
    try:
        flows = list(_with_reader(path, skipped))
        if skipped and is_json:  # entries an analysis skips (no method, say) still name a host it talked to
            raise CaptureError(f"{path}: {len(skipped)} entries the analysis skips, e.g. {skipped[0].reason}")
    except CaptureError as e:
        problem = str(e).removeprefix(f"{path}: ")
    else:
        if is_json:  # certificates the reader did not carry over are taken from the JSON
            certs = {f.host: f.cert for f, _ in _from_har_json(path, text) if f.cert is not None}
            flows = [(SeenFlow(f.host, f.cert or certs.get(f.host)), doc) for f, doc in flows]
        return _facts(path, family, flows, "tredjepart", None)
    if is_json:
        return _facts(path, family, list(_from_har_json(path, text)), "har-json", problem)
    return _facts(path, family, list(_from_tnetstring(path, data)), "tnetstring", problem)


def _facts(path: Path, family: str, flows: list[tuple[SeenFlow, bool]], reader: str,
           problem: str | None) -> CaptureFacts:
    """The capture's first party is the site of its first document that was not a redirect (else its first
    document, else its first request)."""
    first = next((f for f, doc in flows if doc == "page"), None) \
        or next((f for f, doc in flows if doc), None) \
        or (flows[0][0] if flows else None)
    return CaptureFacts(name=path.name, family=family, first_host=first.host if first else None,
                        flows=[f for f, _ in flows], reader=reader, problem=problem)


def _document(status: object, mime: str, resource_type: str, dest: str) -> str | bool:
    """"page" for a document that was shown, True for a redirect or error document, False for anything else."""
    is_doc = resource_type == "document" or dest == "document" or mime.lower().startswith(_HTML)
    if not is_doc:
        return False
    return "page" if isinstance(status, int) and (200 <= status < 300 or status == 304) else True


def _with_reader(path: Path, skipped: list[Skipped]) -> Iterator[tuple[SeenFlow, str | bool]]:
    for i, flow in enumerate(read_capture(path)):
        if i >= MAX_FLOWS:
            break
        if isinstance(flow, Skipped):
            skipped.append(flow)
        if not isinstance(flow, http.HTTPFlow):  # skipped and ignored entries, TCP, UDP, DNS: no document
            continue
        host = normalize_host(flow.request.pretty_host or "")
        if not host:
            continue
        cert = None
        if flow.server_conn is not None and flow.server_conn.certificate_list:
            cert = cert_from_mitmproxy(flow.server_conn.certificate_list[0])
        response = flow.response
        mime = response.headers.get("content-type", "") if response is not None else ""
        dest = flow.request.headers.get("sec-fetch-dest", "")
        if not dest and flow.request.headers.get("accept", "").startswith("text/html"):
            dest = "document"
        status = response.status_code if response is not None else None
        yield SeenFlow(host, cert), _document(status, mime, "", dest)


def _from_har_json(path: Path, text: str) -> Iterator[tuple[SeenFlow, str | bool]]:
    if not text.startswith("{"):  # HARP: onInputData({...});
        text = text[text.find("(") + 1: text.rfind(")")]
    try:
        har = json.loads(text)
    except json.JSONDecodeError as e:
        raise CaptureError(f"{path}: line {e.lineno} column {e.colno}: not valid JSON ({e.msg})") from e
    entries = har.get("log", {}).get("entries") if isinstance(har, dict) and isinstance(har.get("log"), dict) else None
    if not isinstance(entries, list):
        raise CaptureError(f"{path}: JSON but not a HAR file (no log.entries)")
    for entry in entries[:MAX_FLOWS]:
        if not isinstance(entry, dict) or not isinstance(entry.get("request"), dict):
            continue
        url = entry["request"].get("url")
        if not isinstance(url, str) or url.startswith(("data:", "blob:", "about:")):
            continue
        try:
            host = normalize_host(urlsplit(url.strip()).hostname or "")
        except ValueError:
            continue
        if not host:
            continue
        response = entry.get("response") if isinstance(entry.get("response"), dict) else {}
        content = response.get("content") if isinstance(response.get("content"), dict) else {}
        mime = content.get("mimeType") if isinstance(content.get("mimeType"), str) else ""
        kind = entry.get("_resourceType") if isinstance(entry.get("_resourceType"), str) else ""
        yield SeenFlow(host, cert_from_har(entry.get("_securityDetails"))), _document(
            response.get("status"), mime, kind, "")


def _from_tnetstring(path: Path, data: bytes) -> Iterator[tuple[SeenFlow, str | bool]]:
    """Flows of a mitmproxy file in a flow format mitmproxy no longer reads: only the request's host."""
    import io

    from mitmproxy.io import tnetstring

    stream = io.BytesIO(data)
    for _ in range(MAX_FLOWS):
        if stream.tell() >= len(data):
            return
        try:
            record = tnetstring.load(stream)
        except (ValueError, TypeError) as e:
            raise CaptureError(f"{path}: neither a capture mitmproxy reads nor a HAR: {e}") from e
        request = _get(record, "request")
        host = _get(request, "host") or _get(request, "pretty_host")
        if isinstance(host, bytes):
            host = host.decode("ascii") if host.isascii() else None
        if isinstance(host, str) and (host := normalize_host(host)):
            response = _get(record, "response")
            yield SeenFlow(host, _old_cert(_get(response, "cert"))), False


def _get(record: object, key: str) -> object:
    if not isinstance(record, dict):
        return None
    return record.get(key, record.get(key.encode()))


def _old_cert(pem: object) -> CertFacts | None:
    if not isinstance(pem, bytes) or b"BEGIN CERTIFICATE" not in pem:
        return None
    from mitmproxy.certs import Cert

    try:
        return cert_from_mitmproxy(Cert.from_pem(pem))
    except ValueError:
        return None
