"""One mitmproxy HTTPFlow in, plain records out (records.Observation). Nothing secret leaves this module:
cookie values become keyed hashes, query values are dropped, secrets in paths and query names become keyed-hash
placeholders (observe.paths), bodies are only fingerprinted. The host is the real destination, not the Host
header (observe.destination); at most cookies.MAX_COOKIES cookies per direction are read."""

from __future__ import annotations

import hashlib
import math
import time

from mitmproxy import http

from tredjepart.shapes import SHAPE_SCAN, value_shape
from tredjepart.hashing import entropy, keyed_hash
from tredjepart.ids import record_id
from tredjepart.observe.background import background_reason
from tredjepart.observe.client import classify_client
from tredjepart.observe.cookies import sent_cookies, set_cookies
from tredjepart.observe.destination import destination, flow_sni
from tredjepart.observe.headers import HeaderMap, header_map
from tredjepart.observe.kinds import KindInput, media_type, request_kind
from tredjepart.observe.paths import mask_free_text, mask_name, mask_path, request_target
from tredjepart.observe.urls import host_of_url, strip_query_values
from tredjepart.records import CookieRecord, FlowRecord, Observation, ScriptRecord
from tredjepart.sites import site_of

# Flow metadata set where a response body was left behind (the proxy sends the recording worker bodies up to 1 MiB):
# (its size, its SHA-256 when it is a script, else None).
BODY_CUT = "tredjepart_body_cut"

MAX_USER_AGENT = 1024  # characters of a User-Agent read and kept


def when_seen(timestamp: object) -> float:
    """A flow's time as recorded: mitmproxy's timestamp, or now when it is no finite number (a hostile or broken
    capture can carry NaN or infinity there, and a row without a time would be refused by the database)."""
    if isinstance(timestamp, (int, float)) and math.isfinite(timestamp):
        return float(timestamp)
    return time.time()


def observe(
    flow: http.HTTPFlow,
    session_id: str,
    key: bytes,
    *,
    store_values: bool = False,
    background_hosts: tuple[str, ...] = (),
) -> Observation:
    req, resp = flow.request, flow.response
    h = header_map(req.headers)
    rh = header_map(resp.headers) if resp is not None else HeaderMap()
    claimed = h.get1("host")  # request.host_header, read from the header map (mitmproxy's Headers are slower)
    if req.is_http2 or req.is_http3:
        claimed = req.authority or claimed
    host, host_header = destination(req.host, claimed, flow_sni(flow))
    url, path, names = strip_query_values(req.scheme, host, req.port, req.path, key)
    raw_path = request_target(req.path)[0]  # read for the kind and background, never stored
    dest, mode = h.get1("sec-fetch-dest"), h.get1("sec-fetch-mode")
    resp_type = rh.get1("content-type")
    kind = request_kind(
        KindInput(
            method=req.method,
            path=raw_path,
            sec_fetch_dest=dest,
            sec_fetch_mode=mode,
            accept=h.get1("accept"),
            request_content_type=h.get1("content-type"),
            response_content_type=resp_type,
            upgrade=h.get1("upgrade"),
            ping_to="ping-to" in h or "ping-from" in h,
        )
    )
    ua = (h.get1("user-agent") or "")[:MAX_USER_AGENT] or None
    bg = background_reason(
        host, raw_path, sec_fetch_site=h.get1("sec-fetch-site"), sec_fetch_mode=mode, extra_hosts=background_hosts
    )
    referer = h.get1("referer") or h.get1("origin")
    referer_host = host_of_url(referer) if referer else None
    fid = record_id(session_id, flow.id)
    record = FlowRecord(
        id=fid,
        mitm_id=flow.id,
        started=when_seen(req.timestamp_start),
        method=req.method,
        url=url,
        scheme=req.scheme,
        host=host,
        port=req.port,
        path=path,
        query_names=names,
        site=site_of(host),
        kind=kind,
        client=classify_client(ua, dest is not None or mode is not None, h.get1("x-requested-with")),
        status=_status(resp),
        content_type=media_type(resp_type),
        request_size=len(req.raw_content or b""),
        response_size=response_size(flow),
        referer_site=site_of(referer_host) if referer_host else None,
        top_level=kind == "document" and (dest is None or dest == "document"),
        background=bg is not None,
        background_reason=bg,
        user_agent=mask_free_text(ua, key),  # an app may put a device id in it
        error=mask_free_text(flow.error.msg if flow.error else _status_error(resp), key),
        host_header=host_header,
        session_id=session_id,
    )
    obs = Observation(flow=record, headers=(h, rh))
    sent, cut = sent_cookies(h.get("cookie", ()))
    obs.cookies.extend(_cookie(record, "sent", i, n, v, key, store_values) for i, (n, v) in enumerate(sent))
    obs.cookie_values.extend(v for _, v in sent)
    if resp is not None:
        when = when_seen(resp.timestamp_start or req.timestamp_start)
        made, set_cut = set_cookies(rh.get("set-cookie", ()), when)
        cut += set_cut
        for i, c in enumerate(made):
            obs.cookies.append(_cookie(record, "set", i, c.name, c.value, key, store_values, domain=c.domain,
                                       path=mask_path(c.path, key) if c.path else None, lifetime=c.lifetime,
                                       secure=c.secure, httponly=c.httponly, samesite=c.samesite,
                                       partitioned=c.partitioned))
            obs.cookie_values.append(c.value)
        left = flow.metadata.get(BODY_CUT)
        if kind == "script" and (resp.raw_content is not None or (left and left[1])):
            if resp.raw_content is not None:
                body = resp.get_content(strict=False) or b""
                obs.script_body = body
                size, digest = len(body), hashlib.sha256(body).hexdigest()
            else:
                size, digest = left
            obs.scripts.append(
                ScriptRecord(
                    id=record_id(fid, "script"),
                    flow_id=fid,
                    url=url,
                    host=host,
                    site=record.site,
                    size=size,
                    sha256=digest,
                    session_id=session_id,
                )
            )
    record.cookies_cut = cut
    return obs


def response_size(flow: http.HTTPFlow) -> int | None:
    """The response body's size as received, also where the recording worker was not sent all of it."""
    resp = flow.response
    if resp is None:
        return None
    cut = flow.metadata.get(BODY_CUT)
    if cut:
        return cut[0]
    return len(resp.raw_content) if resp.raw_content is not None else None


def _cookie(record: FlowRecord, direction: str, i: int, name: str, value: str, key: bytes, keep: bool, **attrs):
    return CookieRecord(
        id=record_id(record.id, direction, str(i)),
        flow_id=record.id,
        direction=direction,
        name=mask_name(name, key),
        host=record.host,
        site=record.site,
        value_hash=keyed_hash(key, value),
        value_length=len(value),
        value_entropy=round(entropy(value[:SHAPE_SCAN]), 4),
        value_shape=value_shape(value[:SHAPE_SCAN]),
        value=value if keep else None,
        session_id=record.session_id,
        **attrs,
    )


def _status(resp: http.Response | None) -> int | None:
    """The response's status code; None when there is no response or the code is no HTTP status (0-999)."""
    if resp is None:
        return None
    code = resp.status_code
    return code if 0 <= code <= 999 else None


def _status_error(resp: http.Response | None) -> str | None:
    """What was wrong with the status line, when the code is no HTTP status (kept, cut to 40 digits)."""
    if resp is None or 0 <= resp.status_code <= 999:
        return None
    return f"invalid status code {str(resp.status_code)[:40]}"
