"""The control page a tester opens on the device under test (``http://tredjepart.proxy/`` by default), like
mitmproxy's own ``mitm.it``: start and name a session, mark steps, end it, from the phone's own browser.

``parse_action`` and ``render_page`` are pure; ``respond`` carries an action out on the recorder and makes the
answer, which the addon serves in place of the request (these requests are never recorded).

A page on the audited site must not be able to change the tester's sessions:

- only POST changes anything, only from the page itself (Origin, else Referer, must be the control host), and only
  with the page's token (a secret of this proxy run, in a hidden field of every form on the page);
- every answer forbids being framed (``X-Frame-Options: DENY``, CSP ``frame-ancestors 'none'``), so a hostile
  page cannot put the control page under the tester's finger.
"""

from __future__ import annotations

import hmac
import html
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

from mitmproxy import http

DEFAULT_HOST = "tredjepart.proxy"
DANISH_TIME = ZoneInfo("Europe/Copenhagen")  # the reports' time zone too

QUICK_STEPS = ("start page", "login", "consent: accept", "consent: reject", "form filled", "submitted", "logout")
HEADERS = {
    "cache-control": "no-store",
    "x-frame-options": "DENY",
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}


@dataclass(frozen=True, slots=True)
class Action:
    verb: str  # "show", "start", "end", "step", or "refuse"
    value: str = ""
    reason: str = ""


def parse_action(method: str, path: str, form: bytes, origin: str | None, referer: str | None, host: str,
                 token: str = "") -> Action:
    """What a request to the control host asks for. ``token`` is the page's token (empty: not checked)."""
    route = urlsplit(path).path.rstrip("/") or "/"
    if method == "GET":
        return Action("show")
    if method != "POST":
        return Action("refuse", reason="method not allowed")
    source = origin or referer
    if not source or (urlsplit(source).hostname or "").lower() != host.lower():
        return Action("refuse", reason="changes are only accepted from the control page itself")
    fields = parse_qs(form[:4096].decode("utf-8", "replace"), keep_blank_values=True)
    if token and not hmac.compare_digest((fields.get("token") or [""])[0], token):
        return Action("refuse", reason="the page's token is missing or stale: reload the control page")
    value = (fields.get("value") or [""])[0].strip()[:200]
    if route == "/session/start":
        return Action("start", value or "walkthrough")
    if route == "/session/end":
        return Action("end")
    if route == "/step":
        if not value:
            return Action("refuse", reason="a step needs a label")
        return Action("step", value)
    return Action("refuse", reason="unknown action")


def render_page(*, host: str, session: dict | None, steps: list[str] | tuple[str, ...], message: str = "",
                recording: str = "", token: str = "") -> str:
    """The control page; every value is escaped (session names and labels are typed by people)."""
    e = html.escape
    if session:
        status = (
            f"<p>Session <b>{e(session.get('name') or '(unnamed)')}</b>"
            f" since {e(session.get('started_text', ''))}; policy: {e(session.get('solution') or 'none yet')}.</p>"
        )
        if steps:
            status += "<ol>" + "".join(f"<li>{e(s)}</li>" for s in steps) + "</ol>"
    else:
        status = "<p>No session for this device yet: the next page you open starts one, or start a named one.</p>"
    hidden = f'<input type="hidden" name="token" value="{e(token)}">' if token else ""
    quick = "".join(
        f'<form method="post" action="/step">{hidden}<input type="hidden" name="value" value="{e(s)}">'
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
<form method="post" action="/session/start">{hidden}<input type="text" name="value" placeholder="session name">
<button>Start new session</button></form>
<form method="post" action="/session/end">{hidden}<button>End session</button></form>
<h2>Mark a step</h2>{quick}
<form method="post" action="/step">{hidden}<input type="text" name="value" placeholder="step label">
<button>Mark step</button></form>
<p><small>Control host {e(host)}. Requests to this page are not recorded. Times are Danish time.</small></p>
</body></html>"""


async def respond(recorder, req: http.Request, client: str | None, host: str, token: str,
                  wireguard: list[str] = ()) -> http.Response:
    """Carry out a request to the control page on ``recorder`` (None: not recording) and answer it."""
    if req.method == "GET" and urlsplit(req.path).path.rstrip("/") == "/wireguard":
        return http.Response.make(200, wireguard_page(wireguard).encode(),
                                  {"content-type": "text/html; charset=utf-8", **HEADERS})
    action = parse_action(req.method, req.path, req.raw_content or b"", req.headers.get("origin"),
                          req.headers.get("referer"), host, token)
    if action.verb == "refuse":
        return http.Response.make(403, action.reason.encode(), {"content-type": "text/plain", **HEADERS})
    if recorder is not None and action.verb != "show":
        if action.verb == "start":
            recorder.start_session(action.value, client=client)
        elif action.verb == "end":
            recorder.end_session(client=client)
        else:
            recorder.mark_step(action.value, client=client)
        await recorder.sync()  # the page then shows what the recorder did, not what we hope it did
        return http.Response.make(303, b"", {"location": f"http://{host}/?done={action.verb}", **HEADERS})
    view = recorder.session_of(client) if recorder else None
    status = recorder.status() if recorder else None
    page = render_page(
        host=host,
        session=_session_view(view),
        steps=view.steps if view else [],
        message="" if recorder else "Not recording: no database open.",
        recording=f"NOT RECORDING: {status.failed}" if status and status.failed else "",
        token=token,
    )
    return http.Response.make(200, page.encode(), {"content-type": "text/html; charset=utf-8", **HEADERS})


def wireguard_page(configs: list[str]) -> str:
    """The WireGuard client configuration(s) as QR codes to scan, with the text beside them."""
    from tredjepart.proxy.wireguard import qr_svg

    e = html.escape
    if not configs:
        body = "<p>WireGuard mode is off: start the proxy with <code>tredjepart proxy --wireguard</code>.</p>"
    else:
        body = "".join(f"<div>{qr_svg(c)}<pre>{e(c)}</pre></div>" for c in configs)
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>tredjepart: WireGuard</title>'
            f'</head><body><h1>Scan in the WireGuard app</h1>{body}<p><a href="/">Back</a></p></body></html>')


def _session_view(view) -> dict | None:
    if view is None:
        return None
    return {
        "name": view.name,
        "started_text": datetime.fromtimestamp(view.started, DANISH_TIME).strftime("%H:%M:%S"),
        "solution": view.solution,
    }
