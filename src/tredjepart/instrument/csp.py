"""Content-Security-Policy, adjusted for the instrument's own script and its reports, and nothing else.

A page's policy must go on protecting it exactly as before: every directive we do not need is left byte for
byte, and what we add allows only our script (by its nonce or hash) and connections to the control host. Rules,
per enforced policy (CSP Level 3; a header may carry several policies separated by commas, and a response
several headers: each is enforced on its own, so each is adjusted on its own):

- Our ``<script>`` element is governed by ``script-src-elem``, else ``script-src``, else ``default-src``. Each of
  the first two that exists gets our source; when neither exists but ``default-src`` does, a ``script-src`` is
  added with ``default-src``'s sources plus ours (so everything else a script may do is judged as before).
- A nonce or hash switches ``'unsafe-inline'`` off. A list that allows inline scripts by ``'unsafe-inline'``
  (and has no nonce, hash or ``'strict-dynamic'``) already allows our inline script and is left alone; for a
  script loaded from the control host it gets the control host as a host source instead of a nonce.
  ``'strict-dynamic'`` ignores host sources, so there the nonce or hash is added. ``'none'`` is replaced by our
  source (the page's scripts stay blocked: nothing else matches).
- Reports go to the control host with sendBeacon or fetch: ``connect-src`` gets the control host's origin
  (``'none'`` replaced); without ``connect-src`` but with ``default-src``, a ``connect-src`` is added with
  ``default-src``'s URL sources plus the control host.
- ``Content-Security-Policy-Report-Only`` is not touched (the caller does not pass it).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

_DIRECTIVE = re.compile(r"^([\t\n\f\r ]*)([A-Za-z0-9-]+)(.*?)([\t\n\f\r ]*)$", re.S)
_KEYED = re.compile(r"^'(?:nonce-|sha256-|sha384-|sha512-)", re.I)
_SOURCE = re.compile(r"^'(?:nonce-[A-Za-z0-9+/_-]+={0,2}|sha(?:256|384|512)-[A-Za-z0-9+/_-]+={0,2})'$")
_SCRIPT_ONLY = frozenset({"'unsafe-inline'", "'unsafe-eval'", "'strict-dynamic'", "'unsafe-hashes'",
                          "'wasm-unsafe-eval'", "'report-sample'", "'unsafe-allow-redirects'",
                          "'inline-speculation-rules'", "'trusted-types-eval'", "'none'"})


@dataclass(frozen=True, slots=True)
class Adjustment:
    headers: tuple[str, ...]  # the Content-Security-Policy header values, adjusted, in the same order
    changes: tuple[str, ...]  # what was changed, e.g. "policy 1: script-src: nonce added"

    @property
    def adjusted(self) -> bool:
        return bool(self.changes)


def control_origin(url: str) -> str:
    """The origin (scheme://host[:port]) of the control host's report URL, as a CSP host source."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def adjust_headers(values: list[str] | tuple[str, ...], *, script_source: str, origin: str,
                   external: bool = False) -> Adjustment:
    """Every enforced CSP header value adjusted for the instrument (see the module docstring).

    ``script_source`` is our script's CSP source, ``'nonce-...'`` or ``'sha256-...'`` (only a nonce when
    ``external``: a script loaded from the control host); ``origin`` the control host's origin."""
    out, changes, number = [], [], 0
    for value in values:
        policies = value.split(",")
        for i, policy in enumerate(policies):
            if not policy.strip():
                continue
            number += 1
            policies[i], changed = adjust_policy(policy, script_source=script_source, origin=origin,
                                                 external=external)
            changes += [f"policy {number}: {c}" for c in changed]
        out.append(",".join(policies))
    return Adjustment(tuple(out), tuple(changes))


def policy_adjuster(*, script_source: str, origin: str, external: bool = False):
    """adjust_policy with these settings: a function from policy to (policy, changes), for inject()'s meta tags."""
    return functools.partial(adjust_policy, script_source=script_source, origin=origin, external=external)


def adjust_policy(policy: str, *, script_source: str, origin: str, external: bool = False) -> tuple[str, list[str]]:
    """One serialized policy adjusted for the instrument, and what was changed (nothing: the same text)."""
    if not _SOURCE.match(script_source) or (external and not script_source.lower().startswith("'nonce-")):
        raise ValueError(f"not a usable script source for the instrument: {script_source!r}")
    kind = "nonce" if script_source.lower().startswith("'nonce-") else "hash"
    segments = policy.split(";")
    found: dict[str, tuple[int, list[str]]] = {}
    for i, segment in enumerate(segments):
        m = _DIRECTIVE.match(segment)
        if m and m.group(2).lower() not in found and (not m.group(3) or m.group(3)[0] in "\t\n\f\r "):
            found[m.group(2).lower()] = (i, m.group(3).split())
    changes: list[str] = []
    added: list[str] = []

    def replace(name: str, tokens: list[str]) -> None:
        i = found[name][0]
        lead, written, _, trail = _DIRECTIVE.match(segments[i]).groups()
        segments[i] = f"{lead}{written} {' '.join(tokens)}{trail}"

    if "sandbox" in found and "allow-scripts" not in [t.lower() for t in found["sandbox"][1]]:
        changes.append("sandbox without allow-scripts: the instrument cannot run")
    script_dirs = [d for d in ("script-src-elem", "script-src") if d in found]
    for name in script_dirs:
        tokens, note = _script_list(found[name][1], script_source, kind, origin, external)
        if note:
            replace(name, tokens)
            changes.append(f"{name}: {note}")
    if not script_dirs and "default-src" in found:
        tokens, note = _script_list(found["default-src"][1], script_source, kind, origin, external)
        if note:
            added.append("script-src " + " ".join(tokens))
            changes.append(f"script-src: added, default-src's sources and {note}")
    if "connect-src" in found:
        tokens, note = _connect_list(found["connect-src"][1], origin)
        if note:
            replace("connect-src", tokens)
            changes.append(f"connect-src: {note}")
    elif "default-src" in found:
        urls = [t for t in found["default-src"][1] if t.lower() not in _SCRIPT_ONLY and not _KEYED.match(t)]
        tokens, note = _connect_list(urls, origin)
        added.append("connect-src " + " ".join(tokens))
        changes.append(f"connect-src: added, default-src's URL sources and {note}")
    text = ";".join(segments)
    if added:
        text = text.rstrip("\t\n\f\r ")
        text += ("" if text.endswith(";") or not text else ";") + "".join(f" {d};" for d in added)[:-1]
    return text, changes


def _script_list(tokens: list[str], source: str, kind: str, origin: str, external: bool) -> tuple[list[str], str]:
    """(sources, what was done) for a directive governing our script element; "" when nothing was needed."""
    low = [t.lower() for t in tokens]
    keyed = any(_KEYED.match(t) for t in tokens)
    rest = [t for t in tokens if t.lower() != "'none'"]  # beside another source 'none' means nothing
    if "'unsafe-inline'" in low and not keyed and "'strict-dynamic'" not in low:
        if not external:
            return tokens, ""  # inline scripts are allowed; a nonce would switch that off for the page
        return (tokens, "") if origin in low else (rest + [origin], f"{origin} added")
    return rest + [source], (f"'none' replaced by the {kind}" if len(rest) < len(tokens) else f"{kind} added")


def _connect_list(tokens: list[str], origin: str) -> tuple[list[str], str]:
    if origin in [t.lower() for t in tokens]:
        return tokens, ""
    rest = [t for t in tokens if t.lower() != "'none'"]
    return rest + [origin], (f"'none' replaced by {origin}" if len(rest) < len(tokens) else f"{origin} added")
