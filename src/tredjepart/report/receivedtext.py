"""The sentences of the findings about what reached a third party (received/findings.py), in the report's
language: ``personal-data-to-third-party`` and ``page-url-to-third-party``.

Their facts hold short English phrases made by the scanner: the form a value travelled in ("SHA-256 (hex) of
e-mail, lower case, URL-encoded twice", received/forms.py) and the place ("query em", "header referer", "body
ud.em", received/model.py). In Danish they are said again word by word from the tables below; names of
parameters, fields and hash functions stay as they are.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from tredjepart.report.i18n import Catalog

TEXTS: dict[str, tuple[str, str]] = {
    "declared": ("{host} modtog det erklærede felt '{field}' ({label}): {form}, i {where}{more}.",
                 "{host} received the declared field '{field}' ({label}): {form}, in {where}{more}."),
    "pattern": ("{host} modtog {label} (genkendt på sit mønster): {form}, i {where}{more}.",
                "{host} received {label} (recognised by its pattern): {form}, in {where}{more}."),
    "decoder": ("{host} modtog et felt, der er dokumenteret til at bære {label}: {form}, i {where}{more}.",
                "{host} received a field documented to carry {label}: {form}, in {where}{more}."),
    "more": (" og {n} andre steder", " and {n} more place(s)"),
    "as_sent": ("som sendt", "as sent"),
    "page_url": ("{host} modtog adressen eller titlen på en side om {topics} (i {where}).",
                 "{host} received the address or title of a page about {topics} (in {where})."),
}

# received/forms.py's words, longest first; matched as whole words, never inside a dotted or snake_case name.
FORM_WORDS: tuple[tuple[str, str], ...] = (
    ("a URL of the requesting page's site", "en URL fra den forespørgende sides site"),
    ("of the URL-encoded value", "af den URL-kodede værdi"), ("CPR number with dash", "CPR-nummer med bindestreg"),
    ("CPR number without dash", "CPR-nummer uden bindestreg"),
    ("lower case without spaces", "små bogstaver uden mellemrum"), ("Gmail dots removed", "Gmail-punktummer fjernet"),
    ("digits with country code", "cifre med landekode"), ("00 and country code", "00 og landekode"),
    ("national 8 digits", "8 cifre uden landekode"), ("national with spaces", "uden landekode, med mellemrum"),
    ("+45 with spaces", "+45 med mellemrum"), ("street and number", "gade og nummer"),
    ("URL-encoded (form style)", "URL-kodet (formularstil)"), ("URL-encoded", "URL-kodet"),
    ("as typed", "som indtastet"), ("lower case", "små bogstaver"), ("upper case", "store bogstaver"),
    ("first name", "fornavn"), ("last name", "efternavn"), ("birth date", "fødselsdato"), ("twice", "to gange"),
    ("name", "navn"), ("phone", "telefon"), ("address", "adresse"), ("postcode", "postnummer"), ("of", "af"),
)
_FORM = re.compile("|".join(rf"(?<![\w.]){re.escape(en)}(?![\w.])" for en, _ in FORM_WORDS))
_DA = dict(FORM_WORDS)

# received/model.py Place.location -> how the place is said.
PLACES: dict[str, tuple[str, str]] = {
    "query": ("forespørgselsparameteren", "query parameter"), "body": ("kroppens felt", "body field"),
    "header": ("headeren", "header"), "cookie": ("cookien", "cookie"), "path": ("stien", "path"),
    "path-param": ("sti-parameteren", "path parameter"), "redirect": ("omdirigeringen", "redirect"),
    "websocket": ("websocket-beskeden", "WebSocket message"),
}


def form_words(form: str, t: Catalog) -> str:
    """A form phrase of the scanner in ``t``'s language (English as recorded)."""
    return form if t.lang == "en" else _FORM.sub(lambda m: _DA[m.group(0)], form)


def place_words(where: str, t: Catalog) -> str:
    """"query em" -> "forespørgselsparameteren em"; an unknown place is shown as recorded."""
    location, _, name = where.partition(" ")
    words = PLACES.get(location)
    return f"{t.words(words)} {name}".rstrip() if words else where


