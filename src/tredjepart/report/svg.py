"""Inline SVG pictures of a session, laid out here: pure functions from the model to SVG text.

Every value from traffic (sites, step labels, names) goes through ``esc`` before it is placed in text or an
attribute, and every attribute is double-quoted, so the result is safe to embed as markup. No scripts, no
external references: the pictures render in a file opened offline and under a CSP without ``script-src``.
"""

from __future__ import annotations

import html
import math

from tredjepart.report.i18n import Catalog
from tredjepart.report.model import SessionReport

COLOURS = {"covered": "#2e7d32", "warning": "#b26a00", "uncovered": "#c62828", "background": "#8a8a8a",
           "solution": "#1f4e79"}
FONT = "font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif\""
MAX_ROWS = 60


def esc(value: object) -> str:
    """Text or attribute value, escaped (quotes included)."""
    return html.escape(str(value), quote=True)


def clip(text: str, n: int) -> str:
    """``text`` cut to ``n`` characters with an ellipsis (before escaping, so entities are never cut)."""
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _svg(width: float, height: float, label: str, body: list[str]) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" role="img" '
            f'aria-label="{esc(label)}" {FONT} font-size="12">' + "".join(body) + "</svg>")


def _f(x: float) -> str:
    return f"{x:.1f}"


def graph(session: SessionReport, t: Catalog) -> str:
    """A radial graph: the solution in the centre, its third parties (and the device's background sites)
    around it, coloured by verdict; bigger nodes and thicker edges for more requests."""
    nodes = [(p.site, p.state, p.flows, f"{p.site} · {p.entity or t('unknown')} · {t.basis(p.basis)} · "
              f"{t.state(p.state)} · {p.flows} {t('flows').lower()}") for p in session.third_parties]
    nodes += [(b.site, "background", b.flows, f"{b.site} · {t.state('background')} · {b.flows}")
              for b in session.background]
    n = len(nodes)
    rotated = n > 14
    radius = 250.0 if rotated else 200.0
    width = 2 * (radius + 240) if rotated else 900.0
    height = width if rotated else 560.0
    cx, cy = width / 2, height / 2 + (0 if rotated else 10)
    body = ['<rect width="100%" height="100%" fill="#ffffff"/>']
    step = 360.0 / n if n else 0
    for i, (site, state, flows, title) in enumerate(nodes):
        angle = -90 + step / 2 + i * step
        a = math.radians(angle)
        x, y = cx + radius * math.cos(a), cy + radius * math.sin(a)
        r = min(16.0, 5 + 2.2 * math.log2(flows + 1))
        colour = COLOURS[state]
        dash = ' stroke-dasharray="4 4"' if state == "background" else ""
        width_px = min(6.0, 1 + 0.7 * math.log2(flows + 1))
        body.append(f'<g><title>{esc(title)}</title>'
                    f'<line x1="{_f(cx + 60 * math.cos(a))}" y1="{_f(cy + 60 * math.sin(a))}" x2="{_f(x)}" '
                    f'y2="{_f(y)}" stroke="{colour}" stroke-width="{_f(width_px)}" stroke-opacity="0.6"{dash}/>'
                    f'<circle cx="{_f(x)}" cy="{_f(y)}" r="{_f(r)}" fill="{colour}"/>')
        body.append(_node_label(site, x, y, r, angle, rotated, state) + "</g>")
    body.append(f'<circle cx="{_f(cx)}" cy="{_f(cy)}" r="60" fill="{COLOURS["solution"]}"/>')
    lines = _wrap(session.solution or (session.first_party[0] if session.first_party else session.title), 16)
    for j, line in enumerate(lines):
        body.append(f'<text x="{_f(cx)}" y="{_f(cy - 6 * (len(lines) - 1) + 14 * j + 4)}" text-anchor="middle" '
                    f'fill="#ffffff" font-weight="bold" font-size="11">{esc(line)}</text>')
    if not n:
        body.append(f'<text x="{_f(cx)}" y="{_f(cy + 90)}" text-anchor="middle" fill="#444">'
                    f'{esc(t("no_third_parties"))}</text>')
    body.append(_legend(t, 12, 18))
    return _svg(width, height, t("graph"), body)


def _node_label(site: str, x: float, y: float, r: float, angle: float, rotated: bool, state: str) -> str:
    text = esc(clip(site, 28))
    colour = "#555" if state == "background" else "#1a1a1a"
    a = math.radians(angle)
    c, s = math.cos(a), math.sin(a)
    if rotated:
        lx, ly = x + (r + 5) * c, y + (r + 5) * s
        turn, anchor = (angle, "start") if c >= 0 else (angle + 180, "end")
        return (f'<text x="{_f(lx)}" y="{_f(ly)}" dy="4" text-anchor="{anchor}" fill="{colour}" '
                f'transform="rotate({_f(turn)} {_f(lx)} {_f(ly)})">{text}</text>')
    if abs(c) < 0.3:
        ly = y + (r + 14 if s > 0 else -(r + 6))
        return f'<text x="{_f(x)}" y="{_f(ly)}" text-anchor="middle" fill="{colour}">{text}</text>'
    anchor, lx = ("start", x + r + 6) if c > 0 else ("end", x - r - 6)
    return f'<text x="{_f(lx)}" y="{_f(y + 4)}" text-anchor="{anchor}" fill="{colour}">{text}</text>'


