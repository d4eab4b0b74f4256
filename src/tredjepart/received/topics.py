"""Words in a page address or title that say what a citizen does or is: applying for social assistance, being on
sick leave, owing tax, having a disability. A third party that receives such an address learns it; the guidance
forbids it to use what it learns for its own purposes, and an ad network cannot be trusted not to. The finding
``page-url-to-third-party`` (warning) names the words found, never the address.

The list is written for Danish public self-service: Danish words in their URL spellings (``æ`` as ``ae`` or ``a``,
``ø`` as ``oe`` or ``o``, ``å`` as ``aa`` or ``a``) and the English words of the same services. A word matches
at the start of a word of the address (``sygedagpenge`` in ``/sygedagpenge-ansoegning``; ``skat`` in
``/skattekort``), never inside one (``arv`` is not in ``farver``); the words marked ``exact`` only match whole.
Each entry: the word as shown in findings, then the spellings looked for.
"""

from __future__ import annotations

import re
from urllib.parse import unquote_plus, urlsplit

# (shown, stems that match at the start of a word, whole words only)
TOPICS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("ansøgning", ("ansoeg", "ansog", "ansøg"), ("apply", "application", "applications")),
    ("kontanthjælp", ("kontanthjaelp", "kontanthjalp", "kontanthjælp", "uddannelseshjaelp", "uddannelseshjælp",
                      "integrationsydelse", "selvforsoergelse", "selvforsørgelse"), ("welfare",)),
    ("sygedagpenge", ("sygedagpenge", "sygemeld", "sygefravaer", "sygefravær", "sickleave", "sick-leave"),
     ("sickness",)),
    ("dagpenge/ledighed", ("dagpenge", "ledighed", "ledig", "arbejdsloes", "arbejdsløs", "jobcenter",
                           "unemploy"), ()),
    ("fleksjob/revalidering", ("fleksjob", "revalider", "ressourceforloeb", "ressourceforløb", "jobafklaring"), ()),
    ("pension", ("pension", "foertidspension", "førtidspension", "folkepension", "efterloen", "efterløn",
                 "seniorpension"), ()),
    ("skat", ("skat", "selvangiv", "forskudsopgoer", "forskudsopgør", "aarsopgoer", "årsopgør", "restskat",
              "tax"), ("tax", "taxes")),
    ("gæld", ("gaeld", "gæld", "gald", "inddriv", "restance", "udpantning", "loenindeholdelse",
              "lønindeholdelse", "debt"), ()),
    ("sundhed", ("sundhed", "sygdom", "patient", "diagnos", "medicin", "psykiatri", "psykisk",
                 "psykolog", "genoptraen", "genoptræn", "health", "medical", "illness", "mental"), ()),
    ("handicap", ("handicap", "hjaelpemidl", "hjælpemidl", "hjaelpemiddel", "hjælpemiddel", "merudgift",
                  "disabilit"), ()),
    ("bolig", ("boligstoette", "boligstøtte", "boligydelse", "boligsikring", "huslej", "beboerindskud",
               "hjemloes", "hjemløs", "housing", "homeless"), ()),
    ("barsel/familie", ("barsel", "graviditet", "gravid", "foedsel", "fødsel", "boerneydelse", "børneydelse",
                        "boernetilskud", "børnetilskud", "faderskab", "maternity", "paternity", "pregnan"), ()),
    ("skilsmisse/forældremyndighed", ("skilsmisse", "separation", "foraeldremyndighed", "forældremyndighed",
                                      "samvaer", "samvær", "familieret", "boernebidrag", "børnebidrag", "divorce",
                                      "custody"), ()),
    ("anbringelse/udsathed", ("anbring", "underretning", "udsat", "misbrug", "alkohol", "stofmisbrug", "addict",
                              "krisecenter", "vold"), ()),
    ("død/arv", ("doedsfald", "dødsfald", "doedsbo", "dødsbo", "arv", "begravelse", "bisaettelse",
                 "bisættelse", "bereave"), ("death", "inheritance")),
    ("opholdstilladelse/statsborgerskab", ("opholdstilladelse", "statsborgerskab", "indfoedsret", "indfødsret",
                                           "asyl", "flygtning", "familiesammenfoering", "familiesammenføring",
                                           "udvis", "asylum", "refugee", "citizenship", "residence-permit"), ()),
    ("straffeattest/straf", ("straffeattest", "boede", "bøde", "faengsel", "fængsel", "straf", "dom",
                             "kriminal", "criminal"), ()),
    ("ældre/pleje", ("hjemmehjaelp", "hjemmehjælp", "plejebolig", "plejehjem", "aeldrebolig", "ældrebolig",
                     "visitation", "nursing"), ()),
    ("studie/SU", ("studiestoette", "studiestøtte", "sulaan", "sulån", "su-laan", "su-lån"), ("su",)),
    ("ydelse/udbetaling", ("ydelse", "udbetaling", "tilskud", "benefit"), ("benefits",)),
)
_LETTER = "a-z0-9æøåäöü"
_EXACT_ONLY_SHORT = frozenset({"dom", "arv", "tax", "vold", "straf", "udsat", "ledig", "gravid", "su"})
_SHOWN: dict[str, str] = {}
for _shown, _stems, _words in TOPICS:
    for _w in (*_stems, *_words):
        _SHOWN.setdefault(_w, _shown)
_PREFIXES = sorted((w for _, stems, _ in TOPICS for w in stems if w not in _EXACT_ONLY_SHORT), key=len, reverse=True)
_WHOLE = sorted({w for _, stems, words in TOPICS for w in (*words, *(s for s in stems if s in _EXACT_ONLY_SHORT))},
                key=len, reverse=True)
# One pass: a stem at the start of a word, or a short word standing alone.
_RX = re.compile(
    rf"(?<![{_LETTER}])(?:(?P<whole>{'|'.join(map(re.escape, _WHOLE))})(?![{_LETTER}])"
    rf"|(?P<prefix>{'|'.join(map(re.escape, _PREFIXES))}))")


def page_text(url_or_title: str) -> str:
    """The words of a page address (path and query, decoded) or a title, lower-cased."""
    text = url_or_title or ""
    if "://" in text[:12]:
        try:
            parts = urlsplit(text)
            text = f"{parts.path} {parts.query} {parts.fragment}"
        except ValueError:
            pass
    return unquote_plus(unquote_plus(text)).lower()


def page_topics(url_or_title: str) -> tuple[str, ...]:
    """The topics (the shown words of TOPICS) that a page address or title names, in TOPICS order."""
    text = page_text(url_or_title)[:8192]
    if not text:
        return ()
    found = {_SHOWN[m.group("whole") or m.group("prefix")] for m in _RX.finditer(text)}
    return tuple(shown for shown, _, _ in TOPICS if shown in found)
