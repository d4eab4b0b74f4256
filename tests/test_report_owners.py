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
    assert "| `fonts.googleapis.com` | Google LLC | Google Fonts | US |" in md
    block = md.split("#### fonts.googleapis.com: ")[1].split("\n#### ")[0]
    assert "- **Ejer:** Google LLC (US); moderselskab: Alphabet Inc." in block
    assert "- **Tjeneste og formål:** `fonts.googleapis.com`: Google Fonts" in block
    assert GOOGLE_LIST not in md and "kategorier" not in md.lower()
    youtube = md.split("#### youtube.com: ")[1].split("\n#### ")[0]
    assert "moderselskab: Google LLC" in youtube and "Tjeneste og formål" not in youtube  # nothing known: nothing said
    assert re.search(r"^\| `youtube\.com` \| YouTube, LLC \| – \| US \|", md, re.M)


def test_html_and_json(android):
    html = _report(android, "-f", "html", "--lang", "en")
    assert "<dt>Categories</dt>" not in html and GOOGLE_LIST not in html
    assert '<dt>Service and purpose</dt><dd><span class="mono">fonts.googleapis.com</span>: Google Fonts</dd>' in html
    assert "Google LLC (US); parent company: Alphabet Inc." in html
    data = json.loads(_report(android, "-f", "json"))
    parties = {p["site"]: p for p in data["sessions"][0]["third_parties"]}
    fonts = parties["fonts.googleapis.com"]
    assert fonts["parent"] == "Alphabet Inc." and fonts["country"] == "US"
    assert fonts["services"] == [{"host": "fonts.googleapis.com", "service": "Google Fonts", "purpose": None}]
    assert "advertising" in fonts["categories"]  # the owner's list stays in the JSON, documented as the owner's
    assert parties["youtube.com"]["services"] == []


def test_purpose_of():
    entities = load_entities()
    google = entities.lookup("fonts.googleapis.com")
    assert purpose_of("fonts.googleapis.com", google, entities) == Purpose("fonts.googleapis.com", "Google Fonts", None)
    assert purpose_of("www.google.com", google, entities) is None  # reCAPTCHA only on its paths: not the host
    assert purpose_of("fonts.googleapis.com", google, None) is None  # many categories: none of them is the host's
    consent = Entity("Consent Co", categories=("consent",))
    assert purpose_of("cdn.consent.example", consent) == Purpose("cdn.consent.example", None, "consent")
    assert purpose_of("x.example", Entity("Misc", categories=("other",))) is None
    other = Entity("Other Owner", categories=("analytics",))
    assert purpose_of("fonts.googleapis.com", other, entities).service is None  # another owner's service: not said

    class Broken:
        def sdk_for(self, host):
            raise RuntimeError("boom")

    assert purpose_of("a.example", None, Broken()) is None
    owner = owner_of(entities, None, ["www.youtube.com"])
    assert (owner.name, owner.parent, owner.country) == ("YouTube, LLC", "Google LLC", "US")
    assert owner_of(None, "Named Ltd", ["x.example"]).name == "Named Ltd"
