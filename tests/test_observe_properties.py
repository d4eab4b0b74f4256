"""Property tests (hypothesis) for every parser of the observation floor and for observe() and the detectors on
hostile flows: nothing raises, nothing planted comes out in any encoding, and a flow costs a bounded time.

Each test names its example count (``max_examples``: 15 x 200 and 3 x 150, 3,450 in all); the file runs in
10-15 seconds. Secrets are random bytes (``random.Random(seed)``) encoded the ways tokens are (hex, base64url,
UUID, JWT, e-mail address), so a shrunk example is still a realistic secret and not ``000...``.
"""

from __future__ import annotations

import base64
import calendar
import datetime
import json
import logging
import math
import random
import time
from urllib.parse import quote

from hypothesis import HealthCheck, given, settings, strategies as st
from mitmproxy import http
from mitmproxy import flow as mflow
from mitmproxy.test import tflow

from tredjepart.detect import Detectors
from tredjepart.observe import observe
from tredjepart.observe.background import background_reason
from tredjepart.observe.client import classify_client
from tredjepart.observe.cookiedate import parse_cookie_date
from tredjepart.observe.cookies import MAX_COOKIES, parse_set_cookie, sent_cookies, set_cookies
from tredjepart.observe.destination import destination, is_host_name
from tredjepart.observe.headers import header_map
from tredjepart.observe.images import image_head, image_size
from tredjepart.observe.kinds import KindInput, media_type, request_kind
from tredjepart.observe.paths import MAX_NAMES, MAX_PATH, mask_path
from tredjepart.observe.signals import wire_signals
from tredjepart.observe.urls import strip_query_values
from tredjepart.observe.values import MAX_VALUES, request_values
from tredjepart.records import CLIENTS, REQUEST_KINDS
from tredjepart.sites import normalize_host

KEY = b"k" * 32
FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FLOWS = settings(max_examples=150, deadline=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# --- strategies -------------------------------------------------------------------------------------------------

# Header values as mitmproxy hands them over: bytes decoded as UTF-8 with surrogateescape (lone surrogates).
raw_text = st.binary(max_size=200).map(lambda b: b.decode("utf-8", "surrogateescape"))
any_text = st.one_of(st.text(max_size=200), raw_text, st.sampled_from(["", " ", ";", "=", "\x00", "²", "٣", "é"]))
big_ints = st.one_of(st.integers(-(2**70), 2**70), st.sampled_from([0, -1, 65535, 65536, 2**63, -(2**63) - 1]))
hosts = st.one_of(
    st.sampled_from(["www.borger.dk", "collect.tracker.com", "::1", "2001:db8::1", "[2001:db8::1]", "192.0.2.7",
                     "bücher.example", "xn--bcher-kva.example", "", "localhost", "a" * 300, "UPPER.Example.COM.",
                     "fonts.googleapis.com400,700"]),
    st.from_regex(r"[a-z0-9-]{1,20}(\.[a-z0-9-]{1,20}){0,3}", fullmatch=True),
    raw_text,
)
header_fields = st.lists(st.tuples(st.binary(max_size=40), st.binary(max_size=400)), max_size=12)
TOKEN_KINDS = ("hex", "base64url", "uuid", "jwt", "email")
# Shapes the path rule masks wherever they stand; a base64url token can read as camelCase words (about 1 in 400 of
# 16-24 byte tokens) and is masked for sure only where a path says a token follows (reset, ;jsessionid=, ...).
ANYWHERE = ("hex", "uuid", "jwt", "email")


def make_token(kind: str, seed: int) -> str:
    rnd = random.Random(seed)
    raw = rnd.randbytes(rnd.choice([16, 20, 24, 32]))
    b64 = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    if kind == "hex":
        return raw.hex()
    if kind == "uuid":
        h = raw[:16].hex()
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"
    if kind == "jwt":
        head = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').decode().rstrip("=")
        body = base64.urlsafe_b64encode(json.dumps({"sub": raw.hex()[:12]}).encode()).decode().rstrip("=")
        return f"{head}.{body}.{b64}"
    if kind == "email":
        return f"{base64.b32encode(raw[:10]).decode().lower().rstrip('=')}@example.dk"
    return b64


tokens = st.builds(make_token, st.sampled_from(TOKEN_KINDS), st.integers(0, 2**32 - 1))
anywhere_tokens = st.builds(make_token, st.sampled_from(ANYWHERE), st.integers(0, 2**32 - 1))


def encodings(token: str) -> list[str]:
    """The forms a planted token must not be found in."""
    once = quote(token, safe="")
    return [token, once, quote(once, safe=""), base64.b64encode(token.encode()).decode().rstrip("="),
            base64.urlsafe_b64encode(token.encode()).decode().rstrip("=")]


def build_flow(method, scheme, host, port, path, req_fields, body, status, resp_fields, resp_body, when, error):
    req = http.Request(host if isinstance(host, str) else "x", port, method, scheme, b"", path, b"HTTP/1.1",
                       http.Headers(req_fields), body, None, when, when)
    f = tflow.tflow(resp=False)
    f.request = req
    if status is not None:
        f.response = http.Response(b"HTTP/1.1", status, b"OK", http.Headers(resp_fields), resp_body, None, when, when)
    if error:
        f.error = mflow.Error(error)
    return f


hostile_flows = st.builds(
    build_flow,
    method=st.one_of(st.sampled_from([b"GET", b"POST", b"CONNECT", b"PROPFIND", b"get", b""]), st.binary(max_size=20)),
    scheme=st.sampled_from([b"http", b"https", b"ws", b""]),
    host=hosts,
    port=big_ints,
    path=st.one_of(st.binary(max_size=600), st.sampled_from([b"", b"*", b"/", b"//", b"/?", b"/#x", b"/%", b"/%zz",
                                                               b"/a;b=c;;=", b"/" + b"a/" * 3000])),
    req_fields=header_fields,
    body=st.binary(max_size=2000),
    status=st.one_of(st.none(), big_ints),
    resp_fields=header_fields,
    resp_body=st.one_of(st.binary(max_size=2000), st.sampled_from([b"GIF89a\x01\x00\x01\x00", b"\x89PNG\r\n\x1a\n"])),
    when=st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([0.0, 1.7e9])),
    error=st.one_of(st.none(), any_text),
)


