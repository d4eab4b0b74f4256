"""Script-set cookies, identifier cookies and ID syncing, through Detectors over sequences of real flows."""

from __future__ import annotations

import pytest

from tredjepart.detect import Detectors
from tredjepart.detect.identifiers import detect_identifier_cookies, is_identifier_value, not_identifier_because
from tredjepart.shapes import value_shape
from tredjepart.detect.state import SessionState
from tredjepart.hashing import entropy
from tredjepart.observe import observe
from tredjepart.observe.signals import wire_signals

KEY = b"k" * 32
FIRST = "example-portal.dk"
YEAR = 365 * 86400
UID = "Xk29fLq0ZpA7mB3c"  # a tracker's identifier


class Walk:
    """A walkthrough: flows through observe, party by site, wire signals and one Detectors."""

    def __init__(self, session: str = "s1") -> None:
        self.detectors = Detectors()
        self.session = session
        self.t = 1_700_000_000.0

    def flow(self, factory, url, **kw):
        self.t += 1
        f = factory(url, timestamp=self.t, **kw)
        obs = observe(f, self.session, KEY)
        party = "first" if obs.flow.site == FIRST else "third"
        obs.flow.party = party
        for r in (*obs.cookies, *obs.scripts):
            r.party = party
        return obs, self.detectors.on_flow(obs, wire_signals(f, KEY, obs))


def kinds(result):
    return [(d.kind, d.signal) for d in result.detections]


# --- script-set cookies -----------------------------------------------------------------------------------------

def test_cookie_without_set_cookie_is_script_set_with_scripts_before(flow_factory):
    w = Walk()
    w.flow(flow_factory, "https://www.example-portal.dk/")
    script, _ = w.flow(flow_factory, "https://www.googletagmanager.com/gtag/js?id=G-1",
                       req_headers={"Sec-Fetch-Dest": "script"},
                       resp_headers={"Content-Type": "text/javascript"}, resp_body=b"var a;")
    obs, r = w.flow(flow_factory, "https://www.example-portal.dk/side2",
                    req_headers={"Cookie": "_ga=GA1.1.123456789.1700000000"})
    (d,) = r.detections
    assert (d.kind, d.signal) == ("js_cookie", "document.cookie") and d.evidence["cookie"] == "_ga"
    gtag = "https://www.googletagmanager.com/gtag/js?id="
    assert d.evidence["scripts_before"] == [{"flow_id": script.flow.id, "url": gtag, "site": "googletagmanager.com"}]
    assert "js_cookie" in r.behaviours
    _, again = w.flow(flow_factory, "https://www.example-portal.dk/side3",
                      req_headers={"Cookie": "_ga=GA1.1.123456789.1700000000"})
    assert again.detections == []  # once per session


def test_cookie_set_by_set_cookie_is_not_script_set(flow_factory):
    w = Walk()
    w.flow(flow_factory, "https://www.example-portal.dk/", resp_headers=[("Set-Cookie", "sid=abc; Path=/")])
    _, r = w.flow(flow_factory, "https://api.example-portal.dk/x", req_headers={"Cookie": "sid=abc"})
    assert r.detections == [] and "js_cookie" not in r.behaviours


def test_cookie_in_first_request_to_a_site_is_stale_not_script_set(flow_factory):
    w = Walk()
    _, r = w.flow(flow_factory, "https://www.example-portal.dk/", req_headers={"Cookie": "old=1"})
    assert kinds(r) == [("stale_cookie", "sent-in-first-request")]
    assert "js_cookie" not in r.behaviours
    _, r = w.flow(flow_factory, "https://www.example-portal.dk/2", req_headers={"Cookie": "old=1"})
    assert r.detections == []


def test_third_party_script_set_cookie_adds_behaviour_on_third_party_flow(flow_factory):
    w = Walk()
    w.flow(flow_factory, "https://widget.chat.com/frame")
    _, r = w.flow(flow_factory, "https://widget.chat.com/api", req_headers={"Cookie": "visitor=v1"})
    assert kinds(r) == [("js_cookie", "document.cookie")] and "js_cookie" in r.behaviours


# --- identifier cookies -----------------------------------------------------------------------------------------

def set_cookie(name, value, max_age=2 * YEAR):
    return [("Set-Cookie", f"{name}={value}; Max-Age={max_age}; Path=/; Secure; SameSite=None")]


def test_long_lived_high_entropy_third_party_cookie_is_an_identifier(flow_factory):
    w = Walk()
    w.flow(flow_factory, "https://www.example-portal.dk/")
    obs, r = w.flow(flow_factory, "https://ads.tracker.com/sync", resp_headers=set_cookie("uid", UID))
    (f,) = r.findings
    assert f.rule == "identifier-cookie" and f.severity == "warning" and f.site == "tracker.com"
    assert f.details["cookie"] == "uid" and f.details["value_shape"] == "base64"
    assert f.details["subject"] == "cookie:uid" and f.evidence == [obs.flow.id]
    assert UID not in repr(r)
    assert kinds(r) == [("identifier_cookie", "long-lived-high-entropy")]


