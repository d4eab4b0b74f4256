"""Content-Security-Policy adjusted for the instrument only: real-world policy shapes, several policies and
headers, and, on every policy in the shared captures, the guarantee that nothing else changes."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import SHARED_DATA, need_shared
from tredjepart.instrument.csp import adjust_headers, adjust_policy, control_origin

NONCE = "'nonce-T0k3nT0k3nT0k3n'"
ORIGIN = "https://tredjepart.proxy"


def directives(policy: str) -> dict[str, list[str]]:
    """The directives of one policy as a browser reads them (first occurrence wins), for checking."""
    out: dict[str, list[str]] = {}
    for part in policy.split(";"):
        tokens = part.split()
        if tokens and tokens[0].lower() not in out:
            out[tokens[0].lower()] = tokens[1:]
    return out


def adjusted(policy: str, **kw) -> tuple[dict[str, list[str]], list[str]]:
    text, changes = adjust_policy(policy, script_source=kw.pop("source", NONCE), origin=ORIGIN, **kw)
    return directives(text), changes


GITHUB = ("default-src 'none'; base-uri 'self'; child-src github.com/assets-cdn/worker/ gist.github.com/assets-cdn/worker/; "
          "connect-src 'self' uploads.github.com api.github.com wss://alive.github.com; font-src github.githubassets.com; "
          "form-action 'self' github.com gist.github.com; frame-ancestors 'none'; frame-src viewscreen.githubusercontent.com; "
          "img-src 'self' data: github.githubassets.com avatars.githubusercontent.com; manifest-src 'self'; "
          "media-src github.com user-images.githubusercontent.com/; script-src github.githubassets.com; "
          "style-src 'unsafe-inline' github.githubassets.com; upgrade-insecure-requests; "
          "worker-src github.com/assets-cdn/worker/ gist.github.com/assets-cdn/worker/")


def test_github_shaped_policy():
    d, changes = adjusted(GITHUB)
    assert d["script-src"] == ["github.githubassets.com", NONCE]
    assert d["connect-src"] == ["'self'", "uploads.github.com", "api.github.com", "wss://alive.github.com", ORIGIN]
    original = directives(GITHUB)
    assert {k: v for k, v in d.items() if k not in ("script-src", "connect-src")} == \
        {k: v for k, v in original.items() if k not in ("script-src", "connect-src")}
    assert changes == ["script-src: nonce added", f"connect-src: {ORIGIN} added"]


def test_google_accounts_shaped_policy_with_nonce_and_unsafe_inline():
    """'unsafe-inline' beside a nonce is a fallback for old browsers; the nonce is what counts: ours is added."""
    policy = ("script-src 'report-sample' 'nonce-pAgEnOnCe' 'unsafe-inline' 'unsafe-eval';object-src 'none';"
              "base-uri 'self';report-uri /cspreport, require-trusted-types-for 'script';report-uri /cspreport")
    result = adjust_headers([policy], script_source=NONCE, origin=ORIGIN)
    first, second = result.headers[0].split(",")
    assert directives(first)["script-src"] == ["'report-sample'", "'nonce-pAgEnOnCe'", "'unsafe-inline'",
                                               "'unsafe-eval'", NONCE]
    assert "connect-src" not in directives(first)  # no connect-src and no default-src: connections are free
    assert second == " require-trusted-types-for 'script';report-uri /cspreport"
    assert result.changes == ("policy 1: script-src: nonce added",)


def test_strict_nonce_policy_with_strict_dynamic():
    policy = ("script-src 'nonce-r4nd0m' 'strict-dynamic' https: 'unsafe-inline'; object-src 'none'; "
              "base-uri 'none'; connect-src 'self'")
    d, _ = adjusted(policy)
    assert d["script-src"][-1] == NONCE and d["script-src"][:-1] == directives(policy)["script-src"]
    assert d["connect-src"] == ["'self'", ORIGIN]
    # A script from the control host needs the nonce too: 'strict-dynamic' ignores host sources.
    d, _ = adjusted(policy, external=True)
    assert d["script-src"][-1] == NONCE and ORIGIN not in d["script-src"]


def test_default_src_none():
    text, changes = adjust_policy("default-src 'none'", script_source=NONCE, origin=ORIGIN)
    assert text == f"default-src 'none'; script-src {NONCE}; connect-src {ORIGIN}"
    assert changes == ["script-src: added, default-src's sources and 'none' replaced by the nonce",
                       f"connect-src: added, default-src's URL sources and {ORIGIN} added"]


def test_default_src_copied_where_a_directive_is_added():
    """A new script-src or connect-src must allow what default-src allowed before, or the page breaks."""
    d, _ = adjusted("default-src 'self' https://cdn.example.dk 'unsafe-eval' 'strict-dynamic' 'nonce-x'; img-src *")
    assert d["script-src"] == ["'self'", "https://cdn.example.dk", "'unsafe-eval'", "'strict-dynamic'", "'nonce-x'",
                               NONCE]
    assert d["connect-src"] == ["'self'", "https://cdn.example.dk", ORIGIN]  # script-only keywords mean nothing here
    assert d["img-src"] == ["*"]


def test_unsafe_inline_alone_is_left_working():
    """A nonce would switch 'unsafe-inline' off and break every inline script of the page."""
    policy = "script-src 'self' 'unsafe-inline' https://www.googletagmanager.com; connect-src *"
    text, changes = adjust_policy(policy, script_source=NONCE, origin=ORIGIN)
    assert directives(text)["script-src"] == directives(policy)["script-src"]
    assert changes == [f"connect-src: {ORIGIN} added"]
    # Loaded from the control host: a host source, which leaves 'unsafe-inline' in force.
    d, _ = adjusted(policy, external=True)
    assert d["script-src"] == ["'self'", "'unsafe-inline'", "https://www.googletagmanager.com", ORIGIN]
    # default-src 'unsafe-inline' without script-src: no script-src is added at all.
    d, changes = adjusted("default-src 'self' 'unsafe-inline'")
    assert "script-src" not in d and changes == [f"connect-src: added, default-src's URL sources and {ORIGIN} added"]


def test_script_src_elem_and_script_src():
    d, changes = adjusted("script-src-elem 'self'; script-src 'none'; connect-src 'none'")
    assert d["script-src-elem"] == ["'self'", NONCE]
    assert d["script-src"] == [NONCE]
    assert d["connect-src"] == [ORIGIN]
    assert changes == ["script-src-elem: nonce added", "script-src: 'none' replaced by the nonce",
                       f"connect-src: 'none' replaced by {ORIGIN}"]


def test_duplicates_and_oddities_left_as_they_are():
    policy = "script-src 'self';  SCRIPT-SRC 'none' ; img-src 'self';;connect-src'self'; "
    text, _ = adjust_policy(policy, script_source=NONCE, origin=ORIGIN)
    assert text.startswith(f"script-src 'self' {NONCE};  SCRIPT-SRC 'none' ; img-src 'self';;connect-src'self';")
    # "connect-src'self'" is no directive to a browser; connections are free, nothing is added.
    assert "tredjepart" not in text


def test_hash_source_and_its_limits():
    source = "'sha256-" + base64.b64encode(b"x" * 32).decode() + "'"
    d, changes = adjusted("script-src 'self'", source=source)
    assert d["script-src"] == ["'self'", source] and changes == ["script-src: hash added"]
    with pytest.raises(ValueError):  # a hash cannot allow a script loaded from a URL
        adjust_policy("script-src 'self'", script_source=source, origin=ORIGIN, external=True)
    with pytest.raises(ValueError):
        adjust_policy("script-src 'self'", script_source="'nonce-a b'", origin=ORIGIN)


def test_several_headers_and_policies():
    values = ["default-src 'self', script-src 'nonce-a' 'strict-dynamic'", "upgrade-insecure-requests;",
              "frame-ancestors 'none'"]
    result = adjust_headers(values, script_source=NONCE, origin=ORIGIN)
    assert result.headers == (
        f"default-src 'self'; script-src 'self' {NONCE}; connect-src 'self' {ORIGIN}, "
        f"script-src 'nonce-a' 'strict-dynamic' {NONCE}",
        "upgrade-insecure-requests;", "frame-ancestors 'none'")
    assert result.adjusted and result.changes[-1] == "policy 2: script-src: nonce added"
    untouched = adjust_headers(["upgrade-insecure-requests;", "frame-ancestors 'self'"], script_source=NONCE,
                               origin=ORIGIN)
    assert not untouched.adjusted and untouched.headers == ("upgrade-insecure-requests;", "frame-ancestors 'self'")


def test_sandbox_without_scripts_is_reported():
    _, changes = adjusted("sandbox; default-src 'self'; script-src 'none'")
    assert changes[0] == "sandbox without allow-scripts: the instrument cannot run"
    _, changes = adjusted("sandbox allow-scripts allow-same-origin")
    assert changes == []


def test_control_origin():
    assert control_origin("https://Tredjepart.Proxy/instrument/report") == "https://tredjepart.proxy"
    assert control_origin("http://tredjepart.proxy:8081/x") == "http://tredjepart.proxy:8081"


# --- every policy in the shared captures, and random ones -------------------------------------------------------

def _check_only_ours_changed(policy: str, external: bool) -> None:
    text, changes = adjust_policy(policy, script_source=NONCE, origin=ORIGIN, external=external)
    before, after = directives(policy), directives(text)
    assert set(before) <= set(after)
    for name, tokens in before.items():
        kept = [t for t in tokens if t.lower() != "'none'"]
        if name in ("script-src", "script-src-elem", "connect-src") and after[name] != tokens:
            assert after[name][:len(kept)] == kept and len(after[name]) == len(kept) + 1
            assert after[name][-1] in (NONCE, ORIGIN)
        else:
            assert after[name] == tokens, name
    for name in set(after) - set(before):
        assert name in ("script-src", "connect-src") and "default-src" in before
    script = after.get("script-src-elem") or after.get("script-src") or after.get("default-src")
    if script is not None:  # our script is allowed, and 'unsafe-inline' never lost its force
        low = [t.lower() for t in script]
        inline_only = "'unsafe-inline'" in low and not any(t.startswith(("'nonce-", "'sha")) for t in low if t != NONCE.lower())
        assert NONCE in script or ("'unsafe-inline'" in low and (not external or ORIGIN in script))
        if inline_only and "'strict-dynamic'" not in low:
            assert NONCE not in script


def _shared_policies() -> list[str]:
    found = set()
    for path in sorted(SHARED_DATA.rglob("*.har")):
        try:
            entries = json.loads(path.read_text(encoding="utf-8-sig"))["log"]["entries"]
        except (ValueError, KeyError, UnicodeDecodeError):
            continue
        for entry in entries:
            for h in entry.get("response", {}).get("headers", []):
                if h.get("name", "").lower().startswith("content-security-policy"):
                    found.add(h["value"])
    return sorted(found)


def test_every_policy_in_the_shared_captures():
    need_shared("har")
    policies = _shared_policies()
    assert len(policies) >= 10
    for value in policies:
        for external in (False, True):
            for policy in value.split(","):
                if policy.strip():
                    _check_only_ours_changed(policy, external)
        assert adjust_headers([value], script_source=NONCE, origin=ORIGIN).headers[0].count(",") == value.count(",")


_TOKENS = st.sampled_from(["'self'", "'none'", "'unsafe-inline'", "'unsafe-eval'", "'strict-dynamic'", "'nonce-abc'",
                           "'sha256-AAAA'", "https:", "*", "data:", "cdn.example.dk", "https://x.example.com"])
_NAMES = st.sampled_from(["default-src", "script-src", "script-src-elem", "connect-src", "img-src", "style-src",
                          "object-src", "base-uri", "report-uri", "upgrade-insecure-requests", "sandbox"])


@settings(max_examples=500, deadline=None)
@given(st.lists(st.tuples(_NAMES, st.lists(_TOKENS, max_size=4), st.sampled_from([";", "; ", " ;  "])),
                min_size=1, max_size=7), st.booleans())
def test_random_policies_change_only_what_the_instrument_needs(parts, external):
    policy = "".join(f"{name} {' '.join(tokens)}{sep}" for name, tokens, sep in parts)
    _check_only_ours_changed(policy, external)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200), st.booleans())
def test_arbitrary_text_never_raises(text, external):
    result = adjust_headers([text], script_source=NONCE, origin=ORIGIN, external=external)
    assert len(result.headers) == 1
