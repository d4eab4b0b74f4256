"""The Markdown report (CommonMark with GitHub tables), rendered with Jinja2.

Markdown has no autoescape, so this module gives it one: every value a template prints is escaped by
``md_escape`` (``finalize``) unless a filter already made it safe: ``code`` for identifiers, hosts and URLs (a code
span, so nothing in it is markup and no URL becomes a link). Table cells stay one line and ``|`` cannot split them.
"""

from __future__ import annotations

import functools
import re

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from tredjepart.report.html import TEMPLATES, cookie_flags, sayings
from tredjepart.report.i18n import Catalog
from tredjepart.report.model import Report

_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~&!])")
_BACKTICKS = re.compile(r"`+")


_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")


def _oneline(text: object) -> str:
    """One line, no control characters (a terminal showing the Markdown must not get escape sequences)."""
    return _CONTROL.sub("\ufffd", re.sub(r"\s+", " ", str(text)))


def md_escape(value: object) -> object:
    """Plain text made inert in Markdown (and kept on one line); safe values (Markup) pass unchanged."""
    if isinstance(value, Markup) or value is None:
        return value if value is not None else ""
    return _SPECIAL.sub(r"\\\1", _oneline(value))


def code(value: object) -> Markup:
    """A code span holding ``value`` literally; ``|`` escaped so it can sit in a table cell."""
    text = _oneline(value).replace("|", "\\|")
    if not text:
        return Markup("")
    fence = "`" * (max((len(m) for m in _BACKTICKS.findall(text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return Markup(f"{fence}{pad}{text}{pad}{fence}")


def codes(values, sep: str = ", ") -> Markup:
    """Several code spans."""
    return Markup(sep.join(str(code(v)) for v in values))


@functools.cache
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=False, undefined=StrictUndefined,
                      finalize=md_escape, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["code"] = code
    env.filters["codes"] = codes
    env.filters["short"] = lambda h, n=16: (h or "")[:n]
    return env


def render_markdown(report: Report, lang: str = "da") -> str:
    """The report as Markdown text."""
    t = Catalog(lang)
    text = environment().get_template("report.md.j2").render(
        report=report, summary=report.summary, t=t, lang=lang, flags=cookie_flags, verdict=t.verdict(report.summary),
        **sayings(t))
    return re.sub(r"\n{3,}", "\n\n", text)