@pytest.mark.parametrize("name, value", [
    ("CookieConsent", "{stamp:%27-1Jt7YJlWnT4H8R1fyb1QWl5g9Sa6jzxD1p0AiGKlHqLRr3cE1EhQ%3D%3D%27%2Cnecessary:true"
                      "%2Cpreferences:false%2Cstatistics:false%2Cmarketing:false%2Cmethod:%27explicit%27%2Cver:1}"),
    ("OptanonConsent", "isGpcEnabled=0&datestamp=Mon+Jan+01+2024+10%3A00%3A00&version=202401.1.0&consentId="
                       "3f2b8c1e-1111-4222-8333-444455556666&groups=C0001%3A1%2CC0002%3A0"),
    ("accepted", "true"),
    ("first_visit", "1712345678"),
    ("lang", "da-DK"),
    ("region", "eu-west-1"),
    ("seen", "1700000000123"),
    ("zeros", "0000000000000000"),
    ("csrftoken", "aZ3kq9LmP2xV7bN4cR8tY1wE6uI0oQ5s"),
])
def test_known_constants_are_not_identifiers(flow_factory, name, value):
    w = Walk()
    w.flow(flow_factory, "https://www.example-portal.dk/")
    _, r = w.flow(flow_factory, "https://ads.tracker.com/x", resp_headers=set_cookie(name, value))
    assert r.findings == [] and r.detections == []


def test_first_party_ga_cookie_is_not_a_third_party_identifier(flow_factory):
    w = Walk()
    # set by the portal itself (server-side tagging), long-lived and high-entropy: still first party
    _, r = w.flow(flow_factory, "https://www.example-portal.dk/",
                  resp_headers=set_cookie("_ga", "GA1.1.1234567890.1700000000"))
    assert r.findings == []
    # written by analytics.js (no Set-Cookie): a script-set cookie, not an identifier-cookie finding
    _, r = w.flow(flow_factory, "https://www.example-portal.dk/2", req_headers={"Cookie": "_gid=GA1.1.987.1700000000"})
    assert [f.rule for f in r.findings] == []


def test_short_lived_or_session_third_party_cookie_is_not_an_identifier(flow_factory):
    w = Walk()
    w.flow(flow_factory, "https://www.example-portal.dk/")
    _, r = w.flow(flow_factory, "https://ads.tracker.com/a", resp_headers=set_cookie("uid", UID, max_age=86400))
    assert r.findings == []
    _, r = w.flow(flow_factory, "https://ads.tracker.com/b", resp_headers=[("Set-Cookie", f"sess={UID}; Path=/")])
    assert r.findings == []


def test_identifier_finding_once_per_cookie(flow_factory):
    w = Walk()
    w.flow(flow_factory, "https://www.example-portal.dk/")
    _, r1 = w.flow(flow_factory, "https://ads.tracker.com/a", resp_headers=set_cookie("uid", UID))
    _, r2 = w.flow(flow_factory, "https://ads.tracker.com/b", resp_headers=set_cookie("uid", UID + "x"))
    assert len(r1.findings) == 1 and r2.findings == []


def test_identifier_value_rule_and_reasons():
    v = "3f2b8c1e-1111-4222-8333-444455556666"
    assert is_identifier_value("id", len(v), entropy(v), value_shape(v))
    assert not_identifier_because("OptanonConsent", 40, 4.0, "mixed") == "consent cookie"
    assert not_identifier_because("x", 7, 4.0, "base64").startswith("shorter")
    assert not_identifier_because("x", 16, 1.0, "numeric").startswith("entropy")
    assert not_identifier_because("x", 16, 4.0, "timestamp") == "shape timestamp"
    assert not_identifier_because("x", 16, 4.0, None) == "shape unknown"


def test_cookie_record_value_shape_field_wins_when_observe_stores_it(flow_factory):
    from types import SimpleNamespace

    f = flow_factory("https://ads.tracker.com/x", resp_headers=set_cookie("uid", UID))
    obs = observe(f, "s1", KEY)
    obs.flow.party = "third"
    rec = obs.cookies[0]
    fields = {name: getattr(rec, name) for name in rec.__slots__}
    obs.cookies = [SimpleNamespace(**{**fields, "party": "third", "value_shape": "boolean"})]
    assert detect_identifier_cookies(obs, wire_signals(f, KEY, obs), SessionState())[1] == []
    obs.cookies = [SimpleNamespace(**{**fields, "party": "third", "value_shape": "base64"})]
    assert len(detect_identifier_cookies(obs, None, SessionState())[1]) == 1


# --- ID syncing -------------------------------------------------------------------------------------------------

