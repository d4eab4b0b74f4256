"""The sentences of the findings about what reached a third party (received/findings.py), in the report's
language: ``personal-data-to-third-party`` and ``page-url-to-third-party``.

Their facts hold short English phrases made by the scanner: the form a value travelled in ("SHA-256 (hex) of
e-mail, lower case, URL-encoded twice", received/forms.py) and the place ("query em", "header referer", "body
ud.em", received/model.py). In Danish they are said again word by word from the tables below; names of
parameters, fields and hash functions stay as they are.
"""

from __future__ import annotations

import re

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


def _text(value) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _texts(value) -> list[str]:
    return [x for x in value if isinstance(x, str) and x.strip()] if isinstance(value, list) else []
