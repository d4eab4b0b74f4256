"""The entity layer: the built-in data file, lookups, users' lists and their precedence."""

from __future__ import annotations

import json
import re
from collections import defaultdict

import pytest
import yaml

from conftest import need_shared
from tredjepart.entities import (
    CATEGORIES,
    PURPOSES,
    Entities,
    builtin_entities,
    detect_format,
    is_eu_eea,
    load_entities,
    normalize_owner,
    read_list,
    same_owner,
)
from tredjepart.entities.builtin import builtin_text

REQUIRED_SDKS = (
    "Firebase Analytics",
    "Crashlytics",
    "Firebase Installations",
    "Google Analytics",
    "Facebook SDK",
    "Adjust",
    "AppsFlyer",
    "Branch",
    "Sentry",
    "Microsoft App Center",
    "Mixpanel",
    "Amplitude",
    "Segment",
    "OneSignal",
    "Bugsnag",
    "Adobe Experience Platform",
)


@pytest.fixture(scope="module")
def raw() -> list[dict]:
    return yaml.safe_load(builtin_text())["entities"]


@pytest.fixture(scope="module")
def builtin() -> Entities:
    return builtin_entities()


def write(tmp_path, name: str, content) -> str:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return str(path)


# --- the built-in file --------------------------------------------------------------------------------------


def test_builtin_file_is_version_1_with_at_least_300_owners(raw, builtin):
    assert yaml.safe_load(builtin_text())["version"] == 1
    assert len(raw) >= 300
    assert len(builtin) == len(raw)  # every owner has its own normalised name


def hosts_of(item: dict) -> list[str]:
    """Every host pattern of one built-in owner: its domains and its services' hosts."""
    return [*item.get("domains", []), *(h for svc in item.get("services", []) for h in svc["hosts"])]


def test_every_builtin_entity_is_complete(raw):
    for item in raw:
        name = item.get("name")
        assert isinstance(name, str) and name.strip(), item
        assert re.fullmatch(r"[A-Z]{2}", str(item.get("country"))), f"{name}: country {item.get('country')!r}"
        assert str(item.get("source", "")).startswith("https://"), f"{name}: source {item.get('source')!r}"
        assert "categories" not in item, f"{name}: the built-in data gives purposes, not categories"
        assert hosts_of(item), f"{name}: no hosts"
        if item.get("domains"):
            assert item.get("purpose") in PURPOSES, f"{name}: domains without a purpose"
        for svc in item.get("services", []):
            assert svc.get("purpose") in PURPOSES and svc.get("hosts"), f"{name}: {svc}"
            assert str(svc.get("source", "https://")).startswith("https://"), f"{name}: {svc}"


def test_no_host_under_two_owners(raw):
    owners = defaultdict(set)
    for item in raw:
        for host in hosts_of(item):
            owners[host.lower().rstrip(".")].add(item["name"])
    assert {d: o for d, o in owners.items() if len(o) > 1} == {}


def test_no_host_twice_within_an_owner(raw):
    for item in raw:
        hosts = [h.lower() for h in hosts_of(item)]
        assert len(hosts) == len(set(hosts)), (item["name"], sorted(h for h in hosts if hosts.count(h) > 1))


def test_parent_chains_end(builtin):
    """Every parent chain ends in an owner without a parent (or one the data does not describe): no cycles."""
    for entity in builtin:
        seen, current = {entity.key}, entity
        while current is not None and current.parent:
            parent = builtin.get(current.parent)
            assert parent is None or parent.key not in seen, f"{entity.name}: a parent cycle at {current.parent}"
            seen.add(parent.key if parent else current.parent)
            current = parent


def test_no_name_or_alias_shared_by_two_owners(raw):
    owners = defaultdict(set)
    for item in raw:
        for name in (item["name"], *item.get("aliases", [])):
            owners[normalize_owner(name)].add(item["name"])
    assert {n: o for n, o in owners.items() if len(o) > 1} == {}


def test_required_sdks_are_present(builtin):
    names = {sdk.name for sdk in builtin.sdks}
    assert set(REQUIRED_SDKS) <= names, set(REQUIRED_SDKS) - names


def test_sdk_hosts_belong_to_the_sdks_owner(builtin):
    for sdk in builtin.sdks:
        for host in sdk.hosts:
            owner = builtin.lookup(host.replace("*", "x"))
            assert owner is not None and owner.name == sdk.entity.name, (sdk.name, host, owner)


