"""The owners of hosts: entities, app SDK endpoints, and owner-name comparison.

Plain frozen dataclasses and pure functions; no I/O here.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# What an owner does, coarsely, as far as a third-party audit cares: the categories reports, the CNAME check and
# the recorder have always used. An owner's categories follow from the purposes of its services (PURPOSES).
CATEGORIES = (
    "analytics",
    "advertising",
    "social",
    "consent",
    "login",
    "video",
    "maps",
    "fonts-cdn",
    "crash-reporting",
    "push",
    "customer-support",
    "security",
    "hosting",
    "other",
)

# What one service or host is for, and the coarse category it falls in. docs/entities.md describes each.
PURPOSES: dict[str, str] = {
    "advertising": "advertising",
    "content-recommendation": "advertising",
    "marketing": "advertising",
    "analytics": "analytics",
    "tag-manager": "analytics",
    "ab-testing": "analytics",
    "session-recording": "analytics",
    "consent": "consent",
    "social": "social",
    "comments": "social",
    "login": "login",
    "video": "video",
    "maps": "maps",
    "fonts": "fonts-cdn",
    "cdn": "hosting",
    "hosting": "hosting",
    "chat": "customer-support",
    "customer-support": "customer-support",
    "surveys": "customer-support",
    "crash-reporting": "crash-reporting",
    "monitoring": "crash-reporting",
    "push": "push",
    "security": "security",
    "payments": "other",
    "accessibility": "other",
    "search": "other",
    "reviews": "other",
    "content": "other",
    "other": "other",
}

# The EU member states and the other EEA states (Iceland, Liechtenstein, Norway), ISO 3166-1 alpha-2.
EU = frozenset(
    "AT BE BG HR CY CZ DK EE FI FR DE GR IE IT LV LT LU MT NL PL PT RO SK SI ES SE HU".split()
)
EEA = EU | {"IS", "LI", "NO"}

BUILTIN = "builtin"


@dataclass(frozen=True, slots=True)
class Entity:
    """An owner of hosts.

    ``origin`` is ``"builtin"`` for the data shipped with tredjepart, else the path of the user's list it came
    from. ``aliases`` are other names the same owner goes by (former names, brands), used when comparing names.
    """

    name: str
    parent: str | None = None
    country: str | None = None  # ISO 3166-1 alpha-2 of the owner's seat, when known
    categories: tuple[str, ...] = ()
    source: str | None = None  # a public URL where the ownership can be checked
    origin: str = BUILTIN
    aliases: tuple[str, ...] = ()
    purposes: tuple[str, ...] = ()  # what its services are for (PURPOSES), most hosts first

    @property
    def key(self) -> str:
        """The normalised name (normalize_owner)."""
        return normalize_owner(self.name)

    def names(self) -> frozenset[str]:
        """Every normalised name this owner goes by: its name and its aliases (not its parent's)."""
        return frozenset(n for n in map(normalize_owner, (self.name, *self.aliases)) if n)


@dataclass(frozen=True, slots=True)
class Service:
    """What one host (pattern) is for, and whose it is: ``Service(google, "fonts", "Google Fonts")``.

    ``purpose`` is one of PURPOSES, None when the source does not say (a tracker list); ``name`` the service's
    own name when it has one; ``source`` a public URL documenting the service's hosts, when not the owner's.
    """

    entity: Entity
    purpose: str | None = None
    name: str | None = None
    source: str | None = None

    @property
    def label(self) -> str:
        """The service's name, else its owner's."""
        return self.name or self.entity.name


def categories_of(purposes: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """The coarse categories that ``purposes`` fall in, each once, in the order of CATEGORIES."""
    found = {PURPOSES[p] for p in purposes if p in PURPOSES}
    return tuple(c for c in CATEGORIES if c in found)


@dataclass(frozen=True, slots=True)
class Sdk:
    """An app or web SDK recognised by its network endpoints.

    ``hosts`` are host patterns (a domain matches itself and its subdomains; globs match the whole host);
    ``paths`` are optional path prefixes, of which one must match when any are given.
    """

    name: str
    entity: Entity
    hosts: tuple[str, ...]
    paths: tuple[str, ...] = ()


def is_eu_eea(country: str | None) -> bool:
    """Whether ``country`` (ISO 3166-1 alpha-2) is in the EU or the EEA. Unknown (None) is not."""
    if not country:
        return False
    code = country.strip().upper()
    if code == "UK":  # a common misspelling of GB, which is outside the EU since 2020
        return False
    if code == "EL":  # the EU's own code for Greece
        code = "GR"
    return code in EEA


# Legal forms dropped from the end of a name, after punctuation is gone (so "B.V." is "bv", "A/S" is "as"),
# former ones included (Belgium's "bvba" and "sprl" became "bv" and "srl" in 2019).
_LEGAL_FORMS = frozenset(
    """inc incorporated llc lp llp ltd limited gmbh mbh ab publ as asa aps ivs sa sas sasu sarl bv nv
    corporation corp company co plc ag se oy oyj srl spa sl sro pte pty kk ug kg kgaa sp z oo and
    bvba sprl cvba ltda kft zrt doo ou eood""".split()
)
_PUNCT_DROP = re.compile(r"[.,'’!/]")
_PUNCT_SPACE = re.compile(r"[^\w\s]")


def normalize_owner(name: str | None) -> str:
    """A name reduced for comparison: no case, accents, punctuation, legal form or leading "the".

    ``normalize_owner("Google LLC") == normalize_owner("Google") == "google"``;
    ``normalize_owner("Salesforce.com, Inc.") == "salesforce"``. A name with no Latin letter keeps its own
    letters, so two names in Japanese or Cyrillic are never equal merely because both reduce to nothing.
    """
    if not name:
        return ""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").casefold()
    if not any(c.isalnum() for c in text):  # a name in another script (株式会社プレイド, ООО "Яндекс"): keep its letters
        text = "".join(c for c in unicodedata.normalize("NFKC", name) if not unicodedata.combining(c)).casefold()
    text = text.replace("&", " and ")
    text = re.sub(r"\.com\b", " ", text)
    text = _PUNCT_DROP.sub("", text)
    text = _PUNCT_SPACE.sub(" ", text)
    tokens = text.split()
    while len(tokens) > 1 and tokens[-1] in _LEGAL_FORMS:
        tokens.pop()
    if len(tokens) > 1 and tokens[0] == "the":
        tokens.pop(0)
    return "".join(tokens)


def same_owner(a: str | None, b: str | None) -> bool:
    """Whether two owner names are the same once normalised (``"Google LLC"`` and ``"Google"`` are)."""
    na, nb = normalize_owner(a), normalize_owner(b)
    return bool(na) and na == nb
