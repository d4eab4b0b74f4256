"""The instrument script as the proxy serves it: ``instrument.js`` (package data) with this page's settings.

The script finds its own frames in stack traces by a probe on its first statement: it must know how far the
probe is from its first line and how many lines it has, because an inline script's frames carry the page's URL
and document line numbers, like the page's own inline scripts. Both are counted here, once, from the file, and
the settings go on the script's last line so they shift nothing above them.

Each injected copy carries a fresh random token: the proxy accepts reports only with a token it issued, and so
learns which page (flow, session) a report belongs to; the script removes its own element before the page's
scripts run, so they cannot read the token.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import secrets
from dataclasses import dataclass
from importlib.resources import files

PLACEHOLDER = "/*CONFIG*/"
REPORT_PATH = "/instrument/report"
SCRIPT_PATH = "/instrument/instrument.js"

MAX_VALUE = 4096  # characters of a value sent for hashing; a longer value is sent as its length only
MAX_EVENTS = 2000  # events one document reports; more are counted as dropped
BATCH_CHARS = 16000  # characters per report (well under sendBeacon's 64 KiB in flight)
BATCH_EVENTS = 50
FLUSH_MS = 1000


@dataclass(frozen=True, slots=True)
class Template:
    text: str  # instrument.js with the placeholder
    probe_line: int  # 0-based line of the probe statement
    lines: int  # lines of the finished script


@functools.cache
def template() -> Template:
    text = files("tredjepart.instrument").joinpath("instrument.js").read_text(encoding="utf-8")
    if not text.isascii() or text.count(PLACEHOLDER) != 1 or "</script" in text.lower():
        raise RuntimeError("instrument.js must be ASCII, have one config placeholder and no '</script'")
    body = compact(text)
    probe = [i for i, line in enumerate(body.split("\n")) if line.startswith("var PROBE = new Error().stack")]
    if len(probe) != 1:
        raise RuntimeError("instrument.js must have exactly one probe statement")
    return Template(body, probe[0], body.count("\n") + 1)


def compact(text: str) -> str:
    """The script without indentation, comment lines and comment blocks that start a line (a third of its size).
    Code lines are kept whole: a ``//`` after code may be inside a string or a regular expression."""
    out, in_block = [], False
    for line in text.split("\n"):
        line = line.strip()
        if in_block:
            in_block = not line.endswith("*/")
        elif line.startswith("/*"):
            in_block = not line.endswith("*/")
        elif line and not line.startswith("//"):
            out.append(line)
    return "\n".join(out)


def new_token() -> str:
    """A fresh random token, usable as a CSP nonce too (base64url, 128 bits)."""
    return secrets.token_urlsafe(16)


def report_url(control_host: str, page_scheme: str) -> str:
    """Where the page posts its reports: the control host over the page's own scheme (no mixed content)."""
    scheme = "https" if page_scheme == "https" else "http"
    return f"{scheme}://{control_host}{REPORT_PATH}"


def script_text(report: str, token: str, *, selftest: bool = False) -> str:
    """The finished script for one document; ASCII, no ``</script``, one line of settings at the end."""
    t = template()
    config = {
        "report": report,
        "token": token,
        "probe_line": t.probe_line,
        "lines": t.lines,
        "max_value": MAX_VALUE,
        "max_events": MAX_EVENTS,
        "batch_chars": BATCH_CHARS,
        "batch_events": BATCH_EVENTS,
        "flush_ms": FLUSH_MS,
    }
    if selftest:
        config["selftest"] = True
    encoded = json.dumps(config, ensure_ascii=True, separators=(",", ":")).replace("<", "\\u003c")
    return t.text.replace(PLACEHOLDER, encoded)


def hash_source(text: str) -> str:
    """The CSP hash source (``'sha256-...'``) that allows this exact inline script."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def nonce_source(nonce: str) -> str:
    return f"'nonce-{nonce}'"
