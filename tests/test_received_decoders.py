"""Endpoint decoders: the format, the built-in file, and each decoder on a realistic request (from the vendor's
documented format, or from the real requests in ../shared/data's HAR files)."""

from __future__ import annotations

import base64
import gzip
import json
from urllib.parse import urlsplit

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import need_shared
from tredjepart.received.decoders import Decoders, builtin_decoders, load_decoders, parse_decoders
from tredjepart.received.model import RequestParts
from tredjepart.received.scan import Scanner
from tredjepart.received.vocabulary import is_known

SCANNER = Scanner()


def claimed(url: str, *, method="GET", headers=(), body=b"") -> dict[str, set[str]]:
    """where -> data types the decoders claim for a request to ``url``."""
    u = urlsplit(url)
    parts = RequestParts(method, u.hostname, u.path + (f"?{u.query}" if u.query else ""), tuple(headers), body)
    out: dict[str, set[str]] = {}
    for item in SCANNER.scan(parts):
        if item.source == "decoder":
            out.setdefault(item.where, set()).add(item.type)
    return out


def har_request(name: str, needle: str) -> dict:
    """The first request in a shared HAR file whose URL contains ``needle``."""
    data = json.loads(need_shared(*name.split("/")).read_text(encoding="utf-8-sig"))
    for entry in data["log"]["entries"]:
        if needle in entry["request"]["url"]:
            return entry["request"]
    raise AssertionError(f"no {needle} in {name}")


def har_claimed(name: str, needle: str) -> dict[str, set[str]]:
    r = har_request(name, needle)
    body = ((r.get("postData") or {}).get("text") or "").encode()
    return claimed(r["url"], method=r["method"], headers=[(h["name"], h["value"]) for h in r["headers"]], body=body)


# --- the built-in file ------------------------------------------------------------------------------------------

def test_builtin_file_loads_and_every_field_has_a_documented_reason():
    decoders = builtin_decoders()
    assert len(decoders) >= 30
    for d in decoders:
        assert d.fields, d.name
        for f in d.fields:
            assert f.reason.startswith("https://"), (d.name, f.name)
            assert all(is_known(t) for t in f.types)


def test_builtin_covers_the_trackers_of_danish_public_sites():
    names = " ".join(d.name for d in builtin_decoders())
    for vendor in ("Google Analytics 4", "Universal Analytics", "Google Ads", "DoubleClick", "Meta pixel",
                   "LinkedIn", "Clarity", "UET", "Hotjar", "Cookiebot", "YouTube", "Vimeo", "Matomo", "Piwik PRO",
                   "TikTok", "Snap", "Adobe", "Firebase", "Crashlytics", "Graph API", "Adjust", "AppsFlyer",
                   "Branch", "Bugsnag", "Sentry", "OneSignal"):
        assert vendor in names, vendor


# --- the format -------------------------------------------------------------------------------------------------

GOOD = {"version": 1, "decoders": [{"name": "Own tracker", "hosts": ["t.example.dk"], "paths": ["/hit"],
                                    "docs": "https://t.example.dk/docs",
                                    "fields": [{"in": "query", "name": "u", "type": "userId"}]}]}


def _broken(**changes):
    data = json.loads(json.dumps(GOOD))
    entry = data["decoders"][0]
    for key, value in changes.items():
        if key.startswith("field_"):
            entry["fields"][0][key[6:]] = value
        elif value is None:
            entry.pop(key)
        else:
            entry[key] = value
    return data


@pytest.mark.parametrize("data,words", [
    ({"decoders": "x"}, "expected a mapping with a 'decoders' list"),
    ({"version": 2, "decoders": []}, "version 2 is not supported"),
    (_broken(colour="red"), "unknown field(s) ['colour']"),
    (_broken(name=None), "'name' is required"),
    (_broken(hosts=None), "'hosts' is required"),
    (_broken(hosts=["https://x.dk/"]), "looks like a URL"),
    (_broken(paths=["hit"]), "must start with '/'"),
    (_broken(body="xml"), "body 'xml' is not supported"),
    (_broken(docs=None), "needs a 'reason' URL"),
    (_broken(field_type="advertisingID"), "type 'advertisingID' is not in the vocabulary"),
    (_broken(field_in="footer"), "'in' must be one or more of"),
    (_broken(field_when="always"), "when 'always' is not one of"),
    (_broken(fields=[]), "'fields' must be a non-empty list"),
])
def test_format_errors_name_the_file_and_the_decoder(data, words):
    with pytest.raises(ValueError) as e:
        parse_decoders(data, "mine.yaml")
    assert str(e.value).startswith("mine.yaml")
    assert words in str(e.value)


