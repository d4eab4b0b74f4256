"""The HTML report: one self-contained file, rendered with Jinja2 with autoescape on.

No JavaScript, no external fetches: styles are inline, pictures are inline SVG (``svg.py``, escaped there), and a
Content-Security-Policy meta tag forbids everything else, so a hostile value from traffic that slipped through
could still not run or load anything. URLs from traffic are shown as text, never as links.
"""

from __future__ import annotations

import functools
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from tredjepart.report import svg
from tredjepart.report.findingtext import finding_text
from tredjepart.report.hosttext import own_text, suggestion_text
from tredjepart.report.i18n import Catalog
from tredjepart.report.model import Cookie, Report
from tredjepart.report.reasons import background_reason, blind_reason, uncovered_reasons
from tredjepart.report.receivedtext import compact, data_type_row, labels

TEMPLATES = Path(__file__).resolve().parent / "templates"
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"


@functools.cache
def environment() -> Environment:
    """The HTML environment: autoescape on for every template, undefined names are errors."""
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["short"] = lambda h, n=16: (h or "")[:n]
    env.filters["thousands"] = lambda n: f"{n:,}".replace(",", "\u202f") if isinstance(n, int) else n
    return env


def cookie_flags(c: Cookie) -> str:
    """Secure, HttpOnly, SameSite and Partitioned, as a short list (plain text; escaped by the template)."""
    flags = [name for name, on in (("Secure", c.secure), ("HttpOnly", c.httponly), ("Partitioned", c.partitioned))
             if on]
    if c.samesite:
        flags.append(f"SameSite={c.samesite}")
    return ", ".join(flags) or "–"


def sayings(t: Catalog) -> dict:
    """The functions that say findings, reasons, what a third party received and the evidence about its hosts in
    ``t``'s language, for the templates (plain text)."""
    return {
        "said": lambda entry: data_type_row(entry, t),
        "compact": lambda entries: compact(entries, t),
        "labels": lambda entries: labels(entries, t),
        "own": lambda o: own_text(o, t),
        "suggested": lambda s: suggestion_text(s, t),
        "say": lambda f, solution=None: finding_text(f, t, solution),
        "why_uncovered": lambda p, solution=None: uncovered_reasons(p, solution, t),
        "why_background": lambda text: background_reason(text, t),
        "why_blind": lambda error: blind_reason(error, t),
    }


def render_html(report: Report, lang: str = "da") -> str:
    """The report as one HTML document."""
    t = Catalog(lang)
    pictures = {s.id: (Markup(svg.graph(s, t)), Markup(svg.timeline(s, t))) for s in report.sessions}
    return environment().get_template("report.html.j2").render(
        report=report, summary=report.summary, t=t, lang=lang, csp=Markup(CSP), pictures=pictures,
        flags=cookie_flags, verdict=t.verdict(report.summary), **sayings(t))