def _wrap(text: str, width: int) -> list[str]:
    words, lines = str(text).split(), [""]
    for w in words:
        if lines[-1] and len(lines[-1]) + 1 + len(w) > width:
            lines.append("")
        lines[-1] = (lines[-1] + " " + w).strip()
    lines = [clip(line, width + 2) for line in lines if line] or [""]
    return lines[:2] if len(lines) <= 2 else [lines[0], clip(lines[1] + " …", width + 2)]


def _legend(t: Catalog, x: float, y: float) -> str:
    parts = []
    for i, state in enumerate(("covered", "warning", "uncovered", "background")):
        yy = y + i * 18
        parts.append(f'<circle cx="{_f(x + 6)}" cy="{_f(yy - 4)}" r="6" fill="{COLOURS[state]}"/>'
                     f'<text x="{_f(x + 18)}" y="{_f(yy)}" fill="#1a1a1a">{esc(t.state(state))}</text>')
    return "<g>" + "".join(parts) + "</g>"


def timeline(session: SessionReport, t: Catalog) -> str:
    """Requests over time, one row per party (the solution first, the background last), with the tester's
    steps as dashed markers. Uncovered requests are red whatever their party's colour."""
    rows: list[tuple[str, str, list[tuple[float, bool]]]] = []
    if session.first_party_times:
        rows.append((t("timeline_own"), "solution", [(x, True) for x in session.first_party_times]))
    parties = sorted(session.third_parties, key=lambda p: (p.first_seen or 0, p.site))
    rows += [(p.site, p.state, p.times) for p in parties]
    hidden = max(0, len(rows) - MAX_ROWS)
    rows = rows[:MAX_ROWS]
    if session.background:
        rows.append((t("timeline_background"), "background",
                     [(x, True) for b in session.background for x in b.times]))
    width, left, right, row_h = 900.0, 230.0, 36.0, 20.0
    top = 28.0 + 16 * min(3, len(session.steps))
    height = top + row_h * max(1, len(rows)) + 44 + (16 if hidden else 0)
    t0, t1 = session.started, session.end
    span = max(t1 - t0, 1.0)

    def x_of(ts: float) -> float:
        return left + (min(max(ts, t0), t1) - t0) / span * (width - left - right)

    body = ['<rect width="100%" height="100%" fill="#ffffff"/>']
    bottom = top + row_h * max(1, len(rows))
    for i, (label, state, times) in enumerate(rows):
        y = top + i * row_h
        if i % 2 == 0:
            body.append(f'<rect x="0" y="{_f(y)}" width="{_f(width)}" height="{_f(row_h)}" fill="#f3f5f8"/>')
        colour = COLOURS[state]
        body.append(f'<g><title>{esc(label)}: {len(times)}</title>'
                    f'<text x="{_f(left - 12)}" y="{_f(y + 14)}" text-anchor="end" fill="#1a1a1a">'
                    f'{esc(clip(label, 32))}</text>'
                    f'<circle cx="{_f(left - 5)}" cy="{_f(y + 10)}" r="3" fill="{colour}"/>')
        seen: set[tuple[int, bool]] = set()
        for ts, covered in times:
            key = (int(x_of(ts) / 2), covered)
            if key in seen:
                continue
            seen.add(key)
            fill = colour if covered or state == "solution" else COLOURS["uncovered"]
            body.append(f'<rect x="{_f(x_of(ts) - 1.5)}" y="{_f(y + 4)}" width="3" height="12" fill="{fill}"/>')
        body.append("</g>")
    if hidden:
        body.append(f'<text x="{_f(left - 12)}" y="{_f(bottom + 14)}" text-anchor="end" fill="#555">'
                    f'+ {hidden}</text>')
    for i, step in enumerate(session.steps):
        x = x_of(step.started)
        level = i % 3
        body.append(f'<g><title>{esc(step.label)} ({esc(t.time(step.started))})</title>'
                    f'<line x1="{_f(x)}" y1="{_f(24 + 16 * level)}" x2="{_f(x)}" y2="{_f(bottom)}" '
                    f'stroke="#1f4e79" stroke-dasharray="3 3"/>'
                    f'<text x="{_f(x + 3)}" y="{_f(20 + 16 * level)}" fill="#1f4e79">'
                    f'{i + 1}. {esc(clip(step.label, 24))}</text></g>')
    body.append(_axis(t, t0, t1, x_of, bottom, width - right, left))
    return _svg(width, height, t("timeline"), body)


def _axis(t: Catalog, t0: float, t1: float, x_of, y: float, x_end: float, left: float) -> str:
    parts = [f'<line x1="{_f(left)}" y1="{_f(y)}" x2="{_f(x_end)}" y2="{_f(y)}" stroke="#444"/>']
    span = max(t1 - t0, 1.0)
    tick = next((s for s in (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400)
                 if span / s <= 7), 86400 * math.ceil(span / 86400 / 7))
    first = math.ceil(t0 / tick) * tick
    ts = first
    while ts <= t1 + 1e-6:
        x = x_of(ts)
        parts.append(f'<line x1="{_f(x)}" y1="{_f(y)}" x2="{_f(x)}" y2="{_f(y + 5)}" stroke="#444"/>'
                     f'<text x="{_f(x)}" y="{_f(y + 18)}" text-anchor="middle" fill="#444" font-size="11">'
                     f'{esc(t.clock(ts))}</text>')
        ts += tick
    parts.append(f'<text x="{_f(left)}" y="{_f(y + 34)}" fill="#444" font-size="11">'
                 f'{esc(t.time(t0))} – {esc(t.time(t1))} ({esc(t.tz_name)})</text>')
    return "<g>" + "".join(parts) + "</g>"
