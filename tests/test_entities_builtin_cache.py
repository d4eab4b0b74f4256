"""The built-in owner file's parsed copy in the user's cache (``entities.builtin_cache``): used only for the very
text it was made of, never trusted past the format's checks, and never a reason to fail."""

from __future__ import annotations

import json

import pytest

from tredjepart.entities.builtin import BUILTIN, builtin_text, parse_own_format
from tredjepart.entities.builtin_cache import cache_dir, cached_parse
from tredjepart.entities.text import parse_text

TEXT = "version: 1\nentities:\n  - {name: Example Ads Inc., country: NO, domains: [ads.example]}\n"


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("TREDJEPART_NO_CACHE", raising=False)
    return tmp_path / "tredjepart"


class Counting:
    def __init__(self):
        self.calls = 0

    def __call__(self, text):
        self.calls += 1
        return parse_text(text, "test.yaml", "yaml")


def build(data):
    return parse_own_format(data, BUILTIN, "test.yaml")


def names(layer):
    return sorted(entity.name for entity in layer.entities())


def test_the_second_process_reads_the_copy(cache):
    parse = Counting()
    first = cached_parse(TEXT, parse, build)
    second = cached_parse(TEXT, parse, build)
    assert parse.calls == 1
    assert names(first) == names(second) == ["Example Ads Inc."]
    assert second.entities()[0].country == "NO"  # YAML 1.2 reading kept through the copy
    assert len(list(cache.glob("entities-*.json"))) == 1


def test_an_edited_file_is_parsed_again_and_the_old_copy_goes(cache):
    parse = Counting()
    cached_parse(TEXT, parse, build)
    edited = TEXT.replace("Example Ads Inc.", "Example Ads AB")
    assert names(cached_parse(edited, parse, build)) == ["Example Ads AB"]
    assert parse.calls == 2
    assert len(list(cache.glob("entities-*.json"))) == 1


@pytest.mark.parametrize("damage", [b"\xff\xfe not json", b'{"entities": "not a list"}', b"[" * 100_000, b""])
def test_a_damaged_copy_is_replaced_not_trusted(cache, damage):
    parse = Counting()
    cached_parse(TEXT, parse, build)
    copy = next(cache.glob("entities-*.json"))
    copy.write_bytes(damage)
    assert names(cached_parse(TEXT, parse, build)) == ["Example Ads Inc."]
    assert parse.calls == 2
    assert json.loads(copy.read_text(encoding="utf-8"))["entities"][0]["name"] == "Example Ads Inc."


def test_a_cache_that_cannot_be_written_costs_only_time(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    parse = Counting()
    assert names(cached_parse(TEXT, parse, build)) == names(cached_parse(TEXT, parse, build))
    assert parse.calls == 2


def test_no_cache_when_switched_off(cache, monkeypatch):
    monkeypatch.setenv("TREDJEPART_NO_CACHE", "1")
    assert cache_dir() is None
    parse = Counting()
    cached_parse(TEXT, parse, build)
    cached_parse(TEXT, parse, build)
    assert parse.calls == 2 and not cache.exists()


def test_invalid_data_is_refused_and_never_cached(cache):
    with pytest.raises(ValueError, match="country"):
        cached_parse("version: 1\nentities:\n  - {name: X, country: Norway}\n", Counting(), build)
    assert not list(cache.glob("entities-*.json"))


def test_the_built_in_file_survives_the_json_copy(cache):
    """The copy holds exactly what the YAML gives: every owner, host and SDK the same."""
    text = builtin_text()
    direct = build(parse_text(text, "entities.yaml", "yaml"))
    cached_parse(text, lambda t: parse_text(t, "entities.yaml", "yaml"), build)
    via_copy = cached_parse(text, Counting(), build)
    assert names(via_copy) == names(direct)
    assert via_copy.domains == direct.domains and via_copy.globs == direct.globs
    assert via_copy.sdks == direct.sdks
