"""Judging third-party flows: every rule, positive and negative, with records built directly."""

from __future__ import annotations

import textwrap
from datetime import UTC, date, datetime

import pytest

from tredjepart.record.findings import FindingSet
from tredjepart.policy import NO_VERDICT, judge_flow, parse_policy
from tredjepart.rules import RULES
from tredjepart.policy.model import OptOut, Policy, ThirdParty
from tredjepart.records import CookieRecord, FlowRecord
from tredjepart.sites import site_of

POLICY_TEXT = """\
solution: Portal
owner: Agency
first_party: [portal.dk]
third_parties:
  - name: Login
    sites: [mitid.dk]
    basis: technically_necessary
    purpose: log-in
  - name: Consent
    sites: [consent.dk]
    basis: technically_necessary
    purpose: consent banner
    allow: [script, xhr, image, beacon, cookie_set, cookie_sent]
  - name: Stats
    sites: [stats.dk]
    basis: written_agreement
    agreement: {reference: DPA-7, signed: 2024-01-01, expires: 2025-03-31}
  - name: Video
    sites: [video.dk]
    basis: opt_out
    opt_out: {setting: "Privacy > off", verified: 2024-06-01}
    allow: [document, script, media]
"""


@pytest.fixture(scope="module")
def policy() -> Policy:
    p, problems = parse_policy(textwrap.dedent(POLICY_TEXT), "p.yaml")
    assert problems == []
    return p


def ts(y: int, m: int, d: int, h: int = 12) -> float:
    return datetime(y, m, d, h, tzinfo=UTC).timestamp()


def flow(host: str, kind: str = "script", *, party: str = "third", when: float | None = None,
         flow_id: str = "f1") -> FlowRecord:
    return FlowRecord(
        id=flow_id, mitm_id="m" + flow_id, started=ts(2025, 3, 1) if when is None else when, method="GET",
        url=f"https://{host}/x", scheme="https", host=host, port=443, path="/x", query_names=(),
        site=site_of(host), kind=kind, client="browser", party=party, session_id="s1",
    )


def cookie(name: str = "id", lifetime: int | None = None, direction: str = "set", host: str = "consent.dk"):
    return CookieRecord(id="c-" + name, flow_id="f1", direction=direction, name=name, host=host,
                        site=site_of(host), value_hash="h", value_length=10, value_entropy=3.0, lifetime=lifetime)


def rules(findings) -> list[str]:
    return [f.rule for f in findings]


# --- what is judged ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("party", ["first", "background", None])
def test_only_third_party_flows_are_judged(policy, party):
    assert judge_flow(flow("tracker.example", party=party), {"script"}, policy, []) == (NO_VERDICT, [])
    assert NO_VERDICT.covered is None and NO_VERDICT.reason is None


def test_a_declared_party_is_covered(policy):
    verdict, findings = judge_flow(flow("www.stats.dk"), {"script"}, policy, [])
    assert findings == []
    assert (verdict.covered, verdict.party_name, verdict.basis) == (True, "Stats", "written_agreement")
    assert verdict.reason == "declared as 'Stats': written agreement DPA-7"


def test_every_rule_has_a_known_severity():
    assert {r.severity for r in RULES.values()} <= {"error", "warning", "info"}


# --- undeclared-third-party ---------------------------------------------------------------------------------


def test_undeclared_third_party(policy):
    f = flow("cdn.tracker-demo.dk", "script", when=ts(2025, 3, 1))
    verdict, findings = judge_flow(f, {"script", "cookie_set"}, policy, [])
    assert verdict.covered is False and verdict.party_name is None and verdict.basis is None
    assert verdict.reason == "tracker-demo.dk is not declared in the policy of Portal"
    (finding,) = findings
    assert (finding.rule, finding.severity, finding.site, finding.host) == (
        "undeclared-third-party", "error", "tracker-demo.dk", None)
    assert finding.evidence == ["f1"] and finding.first_seen == finding.last_seen == f.started
    assert finding.session_id == "s1"
    assert finding.message == (
        "Third party tracker-demo.dk is not declared in the policy of Portal (no technically necessary purpose, "
        "written agreement or opt-out); first seen: a script from cdn.tracker-demo.dk, with a cookie it set.")
    assert finding.details["hosts"] == ["cdn.tracker-demo.dk"]
    assert finding.details["kinds"] == ["cookie_set", "script"]


