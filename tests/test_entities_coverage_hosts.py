"""Agreement with DuckDuckGo's app tracker list and webXray's domain owners, host by host
(``entities.coverage_hosts``): the readers on small files of both shapes, hostile ones included, and the figures
on the shared data's copies (compared with, never shipped)."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import SHARED_DATA, need_shared
from tredjepart.entities import Entities, builtin_entities
from tredjepart.entities.builtin import parse_own_format
from tredjepart.entities.coverage_hosts import (
    app_tds_agreement,
    format_host_agreement,
    measure_host_lists,
    webxray_agreement,
)

# Floors just under the figures measured on ../shared/data (docs/entities.md): the data may only get better.
APP_FLOOR = 0.95
WEBXRAY_FLOOR = 0.76


@pytest.fixture(scope="module")
def ours():
    return Entities([parse_own_format({"entities": [
        {"name": "Example Ads Inc.", "aliases": ["ExampleAds"], "parent": "Example Holdings plc",
         "domains": ["ads.example"]},
        {"name": "Other Analytics GmbH", "domains": ["stats.example"]},
    ]}, "test")])


def write(tmp_path, data, name="list.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_app_list_agreement(tmp_path, ours):
    path = write(tmp_path, {"trackers": {
        "cdn.ads.example": {"owner": {"name": "Example Ads", "displayName": "ExampleAds"}},   # alias agrees
        "stats.example": {"owner": {"name": "Somebody Else Ltd"}},                          # disagrees
        "unknown.example": {"owner": {"name": "Unknown Co"}},                               # no owner here
        "broken.example": "block",                                                         # wrong shape
    }})
    found = app_tds_agreement(path, ours)
    assert (found.hosts, found.agreed, found.unknown, found.skipped) == (3, 1, ["unknown.example"], 1)
    assert found.disagreements == [("stats.example", "Other Analytics GmbH", "Somebody Else Ltd")]
    text = format_host_agreement(found, show=5)
    assert "1/3 (33.3%) with the same owner, 1 with no owner in the data, 1 with another" in text
    assert "stats.example: ours 'Other Analytics GmbH', theirs 'Somebody Else Ltd'" in text


def test_webxray_agreement_follows_parents_and_survives_a_cycle(tmp_path, ours):
    path = write(tmp_path, [
        {"id": 1, "parent_id": None, "owner_name": "Example Holdings", "domains": []},
        {"id": 2, "parent_id": 1, "owner_name": "Adsy", "aliases": ["Adsy Media"], "domains": ["ads.example"]},
        {"id": 3, "parent_id": 4, "owner_name": "Loop A", "domains": ["stats.example", 7]},
        {"id": 4, "parent_id": 3, "owner_name": "Loop B", "domains": "not a list"},
        "not a record",
    ])
    found = webxray_agreement(path, ours)
    assert found.agreed == 1  # ads.example: the list's owner's parent is ours's parent
    assert [d[0] for d in found.disagreements] == ["stats.example"]
    assert found.skipped == 3  # the string record, the number domain, the domains that are no list


def test_an_unreadable_list_is_a_value_error(tmp_path, ours):
    path = tmp_path / "bad.json"
    path.write_bytes(b"\xff\xfe[")
    with pytest.raises(ValueError, match="bad.json"):
        webxray_agreement(path, ours)


json_values = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8)),
                           lambda c: st.one_of(st.lists(c, max_size=4), st.dictionaries(st.text(max_size=8), c,
                                                                                        max_size=4)),
                           max_leaves=20)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=json_values)
def test_any_json_is_measured_or_skipped(tmp_path, ours, data):
    path = write(tmp_path, data)
    for reader in (app_tds_agreement, webxray_agreement):
        found = reader(path, ours)
        assert found.agreed + len(found.unknown) + len(found.disagreements) == found.hosts
        format_host_agreement(found, show=3)


def test_the_shared_lists():
    need_shared("tracker-lists", "ddg__app_android-tds.json")
    need_shared("tracker-lists", "webxray_domain_owners__webXray_2020-02-24_GPLv3.json")
    found = {f.label: f for f in measure_host_lists(SHARED_DATA, builtin_entities())}
    app, webxray = found["DuckDuckGo app trackers"], found["webXray domain owners (2020)"]
    assert app.hosts == 339 and app.skipped == 0
    assert app.agreed / app.hosts >= APP_FLOOR, format_host_agreement(app, show=20)
    assert webxray.hosts == 1193 and webxray.skipped == 0
    assert webxray.agreed / webxray.hosts >= WEBXRAY_FLOOR, format_host_agreement(webxray, show=20)