def test_builtin_entities_are_marked_builtin(builtin):
    assert {e.origin for e in builtin} == {"builtin"}


# --- lookups ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "owner"),
    [
        ("www.google-analytics.com", "Google LLC"),
        ("securepubads.g.doubleclick.net", "Google LLC"),
        ("www.youtube-nocookie.com", "YouTube, LLC"),
        ("static.licdn.com", "LinkedIn Corporation"),
        ("siteimproveanalytics.com", "Siteimprove A/S"),
        ("consent.cookiebot.com", "Cybot A/S"),
        ("policy.app.cookieinformation.com", "Cookie Information A/S"),
        ("api.dataforsyningen.dk", "Klimadatastyrelsen"),
        ("www.mitid.dk", "Digitaliseringsstyrelsen"),
        ("nemlog-in.dk", "Digitaliseringsstyrelsen"),
        ("track.adform.net", "Adform A/S"),
        ("app-measurement.com", "Google LLC"),
        ("firebaseinstallations.googleapis.com", "Google LLC"),
        ("o123.ingest.sentry.io", "Functional Software, Inc."),
        ("beacon.krxd.net", "Salesforce, Inc."),
        ("ib.adnxs.com", "Xandr, Inc."),
        ("WWW.FACEBOOK.COM.", "Meta Platforms, Inc."),
    ],
)
def test_lookup(builtin, host, owner):
    assert builtin.lookup(host).name == owner


@pytest.mark.parametrize(
    ("host", "service", "purpose", "owner", "parent"),
    [
        ("fonts.googleapis.com", "Google Fonts", "fonts", "Google LLC", "Alphabet Inc."),
        ("fonts.gstatic.com", "Google Fonts", "fonts", "Google LLC", "Alphabet Inc."),
        ("www.googletagmanager.com", "Google Tag Manager", "tag-manager", "Google LLC", "Alphabet Inc."),
        ("www.gstatic.com", "Google static content", "cdn", "Google LLC", "Alphabet Inc."),
        ("www.google.com", None, "content", "Google LLC", "Alphabet Inc."),
        ("www.youtube-nocookie.com", None, "video", "YouTube, LLC", "Google LLC"),
        ("static.licdn.com", None, "social", "LinkedIn Corporation", "Microsoft Corporation"),
        ("px.ads.linkedin.com", "LinkedIn Insight Tag", "advertising", "LinkedIn Corporation", "Microsoft Corporation"),
        ("ib.adnxs.com", None, "advertising", "Xandr, Inc.", "Microsoft Corporation"),
        ("www.clarity.ms", "Microsoft Clarity", "session-recording", "Microsoft Corporation", None),
        ("edition.cnn.com", None, "content", "Cable News Network, Inc.", "Warner Bros. Discovery, Inc."),
        ("cdn.taboola.com", None, "content-recommendation", "Taboola.com Ltd.", None),
        ("consent.cookiebot.com", None, "consent", "Cybot A/S", "Usercentrics GmbH"),
        ("script.hotjar.com", None, "session-recording", "Hotjar Ltd", "Contentsquare SAS"),
        ("cdnjs.cloudflare.com", "cdnjs", "cdn", "Cloudflare, Inc.", None),
    ],
)
def test_service(builtin, host, service, purpose, owner, parent):
    found = builtin.service(host)
    assert (found.name, found.purpose, found.entity.name, found.entity.parent) == (service, purpose, owner, parent)
    assert builtin.lookup(host) is found.entity  # lookup() is service().entity
    assert found.label == (service or owner)


def test_owner_categories_follow_from_service_purposes(builtin):
    google = builtin.lookup("google.com")
    assert {"fonts", "tag-manager", "advertising", "analytics"} <= set(google.purposes)
    assert {"fonts-cdn", "analytics", "advertising", "hosting"} <= set(google.categories)
    assert builtin.lookup("cdn.taboola.com").categories == ("advertising",)
    assert all(set(e.purposes) <= set(PURPOSES) for e in builtin)
    assert all(set(e.categories) <= set(CATEGORIES) for e in builtin)


def test_unknown_host_has_no_owner(builtin):
    assert builtin.lookup("portal.example-kommune.dk") is None
    assert builtin.lookup("localhost") is None
    assert builtin.lookup("") is None
    assert builtin.service("portal.example-kommune.dk") is None