def test_users_files_come_first(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump(GOOD), encoding="utf-8")
    decoders = load_decoders([path])
    assert decoders.decoders[0].name == "Own tracker" and decoders.decoders[0].origin == str(path)
    assert len(decoders) == len(builtin_decoders()) + 1
    scanner = Scanner(decoders=decoders)
    items = scanner.scan(RequestParts("GET", "t.example.dk", "/hit?u=abc&v=1"))
    assert [(i.type, i.where, i.decoder) for i in items if i.source == "decoder"] == [
        ("userId", "query u", "Own tracker")]


def test_unreadable_or_broken_user_file(tmp_path):
    with pytest.raises(ValueError, match="cannot read"):
        load_decoders([tmp_path / "missing.yaml"])
    bad = tmp_path / "bad.yaml"
    bad.write_text("decoders: [\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad.yaml:\d+:\d+: invalid YAML"):
        load_decoders([bad])


# --- each decoder on a realistic request ------------------------------------------------------------------------

def test_ga4_collect_query_and_batched_body():
    url = ("https://region1.google-analytics.com/g/collect?v=2&tid=G-ABC123&gtm=45je&_p=1&gcs=G111&gcd=13l3l3l3l1"
           "&cid=123456789.1700000000&ul=da-dk&sr=1920x1080&sid=1700000000&sct=3&seg=1"
           "&dl=https%3A%2F%2Fportal.dk%2Fansoeg%2Fkontanthjaelp&dr=https%3A%2F%2Fwww.borger.dk%2F"
           "&dt=Ans%C3%B8g&en=page_view")
    got = claimed(url)
    assert got["query dl"] == {"viewedPage"} and got["query dr"] == {"referer"} and got["query dt"] == {"viewedPage"}
    assert got["query cid"] == {"browserId"} and got["query tid"] == {"propertyId"}
    assert got["query sr"] == {"screenWidth", "screenHeight"} and got["query gcs"] == {"consentState"}
    assert "query sid" not in got and "query en" not in got  # not documented: not claimed
    body = b"en=scroll&ep.percent_scrolled=90\nen=user_engagement&_et=5000&dl=https%3A%2F%2Fportal.dk%2Fx"
    got = claimed("https://www.google-analytics.com/g/collect?v=2&tid=G-ABC123&cid=1.2", method="POST",
                  headers=[("Content-Type", "text/plain;charset=UTF-8")], body=body)
    assert got["body dl"] == {"viewedPage"}


def test_universal_analytics_from_a_real_capture():
    got = har_claimed("har-variety/Lookyloo__har2tree__lalibre_001.har", "google-analytics.com/collect")
    assert got["query dl"] == {"viewedPage"} and got["query dt"] == {"viewedPage"}
    assert got["query cid"] == {"browserId"} and got["query tid"] == {"propertyId"}
    assert got["query vp"] == {"browserWindowWidth", "browserWindowHeight"}
    assert "query _gid" not in got and "query cd1" not in got


def test_ga_js_utm_gif_from_a_real_capture():
    got = har_claimed("har-variety/Lookyloo__har2tree__lemonde.har", "__utm.gif")
    assert got["query utmp"] == {"viewedPage"} and got["query utmac"] == {"propertyId"}
    assert got["query utmcc"] == {"browserId"}


def test_meta_pixel_from_a_real_capture_and_advanced_matching():
    got = har_claimed("har-variety/Lookyloo__har2tree__lemonde.har", "facebook.com/tr/")
    assert got["query dl"] == {"viewedPage"} and got["query id"] == {"propertyId"} and got["query ev"] == {
        "userAction"}
    assert "query rl" not in got  # sent empty: nothing received
    assert "query if" not in got and "query ts" not in got
    h = "f1904cf1a9d73a55fa5de0ac823c4403ded71afd4c3248d00bdcd0866552bb79"
    got = claimed(f"https://www.facebook.com/tr/?id=1&ev=Purchase&ud[em]={h}&ud[fn]={h}&cd[value]=0.00"
                  f"&cd[content_name]=Ans%C3%B8gning&cd[custom]=x")
    assert got["query ud[em]"] == {"emailAddress"} and got["query ud[fn]"] == {"name"}
    assert got["query cd[content_name]"] == {"viewedPage"}
    assert "query cd[value]" not in got and "query cd[custom]" not in got


def test_matomo_from_a_real_capture_and_bulk_tracking():
    got = har_claimed("har-variety/sitespeedio__coach-core__withHtmlContent.har", "piwik.php")
    assert got["query url"] == {"viewedPage"} and got["query _id"] == {"browserId"}
    assert got["query action_name"] == {"viewedPage"} and got["query res"] == {"screenWidth", "screenHeight"}
    assert "query pv_id" not in got and "query gt_ms" not in got
    body = json.dumps({"requests": ["?idsite=1&rec=1&url=https%3A%2F%2Fa.dk%2Fskat&_id=0123456789abcdef"]})
    got = claimed("https://analytics.example.dk/matomo.php", method="POST",
                  headers=[("Content-Type", "application/json")], body=body.encode())
    assert got["body requests.*?url"] == {"viewedPage"} and got["body requests.*?_id"] == {"browserId"}


