"""What a host is for: the report shows the owner (with parent and country) and per host only what the data knows
of that host, never the owner's whole category list on every host."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from shared_captures import analyze
from tredjepart.cli import main
from tredjepart.entities import Entity, load_entities
from tredjepart.report.owners import Purpose, owner_of, purpose_of

GOOGLE_LIST = "analytics, advertising, maps, fonts-cdn"


@pytest.fixture(scope="module")
def android(tmp_path_factory):
    """A real Android browser capture (Lookyloo) with Google Fonts, YouTube and gstatic."""
    return analyze(tmp_path_factory.mktemp("android") / "a.sqlite", "har-variety",
                   "Lookyloo__capture_samples__user_agent_android_0.har")


def _report(db, *args):
    r = CliRunner().invoke(main, ["report", str(db), *args])
    assert r.exit_code == 0, r.output
    return r.stdout


def test_markdown_says_what_the_host_is_for_not_the_owners_list(android):
    md = _report(android)
    assert "| `fonts.googleapis.com` | Google LLC | Google Fonts (skrifttyper) | US |" in md
    block = md.split("#### fonts.googleapis.com: ")[1].split("\n#### ")[0]
    assert "- **Ejer:** Google LLC (US); moderselskab: Alphabet Inc." in block
    assert "- **Tjeneste og formål:** `fonts.googleapis.com`: Google Fonts (skrifttyper)" in block
    assert GOOGLE_LIST not in md and "kategorier" not in md.lower()
    youtube = md.split("#### youtube.com: ")[1].split("\n#### ")[0]
    assert "- **Ejer:** YouTube, LLC (US); moderselskab: Google LLC" in youtube
    assert re.search(r"^\| `youtube\.com` \| YouTube, LLC \| video \| US \|", md, re.M)


def test_html_and_json(android):
    html = _report(android, "-f", "html", "--lang", "en")
    assert "<dt>Categories</dt>" not in html and GOOGLE_LIST not in html
    assert '<dt>Service and purpose</dt><dd><span class="mono">fonts.googleapis.com</span>: Google Fonts (fonts)</dd>' \
        in html
    assert "Google LLC (US); parent company: Alphabet Inc." in html
    data = json.loads(_report(android, "-f", "json"))
    parties = {p["site"]: p for p in data["sessions"][0]["third_parties"]}
    fonts = parties["fonts.googleapis.com"]
    assert fonts["parent"] == "Alphabet Inc." and fonts["country"] == "US"
    assert fonts["services"] == [{"host": "fonts.googleapis.com", "service": "Google Fonts", "purpose": "fonts"}]
    assert "advertising" in fonts["categories"]  # the owner's list stays in the JSON, documented as the owner's
    assert {x["purpose"] for x in parties["youtube.com"]["services"]} == {"video"}


def test_purpose_of():
    entities = load_entities()
    google = entities.lookup("fonts.googleapis.com")
    assert purpose_of("fonts.googleapis.com", google, entities) == Purpose("fonts.googleapis.com", "Google Fonts",
                                                                           "fonts")
    assert purpose_of("fonts.googleapis.com", google, None) is None  # many categories: none of them is the host's
    consent = Entity("Consent Co", categories=("consent",))
    assert purpose_of("cdn.consent.example", consent) == Purpose("cdn.consent.example", None, "consent")
    assert purpose_of("x.example", Entity("Misc", categories=("other",))) is None
    assert purpose_of("nobody-knows.example", None, entities) is None  # nothing known: nothing said
    other = Entity("Other Owner", categories=("analytics", "advertising"))
    assert purpose_of("fonts.googleapis.com", other, entities) is None  # another owner's service: not said

    class Broken:
        def service(self, host):
            raise RuntimeError("boom")

        sdk_for = service

    assert purpose_of("a.example", None, Broken()) is None
    owner = owner_of(entities, None, ["www.youtube.com"])
    assert (owner.name, owner.parent, owner.country) == ("YouTube, LLC", "Google LLC", "US")
    assert owner_of(None, "Named Ltd", ["x.example"]).name == "Named Ltd"


def test_every_purpose_has_words():
    from tredjepart.entities.model import PURPOSES
    from tredjepart.report.vocabulary import PURPOSES as WORDS

    assert set(PURPOSES) <= set(WORDS), sorted(set(PURPOSES) - set(WORDS))