def test_more_specific_domain_wins(builtin):
    assert builtin.lookup("www.amazon.com").name == "Amazon.com, Inc."
    assert builtin.lookup("aws.amazon.com").name == "Amazon Web Services, Inc."
    assert builtin.lookup("d3qdfnco3bamip.cloudfront.net").name == "Amazon Web Services, Inc."
    assert builtin.lookup("quantcast.mgr.consensu.org").name == "Quantcast Corporation"
    assert builtin.lookup("other.mgr.consensu.org").name == "IAB Europe A.I.S.B.L."


def test_globs_and_specificity(tmp_path):
    path = write(tmp_path, "mine.yaml", """
version: 1
entities:
  - {name: Parent Co, country: DK, categories: [hosting], domains: [example.com]}
  - {name: Glob Co, country: SE, categories: [analytics], domains: ["*.cdn.example.com", "ads*.example.com"]}
  - {name: Exact Co, country: NO, categories: [other], domains: [x.cdn.example.com]}
""")
    mine = load_entities([path], builtin=False)
    assert mine.lookup("www.example.com").name == "Parent Co"
    assert mine.lookup("example.com").name == "Parent Co"
    assert mine.lookup("a.cdn.example.com").name == "Glob Co"  # glob naming more of the host
    assert mine.lookup("ads7.example.com").name == "Glob Co"  # partly named label beats the parent domain
    assert mine.lookup("x.cdn.example.com").name == "Exact Co"  # exact host beats the glob
    assert mine.lookup("cdn.example.com").name == "Parent Co"  # "*.cdn" needs a label in front
    assert mine.lookup("example.org") is None
    assert mine.match("a.cdn.example.com") == ("*.cdn.example.com", mine.lookup("a.cdn.example.com"))


def test_sdk_for(builtin):
    assert builtin.sdk_for("app-measurement.com", "/a").name == "Firebase Analytics"
    assert builtin.sdk_for("firebaseinstallations.googleapis.com", "/v1/projects/x/installations").name == (
        "Firebase Installations")
    assert builtin.sdk_for("www.google-analytics.com", "/g/collect").name == "Google Analytics"
    assert builtin.sdk_for("stats.g.doubleclick.net", "/g/collect").name == "Google Analytics"
    assert builtin.sdk_for("googleads.g.doubleclick.net", "/mads/gma").name == "Google Mobile Ads"
    assert builtin.sdk_for("googleads.g.doubleclick.net", "/pagead/id").name == "Google Ads"
    assert builtin.sdk_for("o1.ingest.sentry.io", "/api/2/envelope/").name == "Sentry"
    assert builtin.sdk_for("o1.ingest.sentry.io", "/other") is None  # Sentry names path prefixes
    assert builtin.sdk_for("graph.facebook.com", "/v17.0/123/activities").name == "Facebook SDK"
    assert builtin.sdk_for("www.facebook.com", "/tr/").name == "Meta Pixel"
    assert builtin.sdk_for("www.facebook.com", "/login") is None
    assert builtin.sdk_for("in.appcenter.ms", "/logs").entity.name == "Microsoft Corporation"
    assert builtin.sdk_for("portal.example-kommune.dk", "/") is None


def test_normalize_owner():
    assert normalize_owner("Google LLC") == normalize_owner("Google") == "google"
    assert normalize_owner("Salesforce.com, Inc.") == normalize_owner("salesforce") == "salesforce"
    assert normalize_owner("Siteimprove A/S") == normalize_owner("Siteimprove AS") == "siteimprove"
    assert normalize_owner("Piwik PRO sp. z o.o.") == normalize_owner("Piwik PRO") == "piwikpro"
    assert normalize_owner("The Trade Desk, Inc.") == normalize_owner("Trade Desk") == "tradedesk"
    assert normalize_owner("Doggybites bvba") == normalize_owner("Doggybites BV") == "doggybites"
    assert normalize_owner("Cookiebot OÜ") == normalize_owner("Cookiebot") == "cookiebot"
    # names in other scripts keep their letters: two Japanese owners are not one owner
    assert normalize_owner("株式会社プレイド") == "株式会社プレイド"
    assert normalize_owner("株式会社ライブドア") != normalize_owner("株式会社プレイド")
    assert normalize_owner('ООО "Яндекс"') == "ооояндекс"
    assert not same_owner("株式会社プレイド", "株式会社ビービット")
    assert normalize_owner("Ströer SE & Co. KGaA") == normalize_owner("Stroer") == "stroer"
    assert normalize_owner("Criteo S.A.") == normalize_owner("Criteo SA") == "criteo"
    assert normalize_owner("Yahoo!") == "yahoo"
    assert normalize_owner("") == normalize_owner(None) == ""
    assert same_owner("Adjust GmbH", "adjust")
    assert not same_owner("Google LLC", "Alphabet Inc.")