# --- parsers ----------------------------------------------------------------------------------------------------

@FAST
@given(st.lists(any_text, max_size=5), st.integers(0, 50))
def test_cookie_header_parser(values, limit):
    pairs, cut = sent_cookies(values, limit)
    assert len(pairs) <= limit and cut >= 0
    assert all(isinstance(n, str) and n and isinstance(v, str) for n, v in pairs)


@FAST
@given(st.lists(any_text, max_size=5), st.one_of(st.floats(allow_nan=True, allow_infinity=True), big_ints))
def test_set_cookie_parser(values, now):
    made, cut = set_cookies(values, now, 20)
    assert len(made) <= 20 and cut >= 0
    for c in made:
        assert c.name and (c.lifetime is None or isinstance(c.lifetime, int))
    for line in values:
        parse_set_cookie(line, 0.0)


@FAST
@given(any_text)
def test_cookie_date_parser(text):
    ts = parse_cookie_date(text)
    assert ts is None or math.isfinite(ts)


@FAST
@given(st.datetimes(min_value=datetime.datetime(1601, 1, 1), max_value=datetime.datetime(9999, 12, 31)))
def test_cookie_date_reads_what_servers_write(moment):
    text = moment.strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert parse_cookie_date(text) == calendar.timegm(moment.replace(microsecond=0).timetuple())


@FAST
@given(header_fields)
def test_header_map(fields):
    h = header_map(http.Headers(fields))
    assert sum(len(v) for v in h.values()) == len(fields)
    assert all(k == k.lower() for k in h)


@FAST
@given(any_text, any_text, st.one_of(st.none(), any_text), st.one_of(st.none(), any_text),
       st.one_of(st.none(), any_text), st.one_of(st.none(), any_text), st.booleans())
def test_kinds(method, path, dest, mode, accept, ctype, ping):
    kind = request_kind(KindInput(method, path, dest, mode, accept, ctype, ctype, accept, ping))
    assert kind in REQUEST_KINDS
    assert media_type(ctype) is None or media_type(ctype) == media_type(ctype).lower()


