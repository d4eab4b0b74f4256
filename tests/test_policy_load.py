"""Policy files: every validation problem with its line, and the valid example and templates."""

from __future__ import annotations

import textwrap
from datetime import date
from pathlib import Path

import pytest

from tredjepart.policy import (
    PolicyError,
    Problem,
    check_policies,
    check_policy,
    load_policies,
    load_policy,
    parse_policy,
    policy_for_host,
)
from tredjepart.policy.model import unfilled

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "policies" / "example-portal.yaml"
TEMPLATES = sorted((ROOT / "policies" / "templates").glob("*.yaml"))

VALID = """\
solution: Portal
owner: Agency
first_party: [portal.dk]
third_parties:
  - name: Stats
    sites: [stats.dk]
    basis: written_agreement
    agreement: {reference: DPA-1}
"""


def problems(text: str) -> list[tuple[int, str]]:
    _, found = parse_policy(textwrap.dedent(text), "p.yaml")
    return [(p.line, p.message) for p in found]


def only(text: str) -> tuple[int, str]:
    found = problems(text)
    assert len(found) == 1, found
    return found[0]


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


# --- the valid files ------------------------------------------------------------------------------------------


def test_valid_minimal_policy_loads():
    policy, found = parse_policy(VALID, "p.yaml")
    assert found == []
    assert policy.solution == "Portal" and policy.owner == "Agency"
    assert policy.first_party == ("portal.dk",)
    (stats,) = policy.third_parties
    assert (stats.name, stats.sites, stats.basis, stats.agreement.reference, stats.line) == (
        "Stats", ("stats.dk",), "written_agreement", "DPA-1", 5)


def test_example_policy_is_valid_and_complete():
    policy = load_policy(EXAMPLE)
    assert policy.solution == "Eksempelportalen"
    assert policy.path == EXAMPLE and policy.name == "example-portal"
    assert policy.is_first_party("www.example-portal.dk")
    assert {p.basis for p in policy.third_parties} == {"technically_necessary", "written_agreement", "opt_out"}
    stats = policy.party_for("cdn.stats-demo.dk")
    assert stats.agreement.signed == date(2024, 3, 1) and stats.agreement.expires == date(2027, 3, 1)
    video = policy.party_for("video-demo.dk")
    assert video.opt_out.verified == date(2025, 10, 1) and "cookie_set" not in video.allow
    assert unfilled(policy) == []


def test_the_policies_folder_loads_without_the_templates():
    solutions = [p.solution for p in load_policies(ROOT / "policies")]
    assert "Eksempelportalen" in solutions
    assert not any(s.startswith("FILL IN") for s in solutions)


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_every_template_is_a_valid_policy(path):
    assert check_policy(path) == []
    policy = load_policy(path)
    assert policy.third_parties
    assert "solution" in unfilled(policy)  # a template still says FILL IN where the authority must write


def test_templates_cover_the_common_danish_third_parties():
    policies = [load_policy(p) for p in TEMPLATES]
    hosts = ["consent.cookiebot.com", "consentcdn.cookiebot.com", "policy.app.cookieinformation.com",
             "siteimproveanalytics.com", "siteimproveanalytics.io", "www.youtube-nocookie.com", "player.vimeo.com",
             "x.videomarketingplatform.co", "www.dreambroker.com", "nemlog-in.mitid.dk", "login.nemlog-in.dk",
             "api.dataforsyningen.dk", "maps.googleapis.com", "x.piwik.pro", "x.matomo.cloud"]
    for host in hosts:
        assert any(p.party_for(host) for p in policies), host
    mitid = next(p.party_for("mitid.dk") for p in policies if p.party_for("mitid.dk"))
    assert mitid.basis == "technically_necessary"


def test_yaml_and_iso_string_dates_are_both_accepted():
    policy, found = parse_policy(VALID.replace("{reference: DPA-1}",
                                               '{reference: DPA-1, signed: "2024-03-01", expires: 2025-03-01}'), "p")
    assert found == []
    agreement = policy.third_parties[0].agreement
    assert (agreement.signed, agreement.expires) == (date(2024, 3, 1), date(2025, 3, 1))


def test_optional_extras_and_empty_third_parties():
    policy, found = parse_policy("version: 1\nsolution: S\nfirst_party: [portal.dk]\napp_ids: [dk.portal.app]\n"
                                 "contact: a@b.dk\nnotes: n\nthird_parties:\n", "p")
    assert found == []
    assert policy.app_ids == ("dk.portal.app",) and policy.contact == "a@b.dk" and policy.third_parties == ()