def test_owner_names_follow_parents(builtin):
    names = builtin.owner_names(builtin.lookup("www.youtube.com"))
    assert {"youtube", "google", "alphabet"} <= names
    assert "microsoft" in builtin.owner_names(builtin.lookup("static.licdn.com"))
    assert "facebook" in builtin.owner_names(builtin.lookup("connect.facebook.net"))


@pytest.mark.parametrize(("country", "inside"), [
    ("DK", True), ("de", True), ("NO", True), ("IS", True), ("LI", True), ("EL", True),
    ("US", False), ("GB", False), ("UK", False), ("CH", False), (None, False), ("", False),
])
def test_is_eu_eea(country, inside):
    assert is_eu_eea(country) is inside
    assert Entities.is_eu_eea(country) is inside


def test_builtin_countries(builtin):
    assert builtin.lookup("siteimproveanalytics.com").country == "DK"
    assert builtin.lookup("script.hotjar.com").country == "MT"
    assert builtin.lookup("vg.no").country == "NO"  # quoted in YAML, not read as false
    assert builtin.is_eu_eea(builtin.lookup("vg.no").country)


# --- users' lists -------------------------------------------------------------------------------------------


def test_ddg_tds_real_facts():
    path = need_shared("tracker-lists", "ddg__web_v6_extension-tds.json")
    tds = load_entities([path], builtin=False)
    assert detect_format(json.loads(path.read_text())) == "ddg-tds"
    doubleclick = tds.lookup("securepubads.g.doubleclick.net")
    assert "google" in tds.owner_names(doubleclick)  # the "Google Ads" brand, owned by Google LLC
    assert tds.lookup("connect.facebook.net").name == "Facebook, Inc."
    assert tds.lookup("siteimproveanalytics.com").name == "Siteimprove AS"
    assert doubleclick.origin == str(path)
    assert doubleclick.country is None  # the lists carry no country
    assert "advertising" in doubleclick.categories
    assert len(tds) > 500


def test_ddg_android_tds_real_facts():
    path = need_shared("tracker-lists", "ddg__app_android-tds.json")
    app = load_entities([path], builtin=False)
    assert detect_format(json.loads(path.read_text())) == "ddg-android-tds"
    assert app.lookup("app.adjust.com").name == "Adjust GmbH"
    assert same_owner(app.lookup("graph.facebook.com").name, "Facebook")
    assert same_owner(app.lookup("www.google-analytics.com").name, "Google")
    assert app.lookup("portal.example-kommune.dk") is None


def test_disconnect_services_real_facts():
    path = need_shared("tracker-lists", "disconnect__services.json")
    services = load_entities([path], builtin=False)
    assert detect_format(json.loads(path.read_text())) == "disconnect-services"
    google = services.lookup("stats.g.doubleclick.net")
    assert google.name == "Google"
    assert "advertising" in google.categories
    assert services.lookup("siteimproveanalytics.com").categories == ("analytics",)
    assert "consent" in services.lookup("consent.cookiebot.com").categories
    assert google.source and google.source.startswith("http")


def test_disconnect_entities_real_facts():
    path = need_shared("tracker-lists", "disconnect__entities.json")
    entities = load_entities([path], builtin=False)
    assert detect_format(json.loads(path.read_text())) == "disconnect-entities"
    assert entities.lookup("www.google-analytics.com").name == "Google"
    assert same_owner(entities.lookup("scorecardresearch.com").name, "comScore, Inc.")
    assert entities.lookup("t.appsflyer.com").name == "AppsFlyer"


def test_real_list_over_builtin_keeps_builtin_country_and_categories():
    path = need_shared("tracker-lists", "ddg__web_v6_extension-tds.json")
    merged = load_entities([path])
    fb = merged.lookup("connect.facebook.net")
    assert fb.name == "Facebook, Inc." and fb.origin == str(path)  # the user's list answers
    assert fb.country == "US"  # ... with the country and categories we know for that owner
    assert fb.categories == builtin_entities().lookup("connect.facebook.net").categories
    assert merged.lookup("api.dataforsyningen.dk").origin == "builtin"  # what the list lacks, we still know


