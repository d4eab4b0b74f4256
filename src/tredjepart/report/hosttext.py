"""The evidence about a host (report/hosts.py) in the report's language.

The recorder writes each piece of evidence as one English sentence (entities/own.py, entities/certowner.py:
"its certificate names both static.x-cdn.dk and x.dk (2 sites in all)"). A Danish report says it again from the
sentence's parts, matched against the sentences those modules write; a sentence this version does not know (a
newer recorder's) is shown as recorded. The parts (hosts, sites, organisations) are values from traffic and
certificates: passed through as text, escaped by the renderer like every other value.
"""

from __future__ import annotations

import re

from tredjepart.report.hosts import OwnHost, SuggestedOwner
from tredjepart.report.i18n import Catalog

_Q = r"(?:'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")"  # an organisation as Python's repr() writes it
_H = r"\S+"  # a host or site

# (English sentence as written by entities/own.py and entities/certowner.py, its Danish form)
SENTENCES: tuple[tuple[str, str], ...] = (
    (rf"the policy declares (?P<a>{_H}) as one of the solution's own sites",
     "politikken erklærer {a} som et af løsningens egne sites"),
    (rf"the entity data names (?P<a>.+) as the owner of both (?P<b>{_H}) and (?P<c>{_H})",
     "ejerdata angiver {a} som ejer af både {b} og {c}"),
    (rf"(?P<a>{_H}) \((?P<b>.+)\) and (?P<c>{_H}) \((?P<d>.+)\) belong to one group",
     "{a} ({b}) og {c} ({d}) hører til samme koncern"),
    (rf"the certificates of (?P<a>{_H}) and of (?P<b>{_H}) are both issued to (?P<c>{_Q})",
     "certifikaterne for {a} og for {b} er begge udstedt til {c}"),
    (rf"the certificate of (?P<a>{_H}) is issued to (?P<b>{_Q}), the owner of (?P<c>{_H})",
     "certifikatet for {a} er udstedt til {b}, der ejer {c}"),
    (rf"the certificate of (?P<a>{_H}) is issued to (?P<b>{_Q}) \(organisation-validated\)",
     "certifikatet for {a} er udstedt til {b} (organisationsvalideret)"),
    (rf"its certificate names both (?P<a>{_H}) and (?P<b>{_H}) \((?P<n>\d+) sites? in all(?:, issued to "
     rf"(?P<o>{_Q}))?\)",
     "dens certifikat nævner både {a} og {b} ({n} site{s} i alt{o})"),
    (rf"(?P<w>{_H})'s certificate names both (?P<a>{_H}) and (?P<b>{_H}) \((?P<n>\d+) sites? in all(?:, "
     rf"issued to (?P<o>{_Q}))?\)",
     "certifikatet for {w} nævner både {a} og {b} ({n} site{s} i alt{o})"),
    (rf"(?P<a>{_H}) is a DNS alias \(CNAME\) of (?P<b>{_H}), under (?P<c>{_H})",
     "{a} er et DNS-alias (CNAME) for {b}, under {c}"),
    (rf"(?P<a>{_H}) is (?P<b>{_H})'s name under another suffix", "{a} er navnet fra {b} under et andet topdomæne"),
    (rf"(?P<a>{_H}) extends the name of (?P<b>{_H})", "{a} bygger videre på navnet {b}"),
    (rf"the certificate of (?P<a>{_H}) also names (?P<b>.+): (?P<k>\d+) of its (?P<n>\d+) other sites are "
     rf"(?P<e>.+)'s by the entity data",
     "certifikatet for {a} nævner også {b}: {k} af dets {n} andre sites tilhører {e} ifølge ejerdata"),
)
_COMPILED = tuple((re.compile(en, re.S), da) for en, da in SENTENCES)
MAX_SENTENCE = 2000  # longer text is not one of the recorder's sentences: shown as recorded


def evidence_words(sentence: str | None, t: Catalog) -> str:
    """A recorded evidence sentence in ``t``'s language ("?" when there is none)."""
    if not sentence:
        return "?"
    if t.lang == "en" or len(sentence) > MAX_SENTENCE:
        return sentence
    for pattern, danish in _COMPILED:
        m = pattern.fullmatch(sentence)
        if m is None:
            continue
        parts = {k: v or "" for k, v in m.groupdict().items()}
        if "n" in parts:
            parts["s"] = "" if parts["n"] == "1" else "s"
            parts["o"] = f", udstedt til {parts['o']}" if parts.get("o") else ""
        return danish.format(**parts)
    return sentence


def own_text(o: OwnHost, t: Catalog) -> str:
    """"its certificate names both ... (medium confidence)": why a host is probably the solution's own."""
    return f"{evidence_words(o.evidence, t)} ({t.confidence(o.confidence)})"


def suggestion_text(s: SuggestedOwner, t: Catalog) -> str:
    """"probably Hotjar Ltd (MT; parent company: Contentsquare SAS) (from its certificate; medium confidence, lower
    than the owners data): the certificate of ..."."""
    about = "; ".join(x for x in (s.country, f"{t('parent')}: {s.parent}" if s.parent else None) if x)
    owner = f"{s.owner} ({about})" if about else s.owner
    return t("suggested_text", owner=owner, confidence=t.confidence(s.confidence),
             evidence=evidence_words(s.evidence, t))