def test_merge_keys_are_honoured():
    text = """\
    solution: S
    first_party: [portal.dk]
    third_parties:
      - &base
        name: A
        sites: [a.dk]
        basis: technically_necessary
        purpose: login
      - <<: *base
        name: B
        sites: [b.dk]
    """
    policy, found = parse_policy(textwrap.dedent(text), "p")
    assert found == []
    assert [(p.name, p.purpose) for p in policy.third_parties] == [("A", "login"), ("B", "login")]


# --- one problem each -----------------------------------------------------------------------------------------


def test_unknown_key_with_did_you_mean():
    assert only("solution: S\nfirst_party: [p.dk]\nthird_partys: []\n") == (
        3, "unknown key 'third_partys'; did you mean 'third_parties'?")


def test_unknown_key_without_a_close_match_lists_the_keys():
    line, message = only("solution: S\nfirst_party: [p.dk]\nzzz: 1\n")
    assert line == 3 and message.startswith("unknown key 'zzz'; expected one of: version, solution")


def test_unknown_key_in_a_party_and_in_an_agreement():
    found = problems(VALID.replace("    basis:", "    purpse: x\n    basis:").replace("reference: DPA-1",
                                                                                   "reference: DPA-1, expiry: 1"))
    assert found == [
        (7, "unknown key 'purpse' in third party 'Stats'; did you mean 'purpose'?"),
        (9, "unknown key 'expiry' in the agreement of third party 'Stats'; did you mean 'expires'?"),
    ]


def test_missing_basis():
    line, message = only(VALID.replace("    basis: written_agreement\n", ""))
    assert line == 5 and message == ("third party 'Stats' has no 'basis'; give one of: technically_necessary, "
                                     "written_agreement, opt_out")


def test_unknown_basis_with_did_you_mean():
    found = problems(VALID.replace("basis: written_agreement", "basis: writen_agreement"))
    assert found == [(7, "unknown basis 'writen_agreement' for third party 'Stats'; did you mean "
                         "'written_agreement'?")]


def test_technically_necessary_needs_a_purpose():
    line, message = only(VALID.replace("written_agreement", "technically_necessary"))
    assert line == 5 and "technically_necessary but has no 'purpose'" in message


def test_written_agreement_needs_a_reference():
    line, message = only(VALID.replace("{reference: DPA-1}", "{signed: 2024-01-01}"))
    assert line == 8 and "basis written_agreement but no agreement.reference" in message
    line, message = only(VALID.replace("    agreement: {reference: DPA-1}\n", ""))
    assert line == 5 and "no agreement.reference" in message


def test_opt_out_needs_setting_and_verified():
    text = VALID.replace("written_agreement", "opt_out").replace("agreement: {reference: DPA-1}", "opt_out: {}")
    found = problems(text)
    assert [line for line, _ in found] == [8, 8]
    assert "no opt_out.setting" in found[0][1] and "no opt_out.verified" in found[1][1]
    found = problems(text.replace("opt_out: {}", "opt_out: {setting: 'Privacy > off', verified: 2025-01-02}"))
    assert found == []


@pytest.mark.parametrize("value, reason", [
    ("2024-13-01", "'2024-13-01' is not a valid date (month must be in 1..12)"),
    ('"2024-02-30"', "'2024-02-30' is not a valid date (day is out of range for month)"),
    ("next year", "'next year' is not a date"),
    ("01-03-2024", "'01-03-2024' is not a date"),
    ("[2024]", "must be a date, not a list"),
])
def test_malformed_dates(value, reason):
    line, message = only(VALID.replace("{reference: DPA-1}", f"\n      reference: R\n      expires: {value}"))
    assert line == 10
    assert message.startswith("agreement.expires of third party 'Stats'")
    assert reason in message and message.endswith("write it as YYYY-MM-DD")


def test_malformed_verified_date_is_reported_once():
    text = VALID.replace("written_agreement", "opt_out").replace(
        "agreement: {reference: DPA-1}", "opt_out: {setting: s, verified: soon}")
    assert only(text) == (8, "opt_out.verified of third party 'Stats': 'soon' is not a date; write it as YYYY-MM-DD")


def test_expires_before_signed():
    text = VALID.replace("{reference: DPA-1}", "\n      reference: R\n      signed: 2024-03-01\n"
                                                "      expires: 2023-01-01")
    assert only(text) == (11, "agreement.expires (2023-01-01) of third party 'Stats' is before agreement.signed "
                              "(2024-03-01)")


