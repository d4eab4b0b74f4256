"""Property tests for users' owner lists (outside input): any JSON or YAML document shaped like one of the
known formats, with any value in any place, either loads (and answers lookups) or is refused with a ValueError
naming the file. Never another exception: a bad list given to the proxy must be an options error, not a crash."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from tredjepart.entities import load_entities
from tredjepart.entities.model import normalize_owner

hostish = st.sampled_from(["a.example", "*.x.example", "https://a/", "a..example", "", ".", "xn--d1acpjx3f.xn--p1ai",
                           "A.EXAMPLE", "a.example:80", "é.example", "a b", "*", "[a].example", "192.0.2.1", "::1"])
scalars = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=False),
                    st.text(max_size=12), hostish, st.sampled_from(["NO", "DK", "fonts", "advertising", "/p", "p",
                                                                    "Advertising", "Content", "block"]))
values = st.recursive(scalars, lambda c: st.one_of(st.lists(c, max_size=4),
                                                  st.dictionaries(st.text(max_size=6), c, max_size=3)), max_leaves=12)
maybe = lambda s: st.one_of(s, values)  # noqa: E731
hosts = maybe(st.lists(maybe(hostish), max_size=4))
service = maybe(st.fixed_dictionaries({}, optional={"name": values, "purpose": maybe(st.sampled_from(["fonts", "cdn"])),
                                                    "hosts": hosts, "source": values}))
sdk = maybe(st.fixed_dictionaries({}, optional={"name": values, "hosts": hosts, "paths": maybe(st.lists(values))}))
own_entity = maybe(st.fixed_dictionaries({}, optional={
    "name": maybe(st.text(max_size=10)), "domains": hosts, "services": maybe(st.lists(service, max_size=3)),
    "sdks": maybe(st.lists(sdk, max_size=2)), "purpose": values, "country": values, "parent": values,
    "aliases": maybe(st.lists(values, max_size=3)), "categories": maybe(st.lists(values, max_size=2)),
    "source": values}))
own = st.fixed_dictionaries({"entities": maybe(st.lists(own_entity, max_size=3))},
                            optional={"version": values})
owner = maybe(st.fixed_dictionaries({}, optional={"name": values, "displayName": values}))
tracker = maybe(st.fixed_dictionaries({}, optional={"owner": owner, "prevalence": values, "default": values,
                                                   "rules": values}))
tds = st.fixed_dictionaries({"trackers": st.dictionaries(hostish | st.text(max_size=8), tracker, max_size=4),
                             "domains": maybe(st.dictionaries(hostish, values, max_size=3)),
                             "entities": st.dictionaries(st.text(max_size=6), maybe(st.fixed_dictionaries({}, optional={
                                 "domains": hosts, "displayName": values, "prevalence": values})), min_size=1,
                                 max_size=3)})
android = st.fixed_dictionaries({"trackers": st.dictionaries(hostish | st.text(max_size=8), tracker, max_size=4)},
                                optional={"entities": values, "packageNames": values})
services = st.fixed_dictionaries({"categories": st.dictionaries(st.sampled_from(["Advertising", "Content", "X"]),
    st.lists(maybe(st.dictionaries(st.text(max_size=6), maybe(st.dictionaries(hostish | st.text(max_size=6), hosts,
                                                                              max_size=2)), max_size=2)), max_size=3),
    min_size=1, max_size=2)})
dis_entities = st.fixed_dictionaries({"entities": st.dictionaries(st.text(max_size=6), st.fixed_dictionaries(
    {"properties": hosts}, optional={"resources": hosts}), min_size=1, max_size=3)})
docs = st.one_of(values, own, tds, android, services, dis_entities)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(doc=docs, ext=st.sampled_from(["json", "yaml"]))
def test_any_list_loads_or_is_refused_naming_the_file(doc, ext):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"mine.{ext}"
        path.write_text(json.dumps(doc))
        try:
            ents = load_entities([path])
        except ValueError as exc:
            assert "mine." in str(exc)
            return
        for h in ("a.example", "b.x.example", "192.0.2.1", "xn--d1acpjx3f.xn--p1ai"):
            e = ents.lookup(h)
            if e is not None:
                ents.owner_names(e)
            ents.service(h)
            ents.sdk_for(h, "/p")


@pytest.mark.parametrize("name, content, expected", [
    # a YAML copy of a DuckDuckGo list whose owners are keyed by numbers; names that are not text are ignored
    ("intkeys.yaml", "trackers: {}\ndomains: {}\nentities:\n  1: {domains: [a.example], displayName: 2}\n"
                     "  2.5: {domains: [b.example], ownedBy: [x]}\n", "1"),
    ("display.json", '{"trackers": {}, "domains": {}, "entities": {"Ad Co": {"displayName": 1, "domains": ["a.example"]}}}',
     "Ad Co"),
])
def test_odd_values_in_a_list_are_ignored_not_fatal(tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_text(content)
    assert load_entities([path], builtin=False).lookup("a.example").name == expected


@pytest.mark.parametrize("name, content, message", [
    ("deep.json", "[" * 100_000 + "]" * 100_000, r"deep\.json: invalid JSON: nested too deeply"),
    ("deep.yaml", "a: " + "[" * 50_000 + "]" * 50_000, r"deep\.yaml:1:\d+: invalid YAML"),
    ("purpose.yaml", "entities:\n  - {name: A, purpose: [], domains: [a.example]}\n", r"purpose\.yaml: .*purpose \[\]"),
])
def test_hostile_lists_are_refused_naming_the_file(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(ValueError, match=message):
        load_entities([path])


@settings(max_examples=600, deadline=None)
@given(st.text(max_size=24))
def test_an_owner_name_with_letters_never_reduces_to_nothing(name):
    # Owner names come from users' lists and from certificates: a name in any script that has a letter or digit
    # must keep a comparison key, or every such owner would count as one owner ("" == "").
    key = normalize_owner(name)
    if any(c.isalnum() for c in name):
        assert key, name