def test_user_list_overrides_builtin(tmp_path):
    path = write(tmp_path, "local.yaml", """
version: 1
entities:
  - name: Kommunens Analyse ApS
    country: DK
    categories: [analytics]
    source: https://analyse.example.dk/
    domains: [google-analytics.com]
    sdks:
      - {name: Local SDK, hosts: [app-measurement.com], paths: ["/a"]}
""")
    merged = load_entities([path])
    owner = merged.lookup("www.google-analytics.com")
    assert (owner.name, owner.country, owner.origin) == ("Kommunens Analyse ApS", "DK", path)
    assert merged.lookup("doubleclick.net").name == "Google LLC"  # the rest of the built-in data stays
    assert merged.sdk_for("app-measurement.com", "/a").name == "Local SDK"
    assert merged.sdk_for("app-measurement.com", "/b").name == "Firebase Analytics"
    assert len(merged) == len(builtin_entities()) + 1


def test_user_list_with_services(tmp_path):
    path = write(tmp_path, "services.yaml", """
version: 1
entities:
  - name: Region Hovedstaden
    country: DK
    source: https://www.regionh.dk/
    purpose: content
    domains: [regionh.dk]
    services:
      - {name: Region H Video, purpose: video, hosts: [video.regionh.dk]}
      - {purpose: fonts, hosts: ["fonts*.regionh.dk"], source: https://www.regionh.dk/fonts}
  - name: Old Style ApS
    country: DK
    categories: [analytics]
    domains: [old.example]
""")
    merged = load_entities([path])
    assert merged.service("www.regionh.dk").purpose == "content"
    video = merged.service("video.regionh.dk")
    assert (video.name, video.purpose, video.entity.name, video.entity.origin) == (
        "Region H Video", "video", "Region Hovedstaden", path)
    fonts = merged.service("fonts2.regionh.dk")
    assert (fonts.name, fonts.purpose, fonts.source) == (None, "fonts", "https://www.regionh.dk/fonts")
    assert merged.lookup("fonts2.regionh.dk").categories == ("video", "fonts-cdn", "other")
    old = merged.service("x.old.example")
    assert (old.purpose, old.entity.categories, old.entity.purposes) == (None, ("analytics",), ())
    assert merged.service("fonts.googleapis.com").name == "Google Fonts"  # the built-in data still answers


def test_later_list_wins_and_known_owner_is_enriched(tmp_path):
    first = write(tmp_path, "first.json", {"entities": {"First Owner": {"properties": ["shared.example"],
                                                                        "resources": []}}})
    second = write(tmp_path, "second.json", {
        "trackers": {"shared.example": {"owner": {"name": "Second Owner", "displayName": "Second"}},
                     "tracker.example": {"owner": {"name": "Google", "displayName": "Google"}}},
    })
    merged = load_entities([first, second])
    assert merged.lookup("www.shared.example").name == "Second Owner"
    google = merged.lookup("tracker.example")
    assert (google.name, google.country, google.parent) == ("Google", "US", "Alphabet Inc.")
    assert "Google LLC" in google.aliases
    assert load_entities([second, first]).lookup("shared.example").name == "First Owner"


def test_bare_no_in_yaml_is_norway(tmp_path):
    path = write(tmp_path, "norway.yaml", "entities:\n  - {name: A, country: NO, domains: [a.example], notes: yes}\n")
    assert read_list(path).domains["a.example"].country == "NO"


def test_own_format_in_json_with_any_suffix(tmp_path):
    path = write(tmp_path, "list.txt", {"version": 1, "entities": [
        {"name": "X ApS", "country": "DK", "categories": ["other"], "domains": ["x.example"]}]})
    assert read_list(path).domains["x.example"].name == "X ApS"


