"""The control page a tester opens on the device under test (``http://tredjepart.proxy/`` by default), like
mitmproxy's own ``mitm.it``: start and name a session, mark steps, end it, from the phone's own browser.

``parse_action`` and ``render_page`` are pure; ``respond`` carries an action out on the recorder and makes the
answer, which the addon serves in place of the request (these requests are never recorded). Only POST changes anything, and only from the page itself (Origin/Referer must be the
control host), so a page on the audited site cannot start or end sessions behind the tester's back.
"""

from __future__ import annotations

import html
import logging
import time
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from mitmproxy import http

logger = logging.getLogger(__name__)

DEFAULT_HOST = "tredjepart.proxy"

QUICK_STEPS = ("start page", "login", "consent: accept", "consent: reject", "form filled", "submitted", "logout")


@dataclass(frozen=True, slots=True)
class Action:
    verb: str  # "show", "start", "end", "step", or "refuse"
    value: str = ""
    reason: str = ""


def parse_action(method: str, path: str, form: bytes, origin: str | None, referer: str | None, host: str) -> Action:
    """What a request to the control host asks for."""
    route = urlsplit(path).path.rstrip("/") or "/"
    if method == "GET":
        return Action("show")
    if method != "POST":
        return Action("refuse", reason=f"method {method} not allowed")
    source = origin or referer
    if not source or (urlsplit(source).hostname or "").lower() != host.lower():
        return Action("refuse", reason="changes are only accepted from the control page itself")
    fields = parse_qs(form.decode("utf-8", "replace"), keep_blank_values=True)
    value = (fields.get("value") or [""])[0].strip()[:200]
    if route == "/session/start":
        return Action("start", value or "walkthrough")
    if route == "/session/end":
        return Action("end")
    if route == "/step":
        if not value:
            return Action("refuse", reason="a step needs a label")
        return Action("step", value)
    return Action("refuse", reason=f"unknown action {route}")


def render_page(*, host: str, session: dict | None, steps: list[str], message: str = "", recording: str = "") -> str:
    """The control page; every value is escaped (session names and labels are typed by people)."""
    e = html.escape
    if session:
        status = (
            f"<p>Session <b>{e(session.get('name') or '(unnamed)')}</b>"
            f" since {e(session.get('started_text', ''))}; policy: {e(session.get('solution') or 'none yet')}.</p>"
        )
        if steps:
            status += "<p>Steps: " + " &rarr; ".join(e(s) for s in steps[-8:]) + "</p>"
    else:
        status = "<p>No session for this device yet: the next page you open starts one, or start a named one.</p>"
    quick = "".join(
        f'<form method="post" action="/step"><input type="hidden" name="value" value="{e(s)}">'
        f'<button>{e(s)}</button></form>'
        for s in QUICK_STEPS
    )
    banner = f'<p class="alert">{e(recording)}</p>' if recording else ""
    note = f'<p class="note">{e(message)}</p>' if message else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>tredjepart control</title>
<style>body{{font:16px system-ui,sans-serif;margin:1em;max-width:40em}}button{{font-size:1em;margin:.2em}}
form{{display:inline-block}}input[type=text]{{font-size:1em;width:14em}}.alert{{background:#b00020;color:#fff;
padding:.5em}}.note{{background:#e8f0fe;padding:.5em}}</style></head>
<body><h1>tredjepart</h1>{banner}{note}{status}
<h2>Session</h2>
<form method="post" action="/session/start"><input type="text" name="value" placeholder="session name">
<button>Start new session</button></form>
<form method="post" action="/session/end"><button>End session</button></form>
<h2>Mark a step</h2>{quick}
<form method="post" action="/step"><input type="text" name="value" placeholder="step label">
<button>Mark step</button></form>
<p><small>Control host {e(host)}. Requests to this page are not recorded.</small></p>
</body></html>"""


def respond(recorder, req: http.Request, client: str | None, host: str) -> http.Response:
    """Carry out a request to the control page on ``recorder`` (None: not recording) and answer it."""
    action = parse_action(req.method, req.path, req.raw_content or b"", req.headers.get("origin"),
                          req.headers.get("referer"), host)
    if action.verb == "refuse":
        return http.Response.make(403, action.reason.encode(), {"content-type": "text/plain"})
    if recorder is None:
        message = "Not recording: no database open."
    elif action.verb == "start":
        recorder.start_session(action.value, client=client)
        message = f"Session {action.value!r} started."
    elif action.verb == "end":
        recorder.end_session(client=client)
        message = "Session ended."
    elif action.verb == "step":
        recorder.mark_step(action.value, client=client)
        message = f"Step {action.value!r} marked."
    else:
        message = ""
    if recorder is not None and action.verb in ("start", "end", "step"):
        logger.info("tredjepart: control page (%s): %s", client, message)
        return http.Response.make(303, b"", {"location": f"http://{host}/?done=1"})
    session = recorder.sessions.current(client) if recorder else None
    failed = recorder.writer.failed if recorder else None
    page = render_page(
        host=host,
        session=_session_view(session),
        steps=[session.step.label] if session and session.step else [],
        message=message,
        recording=f"NOT RECORDING: {failed}" if failed else "",
    )
    return http.Response.make(200, page.encode(), {"content-type": "text/html; charset=utf-8",
                                                   "cache-control": "no-store"})


def _session_view(session) -> dict | None:
    if session is None:
        return None
    return {
        "name": session.name,
        "started_text": time.strftime("%H:%M:%S", time.localtime(session.started)),
        "solution": session.meta.get("solution"),
    }