def personal_data(host: str, details: dict, t: Catalog) -> str:
    """``personal-data-to-third-party`` (received/findings.py _personal)."""
    source = details.get("source") if details.get("source") in ("declared", "pattern", "decoder") else "decoder"
    label = _text(details.get("label_da" if t.lang == "da" else "label")) or _text(details.get("data_type")) or "?"
    forms, wheres = _texts(details.get("forms")), _texts(details.get("wheres"))
    more = t.words(TEXTS["more"]).format(n=len(wheres) - 1) if len(wheres) > 1 else ""
    return t.words(TEXTS[source]).format(
        host=host, field=_text(details.get("field")) or "?", label=label,
        form=form_words(forms[0], t) if forms else t.words(TEXTS["as_sent"]),
        where=place_words(wheres[0], t) if wheres else "?", more=more)


def page_url(host: str, details: dict, t: Catalog) -> str:
    """``page-url-to-third-party`` (received/findings.py _pages): the topics are Danish words in both languages."""
    wheres = _texts(details.get("wheres"))
    return t.words(TEXTS["page_url"]).format(host=host, topics=", ".join(_texts(details.get("topics"))) or "?",
                                             where=", ".join(place_words(w, t) for w in wheres[:3]) or "?")


class DataTypeRow(NamedTuple):
    """One entry of a third party's ``data_types`` (received.summary) said for a table row: plain text."""

    label: str  # "CPR-nummer"
    found: str  # "erklæret felt cpr", "genkendt på sit mønster", "felt dokumenteret til det (Meta pixel ...)"
    forms: str  # "CPR-nummer med bindestreg; SHA-256 (hex) af ..."; "" for decoder fields
    where: str  # "forespørgselsparameteren dl; headeren referer"
    confidence: str  # "høj"
    flows: int
    topics: str  # "ansøgning, kontanthjælp" (page addresses)


MAX_SHOWN = 4  # places or forms named in one cell before "+N"


def data_type_row(entry: dict, t: Catalog) -> DataTypeRow:
    """``entry`` (one data_types item) in ``t``'s language. Never a value: only kinds, names and places."""
    label = _text(entry.get("label_da" if t.lang == "da" else "label")) or _text(entry.get("type")) or "?"
    source = entry.get("source")
    found = t(f"src_{source}") if source in ("declared", "pattern", "decoder") else str(source or "?")
    if source == "declared" and _text(entry.get("field")):
        found = f"{found} {entry['field']}"
    elif source == "decoder" and _text(entry.get("decoder")):
        found = f"{found} ({entry['decoder']})"
    flows = entry.get("flow_count")
    return DataTypeRow(label, found, _some([form_words(f, t) for f in _texts(entry.get("forms"))], t),
                       _some([place_words(w, t) for w in _texts(entry.get("where"))], t),
                       t.confidence(_text(entry.get("confidence")), short=True),
                       flows if type(flows) is int else len(_texts(entry.get("flows"))),
                       ", ".join(_texts(entry.get("topics"))))


def compact(entries: list[dict], t: Catalog) -> str:
    """The other data a third party received, on one line: "Skærmbredde (forespørgselsparameteren sr); ..."."""
    said = []
    for e in entries:
        row = data_type_row(e, t)
        said.append(f"{row.label} ({row.where})" if row.where else row.label)
    return "; ".join(dict.fromkeys(said))


def labels(entries: list[dict], t: Catalog, limit: int = 6) -> str:
    """The kinds of data a third party received, each named once, in order: "CPR-nummer, E-mailadresse, ..."."""
    said = list(dict.fromkeys(data_type_row(e, t).label for e in entries))
    more = f" ({t('more_names', n=len(said) - limit)})" if len(said) > limit else ""
    return ", ".join(said[:limit]) + more


def _some(items: list[str], t: Catalog) -> str:
    items = list(dict.fromkeys(items))
    more = f" ({t('more_names', n=len(items) - MAX_SHOWN)})" if len(items) > MAX_SHOWN else ""
    return "; ".join(items[:MAX_SHOWN]) + more


def _text(value) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _texts(value) -> list[str]:
    return [x for x in value if isinstance(x, str) and x.strip()] if isinstance(value, list) else []