def test_undeclared_without_any_policy():
    verdict, findings = judge_flow(flow("tracker-demo.dk", "image"), {"image"}, None, [])
    assert verdict.covered is False and "no policy applies" in verdict.reason
    (finding,) = findings
    assert finding.rule == "undeclared-third-party"
    assert finding.message.startswith("Third party tracker-demo.dk was used without any policy covering this "
                                      "session; first seen: an image from tracker-demo.dk")


def test_a_declared_site_is_not_undeclared(policy):
    assert "undeclared-third-party" not in rules(judge_flow(flow("login.mitid.dk"), {"document"}, policy, [])[1])


# --- kind-not-allowed ---------------------------------------------------------------------------------------------


def test_kind_not_allowed(policy):
    verdict, findings = judge_flow(flow("video.dk", "image"), {"image", "pixel"}, policy, [])
    assert verdict.covered is False
    assert verdict.reason == "declared as 'Video', but kind 'image' is not allowed for it"
    assert rules(findings) == ["kind-not-allowed", "kind-not-allowed"]
    image, pixel = findings
    assert (image.severity, image.site, image.host, image.details["subject"]) == ("error", "video.dk", None, "image")
    assert pixel.details["subject"] == "pixel"
    assert pixel.message == ("Video (video.dk) was seen with a tracking pixel (kind 'pixel'), which its policy "
                             "entry does not allow (allowed: document, media, script); first seen at video.dk.")
    assert image.key != pixel.key


def test_cookies_count_as_behaviours(policy):
    _, findings = judge_flow(flow("video.dk", "script"), {"script"}, policy, [cookie("vid", 60, host="video.dk")])
    assert [f.details["subject"] for f in findings] == ["cookie_set"]


def test_allowed_kinds_and_parties_without_allow_are_fine(policy):
    assert judge_flow(flow("video.dk", "media"), {"media"}, policy, [])[1] == []
    assert judge_flow(flow("stats.dk", "image"), {"image", "pixel", "sdk"}, policy, [])[1] == []


# --- agreement-expired ----------------------------------------------------------------------------------------------


def test_agreement_expired(policy):
    verdict, findings = judge_flow(flow("stats.dk", when=ts(2025, 4, 1, 0)), {"script"}, policy, [])
    assert verdict.covered is False and verdict.party_name == "Stats"
    assert verdict.reason == "declared as 'Stats', but its agreement expired on 2025-03-31"
    (finding,) = findings
    assert (finding.rule, finding.severity, finding.site) == ("agreement-expired", "error", "stats.dk")
    assert finding.message == ("The written agreement with Stats (DPA-7) expired on 2025-03-31, but stats.dk was "
                               "still used on 2025-04-01.")
    assert finding.details["expires"] == "2025-03-31"


def test_agreement_holds_through_its_expiry_day(policy):
    verdict, findings = judge_flow(flow("stats.dk", when=ts(2025, 3, 31, 23)), {"script"}, policy, [])
    assert findings == [] and verdict.covered is True


def test_agreement_without_expiry_never_expires():
    party = ThirdParty("S", ("stats.dk",), "written_agreement", agreement=None)
    policy = Policy(None, "P", None, ("portal.dk",), (party,))
    assert judge_flow(flow("stats.dk", when=ts(2099, 1, 1)), {"script"}, policy, [])[1] == []


# --- opt-out-unverified ---------------------------------------------------------------------------------------------


def test_opt_out_verified_more_than_a_year_ago(policy):
    verdict, findings = judge_flow(flow("video.dk", when=ts(2025, 6, 2)), {"script"}, policy, [])
    assert verdict.covered is True  # a warning does not uncover the flow
    (finding,) = findings
    assert (finding.rule, finding.severity) == ("opt-out-unverified", "warning")
    assert finding.message == ("The opt-out setting of Video (Privacy > off) was last verified on 2024-06-01, "
                               "366 days before this traffic (2025-06-02); verify it at least once a year.")