# --- malformed lists ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bad.json", '{"entities": [\n  {"name": "x",}\n]}', r"bad\.json:2:\d+: invalid JSON"),
        ("bad.yaml", "version: 1\nentities:\n  - name: [unclosed\n", r"bad\.yaml:\d+:\d+: invalid YAML"),
        ("x.json", '{"hello": "world"}', r"x\.json: not a tracker list tredjepart knows \(expected Disconnect"),
        ("list.json", "[1, 2, 3]", r"list\.json: not a tracker list tredjepart knows"),
        ("empty.yaml", "", r"empty\.yaml: not a tracker list tredjepart knows"),
        ("cat.yaml", "entities:\n  - {name: A, categories: [ads], domains: [a.example]}\n",
         r"cat\.yaml: entities\[0\] \(A\): category 'ads' is not one of"),
        ("country.yaml", "entities:\n  - {name: A, country: Denmark, domains: [a.example]}\n",
         r"country\.yaml: entities\[0\] \(A\): country 'Denmark'"),
        ("bool.yaml", "entities:\n  - {name: A, country: false, domains: [a.example]}\n",
         r"bool\.yaml: entities\[0\] \(A\): country False is not"),
        ("url.yaml", "entities:\n  - {name: A, domains: ['https://a.example/']}\n",
         r"url\.yaml: entities\[0\] \(A\): domains: .* looks like a URL"),
        ("noname.yaml", "entities:\n  - {domains: [a.example]}\n", r"noname\.yaml: entities\[0\]: 'name' is required"),
        ("nodomains.yaml", "entities:\n  - {name: A}\n", r"nodomains\.yaml: entities\[0\] \(A\): has neither"),
        ("typo.yaml", "entities:\n  - {name: A, domain: [a.example]}\n", r"typo\.yaml: .*unknown field\(s\) \['domain'\]"),
        ("version.yaml", "version: 2\nentities: []\n", r"version\.yaml: version 2 is not supported"),
        ("purpose.yaml", "entities:\n  - {name: A, purpose: ads, domains: [a.example]}\n",
         r"purpose\.yaml: entities\[0\] \(A\): purpose 'ads' is not one of advertising"),
        ("svc.yaml", "entities:\n  - {name: A, services: [{purpose: fonts}]}\n",
         r"svc\.yaml: entities\[0\] \(A\): services\[0\]: 'hosts' must list at least one host"),
        ("svcpurpose.yaml", "entities:\n  - {name: A, services: [{hosts: [a.example]}]}\n",
         r"svcpurpose\.yaml: entities\[0\] \(A\): services\[0\]: purpose None is not one of"),
        ("svctypo.yaml", "entities:\n  - {name: A, services: [{purpose: fonts, host: [a.example]}]}\n",
         r"svctypo\.yaml: entities\[0\] \(A\): services\[0\]: unknown field\(s\) \['host'\]"),
        ("svclist.yaml", "entities:\n  - {name: A, services: {purpose: fonts}}\n",
         r"svclist\.yaml: entities\[0\] \(A\): services must be a list"),
        ("svcsource.yaml", "entities:\n  - {name: A, services: [{purpose: fonts, hosts: [a.example], source: x}]}\n",
         r"svcsource\.yaml: entities\[0\] \(A\): services\[0\]: source 'x' must be a URL"),
        ("sdk.yaml", "entities:\n  - {name: A, domains: [a.example], sdks: [{name: S, hosts: [a.example], paths: [x]}]}\n",
         r"sdk\.yaml: entities\[0\] \(A\): sdks\[0\] \(S\): path 'x' must start with '/'"),
        ("tds.json", '{"trackers": {}, "domains": {}, "entities": {"A": {"domains": "a.example"}}}',
         r"tds\.json: entities\.A\.domains: expected a list"),
        ("nothing.json", '{"trackers": {"a.example": {"owner": {}}}}', r"nothing\.json: a ddg-android-tds list without"),
    ],
)
def test_malformed_lists_name_the_file(tmp_path, name, content, message):
    path = write(tmp_path, name, content)
    with pytest.raises(ValueError, match=message):
        load_entities([path])


def test_missing_and_binary_files(tmp_path):
    with pytest.raises(ValueError, match=r"nope\.json: cannot read"):
        load_entities([tmp_path / "nope.json"])
    (tmp_path / "bin.json").write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ValueError, match=r"bin\.json: not UTF-8"):
        load_entities([tmp_path / "bin.json"])


def test_service_names_survive_yaml_flow_style(raw):
    """An unquoted comma inside a flow mapping ends the name ("Oracle Advertising (BlueKai"): names must be whole."""
    for item in raw:
        for svc in item.get("services", []):
            assert set(svc) <= {"name", "purpose", "hosts", "source", "notes"}, (item["name"], svc)
            name = svc.get("name") or ""
            assert name.count("(") == name.count(")"), (item["name"], name)