def test_third_party_identifier_sent_to_another_third_party_is_id_sync(flow_factory):
    w = Walk()
    w.flow(flow_factory, "https://www.example-portal.dk/")
    src, _ = w.flow(flow_factory, "https://ads.tracker.com/a", resp_headers=set_cookie("uid", UID))
    dst, r = w.flow(flow_factory, f"https://sync.partner.net/match?partner_uid={UID}&p=1")
    (f,) = r.findings
    assert f.rule == "id-sync" and f.site == "partner.net" and f.details["cookie"] == "uid"
    assert f.details["cookie_site"] == "tracker.com" and f.details["parameters"] == ["partner_uid"]
    assert f.evidence == [dst.flow.id, src.flow.id]
    (d,) = r.detections
    assert (d.kind, d.signal) == ("id_sync", "cookie-value-in-query")
    assert d.evidence["cookie_flow"] == src.flow.id and d.evidence["parameter"] == "partner_uid"
    assert UID not in repr(r)


def test_id_sync_of_a_part_in_the_path_and_in_a_body(flow_factory):
    w = Walk()
    w.flow(flow_factory, "https://www.example-portal.dk/")
    w.flow(flow_factory, "https://ads.tracker.com/a", resp_headers=set_cookie("uid", f"v2|{UID}|1700000000"))
    _, r = w.flow(flow_factory, f"https://sync.partner.net/u/{UID}/p.gif")
    assert [(d.kind, d.signal) for d in r.detections] == [("id_sync", "cookie-part-in-path")]
    _, r = w.flow(flow_factory, "https://collect.other.org/v1/batch", method="POST",
                  req_headers={"Content-Type": "application/json"}, req_body=b'{"ids": {"t": "%s"}}' % UID.encode())
    assert ("id_sync", "cookie-part-in-body") in kinds(r)


def test_first_party_script_cookie_sent_to_a_third_party_is_id_sync(flow_factory):
    w = Walk()
    w.flow(flow_factory, "https://www.example-portal.dk/")
    w.flow(flow_factory, "https://www.example-portal.dk/2", req_headers={"Cookie": "_ga=GA1.1.987654321.1700000000"})
    _, r = w.flow(flow_factory, "https://region1.google-analytics.com/g/collect?v=2&cid=987654321.1700000000",
                  status=204)
    (f,) = r.findings
    assert f.rule == "id-sync" and f.details["cookie_site"] == "example-portal.dk" and f.details["cookie"] == "_ga"
    assert ("beacon", "collect-endpoint") in kinds(r)


def test_same_site_and_first_party_destinations_are_not_id_sync(flow_factory):
    w = Walk()
    w.flow(flow_factory, "https://www.example-portal.dk/")
    w.flow(flow_factory, "https://ads.tracker.com/a", resp_headers=set_cookie("uid", UID))
    _, r = w.flow(flow_factory, f"https://px.tracker.com/p?u={UID}")
    assert [d.kind for d in r.detections if d.kind == "id_sync"] == []
    _, r = w.flow(flow_factory, f"https://www.example-portal.dk/callback?u={UID}")
    assert r.findings == []


def test_constants_and_timestamps_do_not_sync(flow_factory):
    w = Walk()
    w.flow(flow_factory, "https://www.example-portal.dk/")
    w.flow(flow_factory, "https://ads.tracker.com/a", resp_headers=set_cookie("seen", "1712345678"))
    w.flow(flow_factory, "https://ads.tracker.com/b", resp_headers=set_cookie("CookieConsent", UID))
    w.flow(flow_factory, "https://ads.tracker.com/c", resp_headers=set_cookie("short", UID, max_age=60))
    _, r = w.flow(flow_factory, f"https://sync.partner.net/m?a=1712345678&b={UID}")
    assert r.findings == []


def test_login_state_cookie_sent_to_the_login_provider_is_not_id_sync(flow_factory):
    w = Walk()
    w.flow(flow_factory, "https://www.example-portal.dk/")
    state = "aZ3kq9LmP2xV7bN4cR8tY1wE6uI0oQ5s"
    w.flow(flow_factory, "https://www.example-portal.dk/login", req_headers={"Cookie": f"oidc.state={state}"})
    _, r = w.flow(flow_factory, f"https://login.broker.dk/authorize?client_id=portal&state={state}&nonce=n1")
    assert r.findings == []


def test_id_sync_reported_once_per_destination_and_parameter(flow_factory):
    w = Walk()
    w.flow(flow_factory, "https://www.example-portal.dk/")
    w.flow(flow_factory, "https://ads.tracker.com/a", resp_headers=set_cookie("uid", UID))
    _, r1 = w.flow(flow_factory, f"https://sync.partner.net/m?u={UID}")
    _, r2 = w.flow(flow_factory, f"https://sync.partner.net/m?u={UID}")
    assert len(r1.findings) == 1 and r2.findings == []


def test_sessions_do_not_share_state(flow_factory):
    w = Walk("s1")
    w.flow(flow_factory, "https://www.example-portal.dk/")
    w.flow(flow_factory, "https://ads.tracker.com/a", resp_headers=set_cookie("uid", UID))
    w.session = "s2"
    w.flow(flow_factory, "https://www.example-portal.dk/")
    _, r = w.flow(flow_factory, f"https://sync.partner.net/m?u={UID}")
    assert r.findings == []
    w.detectors.end_session("s1")
    assert "s1" not in w.detectors._states
