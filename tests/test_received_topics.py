"""Page words that say what a citizen does or is (page-url-to-third-party), and the vocabulary's labels."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import ROOT
from tredjepart.received.decoders import builtin_decoders
from tredjepart.received.topics import TOPICS, page_topics
from tredjepart.received.vocabulary import TYPES, label


@pytest.mark.parametrize("page,topics", [
    ("https://portal.dk/ansoeg/kontanthjaelp?trin=2", ("ansøgning", "kontanthjælp")),
    ("https://portal.dk/ans%C3%B8g/sygedagpenge", ("ansøgning", "sygedagpenge")),
    ("https://www.skat.dk/borger/skattekort", ("skat",)),
    ("https://gaeldst.dk/min-gaeld", ("gæld",)),
    ("https://x.dk/foertidspension/", ("pension",)),
    ("Ansøg om boligstøtte", ("ansøgning", "bolig")),
    ("https://x.dk/en/apply/disability-benefits", ("ansøgning", "handicap", "ydelse/udbetaling")),
    ("https://x.dk/tax/", ("skat",)),
])
def test_topics_found(page, topics):
    assert page_topics(page) == topics


@pytest.mark.parametrize("page", [
    "https://x.dk/farver/blaa",  # "arv" inside a word
    "https://x.dk/taxi",  # "tax" only as a whole word
    "https://portal.dk/sag/123/status",
    "https://portal.dk/",
    "https://x.dk/dommer",  # "dom" only as a whole word
    "https://x.dk/ledige-stillinger",  # "ledig" only as a whole word
])
def test_no_topics(page):
    assert page_topics(page) == ()


def test_topics_are_our_words_not_the_address():
    shown = {t for t, _, _ in TOPICS}
    assert set(page_topics("https://x.dk/ansoeg/kontanthjaelp/0101901234")) <= shown


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_hostile_addresses_never_raise(text):
    assert set(page_topics(text)) <= {t for t, _, _ in TOPICS}


def test_every_type_has_an_english_and_a_danish_label():
    for t, (en, da) in TYPES.items():
        assert en and da and label(t) == en and label(t, "da") == da
    assert label("noSuchType") == "noSuchType"


def test_the_documented_decoder_counts_are_current():
    text = (ROOT / "docs" / "received.md").read_text(encoding="utf-8")
    decoders = builtin_decoders()
    m = re.search(r"\((\d+) endpoint decoders, (\d+) field rules\)", text)
    assert m and (int(m.group(1)), int(m.group(2))) == (len(decoders), sum(len(d.fields) for d in decoders))