def test_same_site_under_two_parties():
    text = VALID + "  - name: Other\n    sites: [x.dk, STATS.dk]\n    basis: technically_necessary\n    purpose: p\n"
    assert only(text) == (10, "site 'STATS.dk' is declared under both 'Stats' (line 6) and third party 'Other'; "
                              "a site belongs to one party")


def test_same_site_twice_in_one_party():
    line, message = only(VALID.replace("[stats.dk]", "[stats.dk, stats.dk]"))
    assert line == 6 and "declared twice in third party 'Stats'" in message


def test_site_both_first_and_third_party():
    found = problems(VALID.replace("[stats.dk]", "[stats.dk, portal.dk, cdn.portal.dk, '*.img.portal.dk']"))
    assert [line for line, _ in found] == [6, 6, 6]
    assert found[0][1] == ("site 'portal.dk' of third party 'Stats' is also first party ('portal.dk', line 3); "
                           "first-party hosts are never judged as third party")
    assert "'cdn.portal.dk'" in found[1][1] and "'*.img.portal.dk'" in found[2][1]


def test_a_more_specific_glob_outside_first_party_is_fine():
    assert problems(VALID.replace("[stats.dk]", "[stats.dk, '*.cdn-portal.dk']")) == []


@pytest.mark.parametrize("pattern, reason", [
    ("https://stats.dk/", "looks like a URL"),
    ("stats.dk:443", "has a port or scheme"),
    ("*", "would match every host"),
    ("stats dk", "cannot appear in a host name"),
    ("[abc.dk", "unbalanced '['"),
    ("dk", "'dk' is a public suffix"),
    ("*.dk", "covers every site under the public suffix 'dk'"),
    ("github.io", "'github.io' is a public suffix"),
])
def test_invalid_site_patterns(pattern, reason):
    line, message = only(VALID.replace("[stats.dk]", f"['{pattern}']"))
    assert line == 6 and message.startswith("sites of third party 'Stats': ") and reason in message


def test_invalid_first_party_pattern():
    line, message = only(VALID.replace("[portal.dk]", "[portal.dk, 'http://x.dk']"))
    assert line == 3 and message.startswith("first_party: 'http://x.dk' looks like a URL")


def test_unknown_allow_kind():
    found = problems(VALID.replace("basis:", "allow: [script, scirpt, cookie]\n    basis:"))
    assert found == [(7, "unknown kind 'scirpt' in 'allow' of third party 'Stats'; did you mean 'script'?"),
                     (7, "unknown kind 'cookie' in 'allow' of third party 'Stats'; did you mean 'js_cookie', "
                         "'cookie_set' or 'cookie_sent'?")]


def test_empty_allow_list():
    line, message = only(VALID.replace("basis:", "allow: []\n    basis:"))
    assert line == 7 and "'allow' of third party 'Stats' is empty" in message


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "---\n", "null\n"])
def test_empty_file(text):
    line, message = only(text)
    assert line == 1 and message.startswith("the file is empty")


def test_yaml_syntax_error_line():
    assert only("solution: S\nfirst_party: [portal.dk\nthird_parties: []\n") == (
        3, "YAML syntax error: expected ',' or ']', but got ':' (while parsing a flow sequence started at line 2)")


def test_yaml_syntax_error_on_a_tab():
    line, message = only("solution: S\nfirst_party:\n\t- portal.dk\n")
    assert line == 3 and "YAML syntax error" in message


def test_two_yaml_documents_are_an_error():
    line, message = only(VALID + "---\nsolution: T\n")
    assert (line, message) == (9, "YAML syntax error: a second document starts here ('---'); a policy file holds "
                                  "one document")


@pytest.mark.parametrize("text, what", [("- a\n- b\n", "a list"), ("just text\n", "text")])
def test_not_a_mapping(text, what):
    assert only(text) == (1, f"a policy must be a mapping of keys (solution:, first_party:, third_parties:, ...), "
                             f"not {what}")


def test_missing_solution_and_first_party():
    found = problems("owner: A\nthird_parties: []\n")
    assert found == [
        (1, "missing 'solution': the name of the self-service solution or app"),
        (1, "missing 'first_party': list the sites or host globs that belong to the solution, "
            "e.g. [example-portal.dk]"),
    ]


def test_empty_solution_and_first_party():
    found = problems("solution:\nfirst_party: []\n")
    assert [(line, message.split(":")[0]) for line, message in found] == [
        (1, "'solution' is empty"), (2, "'first_party' is empty")]


