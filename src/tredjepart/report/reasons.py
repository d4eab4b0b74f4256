"""Why, in the report's language: why a third party is not covered, why traffic is the device's own, why a host
could not be inspected.

The recorder writes these reasons as English text (``flows.verdict``, ``flows.background_reason``,
``blind_spots.error``); the JSON report keeps them as recorded. The Markdown and HTML reports say them again from
facts: a party's coverage from its declaration and its error findings, a background reason from the recorded
reason's known forms (observe/background.py), a blind spot from the class of its TLS error. A background reason
of a form this version does not know is shown as recorded.
"""

from __future__ import annotations

import re

from tredjepart.detect.blindspots import reason_of
from tredjepart.report.findingwords import REASONS
from tredjepart.report.i18n import Catalog
from tredjepart.report.model import ThirdParty

_WORDS: dict[str, tuple[str, str]] = {
    "undeclared": ("{site} er ikke erklæret i politikken for {solution}",
                   "{site} is not declared in the policy of {solution}"),
    "no_policy": ("{site} er ikke dækket: ingen politik gælder for denne session",
                  "{site} is not covered: no policy applies to this session"),
    "declared_but": ("erklæret som '{name}', men {why}", "declared as '{name}', but {why}"),
    "kind-not-allowed": ("art '{subject}' er ikke tilladt for den", "kind '{subject}' is not allowed for it"),
    "agreement-expired": ("dens aftale udløb {expires}", "its agreement expired on {expires}"),
    "not_covered": ("ikke alle dens forespørgsler er dækket", "not all of its requests are covered"),
}

# observe.background.background_reason's forms -> (da, en), with the recorded pattern or host kept.
BACKGROUND: list[tuple[re.Pattern[str], tuple[str, str]]] = [
    (re.compile(r"known device or browser service \((?P<value>.*)\)", re.S),
     ("kendt tjeneste i enheden eller browseren ({value})", "known device or browser service ({value})")),
    (re.compile(r"no page behind the request \(Sec-Fetch-Site: none, not a navigation\)"),
     ("ingen side bag forespørgslen (Sec-Fetch-Site: none, ikke en navigation)",
      "no page behind the request (Sec-Fetch-Site: none, not a navigation)")),
]


def background_reason(recorded: str, t: Catalog) -> str:
    """A recorded ``flows.background_reason`` in the report's language (as recorded when its form is unknown)."""
    for pattern, words in BACKGROUND:
        m = pattern.fullmatch(recorded)
        if m:
            return t.words(words).format(**m.groupdict())
    return recorded


def blind_reason(error: str | None, t: Catalog) -> str:
    """What a blind spot's recorded error means (detect.blindspots' reasons): a failed TLS handshake's class, or a
    raw stream."""
    reason = reason_of(error) or "handshake-failed"
    return t.words(REASONS.get(reason, REASONS["handshake-failed"]))


def uncovered_reasons(p: ThirdParty, solution: str | None, t: Catalog) -> list[str]:
    """Why some of ``p``'s requests are not covered: undeclared, or declared but an error-level rule fired."""
    if p.covered:
        return []
    out = []
    if not p.party_name or any(f.rule == "undeclared-third-party" for f in p.findings):
        key = "undeclared" if solution else "no_policy"
        out.append(t.words(_WORDS[key]).format(site=p.site, solution=solution))
    if p.party_name:
        for f in p.findings:
            if f.severity != "error" or f.rule == "undeclared-third-party":
                continue
            facts = {k: str(v) for k, v in f.details.items() if isinstance(v, str | int)} \
                if isinstance(f.details, dict) else {}
            words = _WORDS.get(f.rule)
            try:
                why = t.words(words).format(**facts) if words else t.rule(f.rule).lower()
            except KeyError:
                why = t.rule(f.rule).lower()
            out.append(t.words(_WORDS["declared_but"]).format(name=p.party_name, why=why))
        if len(out) == 0:
            out.append(t.words(_WORDS["declared_but"]).format(name=p.party_name, why=t.words(_WORDS["not_covered"])))
    return list(dict.fromkeys(out))