def test_bing_uet_from_a_real_capture():
    got = har_claimed("har/haralyzer__cnn-chrome.har", "bat.bing.com/action")
    assert got["query p"] == {"viewedPage"} and got["query tl"] == {"viewedPage"} and got["query ti"] == {
        "propertyId"}
    assert "query kw" not in got


def test_doubleclick_path_parameters():
    got = claimed("https://ad.doubleclick.net/ddm/activity/src=123;type=inv;cat=app;dc_rdid=38400000-8cf0-11bd-"
                  "b23e-10b96e40000d;tag_for_child_directed_treatment=0;ord=1")
    assert got["path-param dc_rdid"] == {"advertisingId"} and got["path-param src"] == {"propertyId"}


def test_firebase_analytics_protobuf():
    def varint(n: int) -> bytes:
        out = b""
        while True:
            low, n = n & 0x7F, n >> 7
            if not n:
                return out + bytes([low])
            out += bytes([low | 0x80])

    def field(n: int, value: bytes | int) -> bytes:
        if isinstance(value, int):
            return varint(n << 3) + varint(value)
        return varint((n << 3) | 2) + varint(len(value)) + value

    bundle = field(1, 1) + field(8, b"android") + field(9, b"14") + field(14, b"dk.example.app") + \
        field(16, b"1.2.3") + field(19, b"38400000-8cf0-11bd-b23e-10b96e40000d")
    body = field(1, bundle) + field(1, bundle)
    got = claimed("https://app-measurement.com/a", method="POST", body=body)
    assert got["body 1.*.19"] == {"advertisingId"} and got["body 1.*.14"] == {"appId"}
    assert got["body 1.*.9"] == {"osVersion"}


def test_meta_app_events_form_body():
    extinfo = json.dumps(["a2", "dk.example.app", "1", "1.0", "14", "Pixel 8", "da_DK", "CET", "TDC", "1080",
                          "2400", "2.6", "8", "128", "64", "Europe/Copenhagen"])
    body = (f"event=CUSTOM_APP_EVENTS&advertiser_id=38400000-8cf0-11bd-b23e-10b96e40000d&anon_id=XZ123"
            f"&advertiser_tracking_enabled=1&extinfo={extinfo}&custom_events=%5B%5D").encode()
    got = claimed("https://graph.facebook.com/v17.0/1234567890/activities", method="POST",
                  headers=[("Content-Type", "application/x-www-form-urlencoded")], body=body)
    assert got["body advertiser_id"] == {"advertisingId"} and got["body anon_id"] == {"installationId"}
    assert got["body extinfo.5"] == {"model"} and got["body extinfo.4"] == {"osVersion"}
    assert "body extinfo.11" not in got


def test_clarity_gzipped_envelope():
    payload = {"e": ["0.7.0", 1, 0, 1200, "proj123", "userabc", "sessxyz", 1, 0, 0], "a": [[1, 2, "x"]]}
    got = claimed("https://k.clarity.ms/collect", method="POST", body=gzip.compress(json.dumps(payload).encode()))
    assert got["body e.5"] == {"browserId"} and got["body e.6"] == {"sessionId"} and got["body e.4"] == {
        "propertyId"}


def test_sentry_envelope_and_bugsnag_report():
    envelope = b'{"event_id":"1","dsn":"https://k@o1.ingest.sentry.io/2"}\n{"type":"event"}\n' + json.dumps(
        {"user": {"id": "42", "email": "a@b.dk"}, "request": {"url": "https://portal.dk/sag"},
         "contexts": {"os": {"name": "Android", "version": "14"}}}).encode()
    got = claimed("https://o1.ingest.sentry.io/api/2/envelope/", method="POST", body=envelope)
    assert got["body user.email"] == {"emailAddress"} and got["body request.url"] == {"viewedPage"}
    assert got["body contexts.os.version"] == {"osVersion"}
    report = {"apiKey": "k", "events": [{"user": {"id": "u1", "email": "a@b.dk"}, "device": {"id": "d1",
                                                                                          "osVersion": "17"}}]}
    got = claimed("https://notify.bugsnag.com/", method="POST", headers=[("Content-Type", "application/json")],
                  body=json.dumps(report).encode())
    assert got["body events.*.user.email"] == {"emailAddress"} and got["body events.*.device.id"] == {"deviceId"}


