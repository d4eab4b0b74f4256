"""One HTML response instrumented, start to finish, as one pure function the proxy's ``response`` hook calls:
a fresh token and nonce, the script, its place in the body, the page's CSP (headers and ``<meta>``) adjusted for
it, and the header edits that go with a changed body.

An instrumented page must not come back from the browser's cache later: its script would carry a token of an
earlier page (and session). So an instrumented response is made ``Cache-Control: no-store`` and loses its
validators (``ETag``, ``Last-Modified``) and body digests (which no longer match). Content-Length is the
caller's HTTP library's business (mitmproxy sets it when the body is replaced).
"""

from __future__ import annotations

from dataclasses import dataclass

from tredjepart.instrument.csp import Adjustment, adjust_headers, control_origin, policy_adjuster
from tredjepart.instrument.inject import Injection, insert, locate, script_block
from tredjepart.instrument.script import (SCRIPT_PATH, hash_source, new_token, nonce_source, report_url,
                                          script_text)

MODES = ("inline", "inline-hash", "src")
CSP = "content-security-policy"
REMOVED_WHEN_INJECTED = ("etag", "last-modified", "content-digest", "repr-digest", "digest", "content-md5")


@dataclass(frozen=True, slots=True)
class Instrumented:
    injection: Injection  # .body is the body to send; .injected says whether it changed
    csp: Adjustment | None  # None: the response had no enforced CSP header (or was not instrumented)
    token: str | None  # the page's report token (the caller maps it to the flow and session); None if skipped
    set_headers: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (name, all its values) to set
    remove_headers: tuple[str, ...] = ()


def instrument_response(*, status: int, headers: list[tuple[str, str]], body: bytes, page_url: str,
                        control_host: str, fetch_dest: str | None = None, content_encoding: str | None = None,
                        mode: str = "inline") -> Instrumented:
    """Instrument one response (``headers`` as (name, value) pairs; ``body`` decoded, else ``content_encoding``
    says how it is encoded, and it is left alone). ``mode``: ``inline`` (script in the page, CSP nonce),
    ``inline-hash`` (CSP hash instead of a nonce) or ``src`` (a script element loading it from the control host,
    which must then serve script.script_text for the token at script.SCRIPT_PATH)."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}")
    lower = [(k.lower(), v) for k, v in headers]
    content_type = next((v for k, v in lower if k == "content-type"), None)
    place = locate(body, status=status, content_type=content_type, content_encoding=content_encoding,
                   fetch_dest=fetch_dest)
    if isinstance(place, Injection):  # left alone: nothing made for it
        return Instrumented(place, None, None)
    scheme = "https" if page_url.lower().startswith("https:") else "http"
    token, nonce = new_token(), new_token()
    report = report_url(control_host, scheme)
    if mode == "src":
        block = script_block(src=f"{scheme}://{control_host}{SCRIPT_PATH}?t={token}", nonce=nonce)
        source = nonce_source(nonce)
    else:
        text = script_text(report, token)
        source = hash_source(text) if mode == "inline-hash" else nonce_source(nonce)
        block = script_block(text, nonce=nonce if mode == "inline" else None)
    settings = {"script_source": source, "origin": control_origin(report), "external": mode == "src"}
    injection = insert(body, place, block, policy_adjuster(**settings))
    policies = [v for k, v in lower if k == CSP]
    csp = adjust_headers(policies, **settings) if policies else None
    set_headers: list[tuple[str, tuple[str, ...]]] = [("cache-control", ("no-store",))]
    if csp is not None and csp.adjusted:
        set_headers.append((CSP, csp.headers))
    removed = tuple(h for h in REMOVED_WHEN_INJECTED if any(k == h for k, _ in lower))
    return Instrumented(injection, csp, token, tuple(set_headers), removed)
