"""The policy layer: what an authority declares about a solution's third parties, and judging flows by it.

    load_policies(path) -> list[Policy]            a file or a folder; raises PolicyError (every problem)
    check_policy(path) -> list[Problem]           validate one file
    policy_for_host(policies, host) -> Policy | None
    judge_flow(flow, behaviours, policy, cookies) -> (Verdict, list[Finding])

docs/policy.md is the reference for the format and the rules.
"""

from __future__ import annotations

from tredjepart.policy.judge import NO_VERDICT, Verdict, judge_flow
from tredjepart.policy.load import (
    check_policies,
    check_policy,
    choose_policy,
    load_policies,
    load_policy,
    policy_files,
    policy_for_host,
    read_policy,
)
from tredjepart.policy.model import BASES, Agreement, OptOut, Policy, PolicyError, Problem, ThirdParty
from tredjepart.policy.parse import parse_policy

__all__ = [
    "BASES",
    "NO_VERDICT",
    "Agreement",
    "OptOut",
    "Policy",
    "PolicyError",
    "Problem",
    "ThirdParty",
    "Verdict",
    "check_policies",
    "check_policy",
    "choose_policy",
    "judge_flow",
    "load_policies",
    "load_policy",
    "parse_policy",
    "policy_files",
    "policy_for_host",
    "read_policy",
]