@FAST
@given(st.one_of(st.none(), any_text), st.booleans(), st.one_of(st.none(), any_text))
def test_client(ua, sec_fetch, xrw):
    assert classify_client(ua, sec_fetch, xrw) in CLIENTS


@FAST
@given(st.sampled_from(["http", "https", "", "ws"]), hosts, big_ints, any_text)
def test_urls(scheme, host, port, target):
    url, path, names = strip_query_values(scheme, host, port, target, KEY)
    assert url.startswith(f"{scheme}://") and path and "?" not in path and "#" not in path
    assert url.endswith(path + ("?" + "&".join(f"{n}=" for n in names) if names else ""))
    assert not any("=" in n or "&" in n for n in names)  # a name never carries a value
    assert len(path) <= MAX_PATH + 40 and len(names) <= MAX_NAMES + 1


@FAST
@given(st.lists(st.from_regex(r"[a-z]{1,12}", fullmatch=True), max_size=4), anywhere_tokens,
       st.lists(st.from_regex(r"[a-z0-9.-]{1,12}", fullmatch=True), max_size=3))
def test_token_anywhere_in_a_path_is_masked(before, token, after):
    for planted in (token, quote(token, safe=""), quote(quote(token, safe=""), safe="")):
        masked = mask_path("/" + "/".join([*before, planted, *after]), KEY)
        assert not any(e in masked for e in encodings(token)), masked


@FAST
@given(st.sampled_from(["reset", "confirm", "activate", "magic-link", "verify", "token"]), tokens)
def test_token_after_a_token_word_is_masked(word, token):
    for path in (f"/{word}/{token}", f"/app;jsessionid={token}", f"/x;token={quote(token, safe='')}/y"):
        masked = mask_path(path, KEY)
        assert not any(e in masked for e in encodings(token)), masked


@FAST
@given(st.sampled_from(["GET", "POST"]), any_text, st.binary(max_size=3000),
       st.sampled_from([None, "application/json", "application/x-www-form-urlencoded", "text/plain", "x/y"]))
def test_request_values(method, path, body, ctype):
    req = http.Request.make(method, "https://h.example/", body, {"content-type": ctype} if ctype else {})
    req.path = path
    values, truncated = request_values(req, KEY)
    assert len(values) <= MAX_VALUES and isinstance(truncated, bool)


@FAST
@given(st.binary(max_size=300), st.sampled_from([None, "gzip", "br", "deflate", "zstd", "x"]))
def test_images(head, encoding):
    fmt, w, h = image_size(head)
    assert fmt in (None, "gif", "png", "webp", "jpeg") and all(v is None or v >= 0 for v in (w, h))
    resp = http.Response.make(200, head, {"content-encoding": encoding} if encoding else {})
    image_size(image_head(resp))


@FAST
@given(st.integers(0, 65535), st.integers(0, 65535))
def test_gif_and_png_sizes_are_read(width, height):
    gif = b"GIF89a" + width.to_bytes(2, "little") + height.to_bytes(2, "little")
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR" + width.to_bytes(4, "big") + height.to_bytes(4, "big")
    assert image_size(gif) == ("gif", width, height) and image_size(png) == ("png", width, height)


@FAST
@given(hosts, any_text, st.one_of(st.none(), any_text), st.one_of(st.none(), any_text),
       st.lists(any_text, max_size=3))
def test_background(host, path, site, mode, extra):
    reason = background_reason(normalize_host(host), path, sec_fetch_site=site, sec_fetch_mode=mode,
                               extra_hosts=tuple(extra))
    assert reason is None or isinstance(reason, str)


@FAST
@given(hosts, st.one_of(st.none(), hosts, any_text), st.one_of(st.none(), hosts))
def test_destination(request_host, header, sni):
    host, host_header = destination(request_host, header, sni)
    assert isinstance(host, str) and (host_header is None or isinstance(host_header, str))
    target = normalize_host(request_host)
    if is_host_name(target) and not target.replace(".", "").replace(":", "").isdigit() and ":" not in target:
        assert host == target  # a named destination is never replaced by what the header claims


# --- observe() and the detectors on hostile flows ---------------------------------------------------------------