def test_opt_out_verified_within_a_year(policy):
    assert judge_flow(flow("video.dk", when=ts(2025, 6, 1)), {"script"}, policy, [])[1] == []


def test_opt_out_never_verified():
    party = ThirdParty("V", ("video.dk",), "opt_out", opt_out=OptOut("Privacy > off", None))
    policy = Policy(None, "P", None, ("portal.dk",), (party,))
    (finding,) = judge_flow(flow("video.dk"), {"script"}, policy, [])[1]
    assert finding.rule == "opt-out-unverified"
    assert finding.message == "The opt-out setting of V (Privacy > off) has never been verified."


# --- necessary-but-tracking ---------------------------------------------------------------------------------------


def test_necessary_party_with_a_cookie_longer_than_a_year(policy):
    long = cookie("consent", 366 * 86400)
    verdict, findings = judge_flow(flow("consent.dk"), {"script"}, policy, [long])
    assert verdict.covered is True
    (finding,) = findings
    assert (finding.rule, finding.severity, finding.details["subject"]) == (
        "necessary-but-tracking", "warning", "cookie:consent")
    assert finding.message == ("Consent is declared technically necessary (consent banner), but consent.dk sets "
                               "cookie 'consent' that lives 366 days, longer than a year.")


@pytest.mark.parametrize("c", [
    cookie("a", 365 * 86400),  # exactly a year is fine
    cookie("b", None),  # a session cookie
    cookie("c", 10 * 365 * 86400, direction="sent"),  # sent cookies have no lifetime of their own
])
def test_necessary_party_with_acceptable_cookies(policy, c):
    assert judge_flow(flow("consent.dk"), {"script"}, policy, [c])[1] == []


@pytest.mark.parametrize("kind", ["beacon", "ping", "pixel"])
def test_necessary_party_that_is_sent_beacons(policy, kind):
    findings = judge_flow(flow("login.mitid.dk", "image"), {"image", kind}, policy, [])[1]
    assert [(f.rule, f.details["subject"]) for f in findings] == [("necessary-but-tracking", kind)]


def test_beacon_kind_of_the_request_itself(policy):
    findings = judge_flow(flow("consent.dk", "beacon"), set(), policy, [])[1]
    assert [(f.rule, f.details["subject"]) for f in findings] == [("necessary-but-tracking", "beacon")]


def test_tracking_rules_only_apply_to_technically_necessary(policy):
    long = cookie("uid", 2 * 365 * 86400, host="stats.dk")
    assert judge_flow(flow("stats.dk", "beacon"), {"beacon"}, policy, [long])[1] == []


# --- aggregation ----------------------------------------------------------------------------------------------------


def test_findings_aggregate_one_per_problem_per_session(policy):
    fs = FindingSet()
    new = []
    for i, host in enumerate(["a.tracker-demo.dk", "b.tracker-demo.dk", "a.tracker-demo.dk", "other-demo.dk"]):
        _, findings = judge_flow(flow(host, flow_id=f"f{i}", when=ts(2025, 3, 1, 10 + i)), {"script"}, policy, [])
        new += [fs.add(f) for f in findings]
    assert new == [True, False, False, True]
    tracker, other = fs.findings()
    assert (tracker.site, tracker.count, tracker.evidence) == ("tracker-demo.dk", 3, ["f0", "f1", "f2"])
    assert (tracker.first_seen, tracker.last_seen) == (ts(2025, 3, 1, 10), ts(2025, 3, 1, 12))
    assert tracker.details["hosts"] == ["a.tracker-demo.dk", "b.tracker-demo.dk"]
    assert other.count == 1


def test_kind_findings_aggregate_per_kind(policy):
    fs = FindingSet()
    for i, kinds in enumerate([{"image", "pixel"}, {"image"}, {"pixel"}]):
        for f in judge_flow(flow("video.dk", "image", flow_id=f"f{i}"), kinds, policy, [])[1]:
            fs.add(f)
    assert sorted((f.details["subject"], f.count) for f in fs.findings()) == [("image", 3), ("pixel", 2)]


def test_flow_date_is_utc():
    from tredjepart.policy.judge import flow_date

    assert flow_date(flow("x.dk", when=ts(2025, 1, 1, 0))) == date(2025, 1, 1)
