"""Policies are outside input too: limits on size, parties, nesting and values, each a FILE:LINE problem (never a
traceback, never minutes of parsing), and hostile YAML of any shape gives problems, not exceptions."""

from __future__ import annotations

import time

import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tredjepart.cli import main
from tredjepart.policy import check_policy
from tredjepart.policy.limits import MAX_BYTES, MAX_DEPTH, MAX_NODES, MAX_PARTIES
from tredjepart.policy.parse import parse_policy

HEAD = "solution: Demo\nfirst_party: [example-portal.dk]\n"


def parties(n: int) -> str:
    return HEAD + "third_parties:\n" + "".join(
        f"  - name: Party {i}\n    sites: [t{i}.tracker-demo.com]\n    basis: written_agreement\n"
        f"    agreement: {{reference: A-{i}}}\n" for i in range(n))


def test_deep_nesting_is_a_file_line_problem_not_a_recursion_error(tmp_path):
    block = HEAD + "notes:\n" + "".join("  " * i + "-\n" for i in range(1, 300))
    flow = HEAD + "third_parties: " + "[" * 200_000 + "]" * 200_000 + "\n"
    for name, text, line in (("block.yaml", block, 3 + MAX_DEPTH), ("flow.yaml", flow, 3)):
        path = tmp_path / name
        path.write_text(text)
        r = CliRunner().invoke(main, ["policy", "check", str(path)])
        assert r.exit_code == 2 and isinstance(r.exception, SystemExit), r.exception
        assert f"{path}:{line}: nested more than {MAX_DEPTH} levels deep" in r.stderr


def test_a_policy_over_the_size_limit_is_not_parsed(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text(parties(1) + "notes: |\n" + "  x\n" * (MAX_BYTES // 4 + 1))
    started = time.perf_counter()
    (problem,) = check_policy(path)
    assert time.perf_counter() - started < 5
    assert problem.line == 0 and f"a policy may be at most {MAX_BYTES:,} bytes" in problem.message


def test_too_many_parties_and_too_many_values(tmp_path):
    (problem,) = parse_policy(parties(MAX_PARTIES + 1), "p.yaml")[1]
    assert problem.line == 4 and f"has {MAX_PARTIES + 1:,} entries" in problem.message
    many = HEAD + "app_ids: [" + ", ".join(f"a{i}" for i in range(MAX_NODES)) + "]\n"
    (problem,) = parse_policy(many, "p.yaml")[1]
    assert problem.line == 3 and f"more than {MAX_NODES:,} values" in problem.message


def test_a_policy_at_the_limit_of_parties_is_read():
    policy, problems = parse_policy(parties(MAX_PARTIES), "p.yaml")
    assert problems == [] and len(policy.third_parties) == MAX_PARTIES


def test_alias_bombs_stay_small():
    lol = HEAD + "notes: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"app_ids{i}: &a{i} [{', '.join(['*a' if i == 0 else f'*a{i - 1}'] * 9)}]\n" for i in range(9))
    started = time.perf_counter()
    policy, problems = parse_policy(lol, "p.yaml")
    assert policy is None and problems and time.perf_counter() - started < 5


YAML_VALUE = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20), st.dates()),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.sampled_from(["name", "sites", "basis", "agreement", "reference",
                                                             "<<", "x", "solution", "first_party"]), inner,
                                            max_size=4)),
    max_leaves=30)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=YAML_VALUE, key=st.sampled_from(["third_parties", "notes", "first_party", "app_ids", "solution"]),
       depth=st.integers(0, 60), flow=st.booleans())
def test_hostile_yaml_gives_problems_not_exceptions(value, key, depth, flow):
    for _ in range(depth):
        value = [value]
    text = yaml.safe_dump({"solution": "Demo", "first_party": ["example-portal.dk"], key: value},
                          default_flow_style=flow)
    policy, problems = parse_policy(text, "p.yaml")
    assert (policy is None) == bool(problems)
    assert all(p.line >= 0 and p.message for p in problems)
    nested = any("nested more than" in p.message for p in problems)
    assert nested == (1 + _depth(value) > MAX_DEPTH)


def _depth(value) -> int:
    """How many lists and mappings sit inside each other in ``value``."""
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    return 0