def test_app_sdks_adjust_branch_onesignal():
    got = claimed("https://app.adjust.com/session", method="POST",
                  headers=[("Content-Type", "application/x-www-form-urlencoded")],
                  body=b"app_token=abc&gps_adid=38400000-8cf0-11bd-b23e-10b96e40000d&os_version=14&created_at=1")
    assert got["body gps_adid"] == {"advertisingId"} and "body app_token" not in got
    got = claimed("https://api2.branch.io/v1/open", method="POST", headers=[("Content-Type", "application/json")],
                  body=json.dumps({"hardware_id": "h1", "identity": "u1", "os": "Android"}).encode())
    assert got["body hardware_id"] == {"deviceId"} and got["body identity"] == {"userId"}
    got = claimed("https://onesignal.com/api/v1/players", method="POST",
                  headers=[("Content-Type", "application/json")],
                  body=json.dumps({"app_id": "x", "identifier": "tok", "ad_id": "aid", "device_model": "P8"}).encode())
    assert got["body identifier"] == {"pushNotificationToken"} and got["body ad_id"] == {"advertisingId"}


def test_tiktok_adobe_cookiebot_youtube():
    body = {"event": "Pageview", "pixel_code": "C1", "context": {"page": {"url": "https://portal.dk/x"},
                                                                 "user": {"email": "ab" * 32}}}
    got = claimed("https://analytics.tiktok.com/api/v2/pixel", method="POST",
                  headers=[("Content-Type", "application/json")], body=json.dumps(body).encode())
    assert got["body context.page.url"] == {"viewedPage"} and got["body context.user.email"] == {"emailAddress"}
    got = claimed("https://example.sc.omtrdc.net/b/ss/rsid/1/JS-2.22.0/s1?AQB=1&pageName=home&g=https%3A%2F%2F"
                  "portal.dk%2F&mid=123&AQE=1")
    assert got["query g"] == {"viewedPage"} and got["query mid"] == {"browserId"} and "query AQB" not in got
    got = claimed("https://consentcdn.cookiebot.com/logconsent/logconsent.ashx?action=accept&cbid=abc&clp=true"
                  "&referer=https%3A%2F%2Fportal.dk%2Fside")
    assert got["query referer"] == {"viewedPage"} and got["query clp"] == {"consentState"}
    got = claimed("https://www.youtube-nocookie.com/embed/abc?widget_referrer=https%3A%2F%2Fportal.dk%2Fsag",
                  headers=[("Cookie", "YSC=abc")])
    assert got["query widget_referrer"] == {"viewedPage"} and got["cookie YSC"] == {"sessionId"}


def test_referer_header_only_with_a_path():
    assert claimed("https://cdn.example.net/x.js", headers=[("Referer", "https://portal.dk/")]) == {}
    got = claimed("https://cdn.example.net/x.js", headers=[("Referer", "https://portal.dk/sag/1")])
    assert got == {"header referer": {"referer"}}


def test_decoders_claim_nothing_on_other_hosts_or_paths():
    assert claimed("https://www.example.dk/g/collect?dl=https%3A%2F%2Fa.dk%2Fx&cid=1") == {}
    assert claimed("https://www.google-analytics.com/analytics.js?dl=x") == {}


_names = st.sampled_from(["dl", "cid", "tid", "ud[em]", "id", "url", "_id", "e", "user.email", "x"])


@settings(max_examples=200, deadline=None)
@given(host=st.sampled_from(["www.google-analytics.com", "www.facebook.com", "k.clarity.ms", "app-measurement.com",
                             "graph.facebook.com", "stats.example.dk", "notify.bugsnag.com"]),
       path=st.sampled_from(["/g/collect", "/collect", "/tr/", "/a", "/v1/1/activities", "/matomo.php", "/"]),
       params=st.lists(st.tuples(_names, st.text(max_size=40)), max_size=8), body=st.binary(max_size=300))
def test_hostile_requests_to_decoded_endpoints_never_raise(host, path, params, body):
    from urllib.parse import urlencode

    parts = RequestParts("POST", host, f"{path}?{urlencode(params)}", (), body)
    for item in SCANNER.scan(parts):
        assert is_known(item.type) and item.where


@settings(max_examples=150, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                    lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=8), c, max_size=4),
                    max_leaves=20))
def test_hostile_decoder_files_give_decoders_or_a_clear_error(data):
    try:
        Decoders(parse_decoders({"version": 1, "decoders": [data]}, "h.yaml"))
    except ValueError as e:
        assert str(e).startswith("h.yaml")


def test_base64_blob_in_a_decoded_field_is_still_scanned():
    blob = base64.b64encode(b'{"email":"jens@x.dk"}').decode()
    items = SCANNER.scan(RequestParts("GET", "t.example", f"/p?d={blob}"))
    assert [(i.field, i.where, i.form) for i in items if i.source == "pattern"] == [
        ("email", "query d.email", "e-mail address (base64)")]