def test_third_parties_not_a_list():
    assert only("solution: S\nfirst_party: [p.dk]\nthird_parties:\n  name: A\n") == (
        4, "'third_parties' must be a list of entries, each starting with '- name: ...'; found a mapping")


def test_a_party_that_is_not_a_mapping():
    assert only("solution: S\nfirst_party: [p.dk]\nthird_parties:\n  - stats.dk\n") == (
        4, "third party #1 must be a mapping with name, sites and basis, not text")


def test_sites_not_a_list_of_strings():
    assert only(VALID.replace("[stats.dk]", "stats.dk")) == (
        6, "'sites' of third party 'Stats' must be a list, e.g. [stats.example]; found text")
    assert only(VALID.replace("[stats.dk]", "[stats.dk, {a: b}]")) == (
        6, "each item of 'sites' of third party 'Stats' must be text, not a mapping")
    line, message = only(VALID.replace("    sites: [stats.dk]\n", ""))
    assert line == 5 and message.startswith("third party 'Stats' has no 'sites'")


def test_first_party_not_a_list():
    line, message = only("solution: S\nfirst_party: portal.dk\n")
    assert line == 2 and message.startswith("'first_party' must be a list")


def test_missing_party_name_and_duplicate_names():
    found = problems(VALID.replace("  - name: Stats\n    sites", "  - sites"))
    assert found == [(5, "third party #1 has no 'name': say who the third party is")]
    text = VALID + "  - name: Stats\n    sites: [x.dk]\n    basis: technically_necessary\n    purpose: p\n"
    assert only(text) == (9, "third party 'Stats' is declared twice (also at line 5)")


def test_duplicate_keys_at_every_level():
    text = """\
    solution: S
    first_party: [portal.dk]
    solution: T
    third_parties:
      - name: Stats
        sites: [stats.dk]
        basis: written_agreement
        agreement:
          reference: A
          reference: B
        basis: written_agreement
    """
    assert problems(text) == [
        (3, "duplicate key 'solution' (also at line 1); YAML would silently keep only the last one"),
        (10, "duplicate key 'reference' in the agreement of third party 'Stats' (also at line 9); "
             "YAML would silently keep only the last one"),
        (11, "duplicate key 'basis' in third party 'Stats' (also at line 7); "
             "YAML would silently keep only the last one"),
    ]


def test_unsupported_version():
    assert only("version: 2\nsolution: S\nfirst_party: [p.dk]\n") == (
        1, "unsupported version 2; this tredjepart reads version 1")


def test_agreement_not_a_mapping():
    line, message = only(VALID.replace("{reference: DPA-1}", "DPA-1"))
    assert line == 8 and message.startswith("'agreement' of third party 'Stats' must be a mapping")


def test_every_problem_is_reported_at_once_sorted_by_line():
    text = """\
    solutoin: S
    first_party: [portal.dk]
    third_parties:
      - name: A
        sites: [a.dk]
        basis: techincally_necessary
      - name: B
        sites: [b.dk]
        basis: opt_out
        allow: [pixle]
    """
    assert [line for line, _ in problems(text)] == [1, 1, 6, 7, 7, 10]


# --- files and folders ----------------------------------------------------------------------------------------


def test_missing_file(tmp_path):
    path = tmp_path / "nope.yaml"
    assert check_policy(path) == [Problem(str(path), 0, "file not found")]
    with pytest.raises(PolicyError) as e:
        load_policy(path)
    assert str(e.value) == f"{path}:0: file not found"