def _record(flows, parties) -> tuple[list, list]:
    detectors = Detectors()
    out, found = [], []
    for f, party in zip(flows, parties):
        start = time.perf_counter()
        obs = observe(f, "s", KEY)
        obs.flow.party = party
        for r in (*obs.cookies, *obs.scripts):
            r.party = party
        signals = wire_signals(f, KEY, obs)
        result = detectors.on_flow(obs, signals)
        assert time.perf_counter() - start < 2.0, "per-flow cost must stay bounded"
        out.append((obs, signals))
        found.append(result)
    return out, found


class _Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.seen.append(record.getMessage())


@FLOWS
@given(flows=st.lists(hostile_flows, min_size=1, max_size=3),
       parties=st.lists(st.sampled_from(["first", "third"]), min_size=3, max_size=3))
def test_observe_and_detect_never_raise_on_hostile_flows(flows, parties):
    errors = _Errors()
    logging.getLogger("tredjepart").addHandler(errors)
    try:
        observed, found = _record(flows, parties)
    finally:
        logging.getLogger("tredjepart").removeHandler(errors)
    for obs, _ in observed:
        rec = obs.flow
        assert isinstance(rec.url, str) and isinstance(rec.host, str) and rec.kind in REQUEST_KINDS
        assert len(rec.query_names) <= MAX_NAMES + 1 and len(obs.cookies) <= 2 * MAX_COOKIES
        assert rec.status is None or 0 <= rec.status <= 999
    assert not errors.seen, f"a detector raised: {errors.seen}"


def _planted_flow(token: str, path_word: str, host: str, extra_fields) -> http.HTTPFlow:
    q = quote(token, safe="")
    body = json.dumps({"token": token, "b64": base64.b64encode(token.encode()).decode(), "n": [1, {"t": q}]})
    f = build_flow(b"POST", b"https", host, 443, f"/{path_word}/{q}/x;jsessionid={token}?t={q}&v={token}".encode(),
                   [(b"Cookie", f"sid={token}; enc={q}; ok=1".encode()),
                    (b"Authorization", f"Bearer {token}".encode()), (b"X-Api-Key", token.encode()),
                    (b"Referer", f"https://www.borger.dk/reset/{q}?code={q}".encode()),
                    (b"Content-Type", b"application/json"), *extra_fields],
                   body.encode(), 302,
                   [(b"Set-Cookie", f"auth={token}; Path=/reset/{q}; Max-Age=31536000".encode()),
                    (b"Location", f"https://id.example/cb?code={q}#access_token={token}".encode()),
                    (b"ETag", f'"{token}"'.encode()), (b"Content-Type", b"application/javascript")],
                   f"var t='{token}';".encode(), 1.7e9, None)
    return f


@FLOWS
@given(tokens, st.sampled_from(["reset", "confirm", "activate", "magic-link"]),
       st.sampled_from(["collect.tracker.com", "www.borger.dk", "192.0.2.7", "2001:db8::1"]), header_fields,
       st.lists(st.sampled_from(["first", "third"]), min_size=2, max_size=2))
def test_no_planted_secret_in_any_record(token, word, host, extra_fields, parties):
    """A token planted in cookie values, the Set-Cookie Path, query values, the path (after a token word and as
    ;jsessionid=), Authorization and other headers, the Referer, Location and ETag, a JSON body (also base64) and
    a script body is in no record, signal, detection or finding, in any of five encodings."""
    flows = [_planted_flow(token, word, host, extra_fields), _planted_flow(token, word, host, [])]
    flows[1].request.headers["If-None-Match"] = f'"{token}"'
    observed, found = _record(flows, parties)
    dump = repr(observed) + repr(found)
    leaked = [e for e in encodings(token) if e in dump]
    assert not leaked, (leaked, [o.flow for o, _ in observed])


@FLOWS
@given(anywhere_tokens)
def test_value_less_query_part_and_user_agent_and_cookie_name_carry_no_secret(token):
    f = build_flow(b"GET", b"https", "cdn.tracker.com", 443, f"/p?{token}&{quote(token, safe='')}".encode(),
                   [(b"User-Agent", f"MyApp/1.0 (device {token})".encode()), (b"Cookie", f"{token}=1".encode())],
                   b"", 200, [], b"", 1.7e9, f"connection to /x/{token} failed")
    observed, found = _record([f], ["third"])
    dump = repr(observed) + repr(found)
    assert not [e for e in encodings(token) if e in dump]
