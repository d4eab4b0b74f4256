"""The catalogue: both languages complete, every rule and kind translated, times and lifetimes in words."""

from __future__ import annotations

import pytest

from tredjepart.records import BEHAVIOURS
from tredjepart.report import i18n
from tredjepart.report.i18n import Catalog
from tredjepart.report.model import Summary


def test_every_entry_has_both_languages():
    for table in (i18n._T, i18n.BASES, i18n.STATES, i18n.SEVERITIES, i18n.KINDS, i18n.RULES, i18n.CATEGORIES,
                  i18n.PARTIES):
        for key, words in table.items():
            assert len(words) == 2 and all(words), key
    for key, forms in i18n.PLURALS.items():
        assert all(len(f) == 2 and all(f) for f in forms), key


def test_every_rule_and_kind_is_translated():
    from tredjepart.detect.model import KINDS
    from tredjepart.rules import RULES

    rules = set(RULES)
    kinds = set(BEHAVIOURS) | set(KINDS)
    assert rules <= set(i18n.RULES), sorted(rules - set(i18n.RULES))
    assert kinds <= set(i18n.KINDS), sorted(kinds - set(i18n.KINDS))


def test_danish_words():
    t = Catalog("da")
    assert t.basis("technically_necessary") == "teknisk nødvendig"
    assert t.basis("written_agreement") == "skriftlig aftale"
    assert t.basis("opt_out") == "fravalg i indstillinger"
    assert t.basis(None) == "intet erklæret grundlag"
    assert t.state("uncovered") == "Ikke dækket af politikken"
    assert t.rule("no-such-rule") == "no-such-rule"  # unknown ids pass through


@pytest.mark.parametrize("seconds, da, en", [
    (None, "sessionscookie", "session cookie"), (0, "slettes", "deleted"), (59, "59 sekunder", "59 seconds"),
    (60, "1 minut", "1 minute"), (7200, "2 timer", "2 hours"), (86400, "1 dag", "1 day"),
    (180 * 86400, "6 måneder", "6 months"), (365 * 86400, "1 år", "1 year"), (400 * 86400, "400 dage", "400 days"),
    (2 * 365 * 86400, "2 år", "2 years"),
])
def test_lifetimes(seconds, da, en):
    assert Catalog("da").lifetime(seconds) == da
    assert Catalog("en").lifetime(seconds) == en


def test_durations_times_and_verdicts():
    t = Catalog("da")
    assert t.duration(3725) == "1 time 2 minutter"
    assert Catalog("en").duration(40) == "40 seconds"
    assert t.time(None) == "–"
    assert t.time(1762160400.0) == ("2025-11-03 10:00:00" if t.tz_name != "UTC" else "2025-11-03 09:00:00")
    s = Summary(1, 3, 1, 1, 1, 0, 0, 2)
    assert t.verdict(s) == "Ikke i orden: 1 tredjepart er ikke dækket af politikken. 2 værter kunne ikke inspiceres."
    assert Catalog("en").verdict(Summary(1, 0, 0, 0, 0, 0, 0, 0)) == "No findings: no third parties"
    assert Catalog("en").verdict(Summary(1, 2, 0, 0, 0, 1, 0, 0)) == "No errors, but 1 warning to check"
    assert t.verdict(Summary(1, 1, 0, 0, 0, 0, 0, 0)) == "Ingen fund: den ene tredjepart er dækket af politikken"
    assert t.verdict(Summary(1, 4, 0, 0, 0, 0, 0, 0)) == "Ingen fund: alle 4 tredjeparter er dækket af politikken"
    with pytest.raises(ValueError, match="unknown language"):
        Catalog("sv")