def test_not_utf8(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_bytes(b"solution: S\nowner: \xe6tat\n")
    (problem,) = check_policy(path)
    assert problem.line == 2 and "not UTF-8" in problem.message


def test_policy_error_lists_every_problem_as_file_line_message(tmp_path):
    path = write(tmp_path, "p.yaml", "solutoin: S\nfirst_party: [p.dk]\nthird_parties: {}\n")
    with pytest.raises(PolicyError) as e:
        load_policy(path)
    assert isinstance(e.value, ValueError)
    assert str(e.value).splitlines() == [
        f"{path}:1: unknown key 'solutoin'; did you mean 'solution'?",
        f"{path}:1: missing 'solution': the name of the self-service solution or app",
        f"{path}:3: 'third_parties' must be a list of entries, each starting with '- name: ...'; found a mapping",
    ]


def test_load_policies_from_a_folder(tmp_path):
    write(tmp_path, "a.yaml", VALID)
    write(tmp_path, "b.yml", "solution: Other\nfirst_party: [other.dk]\n")
    write(tmp_path, "notes.txt", "not a policy")
    (tmp_path / "templates").mkdir()
    write(tmp_path / "templates", "t.yaml", "broken: [")
    policies = load_policies(tmp_path)
    assert [p.solution for p in policies] == ["Portal", "Other"]
    assert policy_for_host(policies, "www.other.dk").solution == "Other"
    assert policy_for_host(policies, "portal.dk").solution == "Portal"
    assert policy_for_host(policies, "stats.dk") is None
    assert load_policies(tmp_path / "a.yaml")[0].solution == "Portal"


def test_load_policies_lists_the_problems_of_every_file(tmp_path):
    a = write(tmp_path, "a.yaml", "solution: A\n")
    b = write(tmp_path, "b.yaml", "solution: B\nfirst_party: [b.dk]\nowner: [x]\n")
    write(tmp_path, "c.yaml", VALID)
    with pytest.raises(PolicyError) as e:
        load_policies(tmp_path)
    assert [(p.file, p.line) for p in e.value.problems] == [(str(a), 1), (str(b), 3)]


def test_clashes_between_files_of_a_folder(tmp_path):
    write(tmp_path, "a.yaml", VALID)
    b = write(tmp_path, "b.yaml", "# another\nsolution: Portal\nfirst_party:\n  - other.dk\n  - PORTAL.dk\n")
    policies, found = check_policies(tmp_path)
    assert len(policies) == 2
    assert [(p.file, p.line) for p in found] == [(str(b), 2), (str(b), 5)]
    assert "solution 'Portal' is also the name in" in found[0].message
    assert "first-party site 'portal.dk' is also first party in" in found[1].message


def test_empty_folder(tmp_path):
    with pytest.raises(PolicyError, match="no policy files"):
        load_policies(tmp_path)


# --- matching -------------------------------------------------------------------------------------------------


def test_party_for_prefers_the_most_specific_pattern():
    text = """\
    solution: S
    first_party: [portal.dk, "*.login.portal-sso.dk"]
    third_parties:
      - {name: Google, sites: ["*.google.com"], basis: written_agreement, agreement: {reference: G}}
      - {name: Maps, sites: [maps.google.com], basis: technically_necessary, purpose: map}
      - {name: Tiles, sites: ["*.tiles.maps.google.com"], basis: technically_necessary, purpose: tiles}
      - {name: Stats, sites: [stats.dk], basis: written_agreement, agreement: {reference: S}}
    """
    policy, found = parse_policy(textwrap.dedent(text), "p")
    assert found == []
    assert policy.party_for("www.google.com").name == "Google"
    assert policy.party_for("maps.google.com").name == "Maps"
    assert policy.party_for("a.maps.google.com").name == "Maps"
    assert policy.party_for("a.tiles.maps.google.com").name == "Tiles"
    assert policy.party_for("google.com") is None
    assert policy.party_for("WWW.Stats.DK.").name == "Stats"
    assert policy.party_for("notstats.dk") is None
    assert policy.is_first_party("portal.dk") and policy.is_first_party("a.login.portal-sso.dk")
    assert not policy.is_first_party("portal-sso.dk")
    assert policy.party_for("www.google.com") is policy.party_for("www.google.com")  # cached


def test_policy_for_host_prefers_the_most_specific_first_party(tmp_path):
    write(tmp_path, "a.yaml", "solution: Umbrella\nfirst_party: [borger.dk]\n")
    write(tmp_path, "b.yaml", "solution: Tax\nfirst_party: [skat.borger.dk]\n")
    policies = load_policies(tmp_path)
    assert policy_for_host(policies, "www.skat.borger.dk").solution == "Tax"
    assert policy_for_host(policies, "www.borger.dk").solution == "Umbrella"


def test_choose_policy_by_name_then_single_then_first_page(tmp_path):
    from tredjepart.policy import choose_policy, parse_policy

    a, _ = parse_policy("solution: A portal\nfirst_party: [a-portal.dk]\n", "a.yaml", tmp_path / "a.yaml")
    b, _ = parse_policy("solution: B portal\nfirst_party: [b-portal.dk]\n", "b.yaml", tmp_path / "b.yaml")
    assert choose_policy([], "A portal", "www.a-portal.dk") is None
    assert choose_policy([a, b], "B portal", "www.a-portal.dk") is b  # named wins over the first page
    assert choose_policy([a, b], "b", None) is b  # by file name
    assert choose_policy([a], None, "elsewhere.dk") is a  # the only one
    assert choose_policy([a, b], None, "login.b-portal.dk") is b
    assert choose_policy([a, b], None, None) is None
