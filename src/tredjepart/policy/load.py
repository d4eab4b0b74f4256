"""Policy files and folders: read, validate, and pick the policy that applies to a host.

Every function reports *all* problems it finds, each as ``FILE:LINE: message`` (``Problem``); the raising ones
raise ``PolicyError``, a ValueError whose text is those lines.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from tredjepart.policy.limits import MAX_BYTES, size_problem
from tredjepart.policy.model import Policy, PolicyError, Problem
from tredjepart.policy.parse import parse_policy
from tredjepart.sites import normalize_host

logger = logging.getLogger(__name__)

SUFFIXES = (".yaml", ".yml")


def read_policy(path: str | Path) -> tuple[Policy | None, list[Problem]]:
    """The policy in the file at ``path`` (None when it has problems) and every problem."""
    path = Path(path)
    file = str(path)
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_BYTES + 1)  # no more than that is read of a file that is too big
            if len(data) > MAX_BYTES:
                return None, [Problem(file, 0, size_problem(os.fstat(f.fileno()).st_size) or "too big")]
    except FileNotFoundError:
        return None, [Problem(file, 0, "file not found")]
    except IsADirectoryError:
        return None, [Problem(file, 0, "is a folder; give a policy file (or use load_policies for a folder)")]
    except OSError as e:
        return None, [Problem(file, 0, f"cannot read the file: {e.strerror or e}")]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        at = data.count(b"\n", 0, e.start) + 1
        return None, [Problem(file, at, f"not UTF-8 text (byte {e.start}); save the policy as UTF-8")]
    return parse_policy(text, file, path)


def check_policy(path: str | Path) -> list[Problem]:
    """Every problem in the policy file at ``path``; an empty list when it is valid."""
    return read_policy(path)[1]


def load_policy(path: str | Path) -> Policy:
    """The policy in the file at ``path``; raises PolicyError listing every problem."""
    policy, problems = read_policy(path)
    if problems or policy is None:
        raise PolicyError(problems)
    logger.debug("policy %s: %s, %d third parties", path, policy.solution, len(policy.third_parties))
    return policy


def policy_files(path: str | Path) -> list[Path]:
    """``path`` itself when it is a file, else the *.yaml and *.yml files directly in the folder, sorted.
    Sub-folders (such as policies/templates) are not read."""
    path = Path(path)
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.suffix.lower() in SUFFIXES and p.is_file())
    return [path]


def check_policies(path: str | Path) -> tuple[list[Policy], list[Problem]]:
    """The valid policies under ``path`` (a file or a folder) and every problem, including clashes between
    files: one first-party site claimed by two policies, two policies with the same solution name."""
    files = policy_files(path)
    if not files:
        return [], [Problem(str(path), 0, "no policy files (*.yaml, *.yml) in this folder")]
    policies, problems = [], []
    for file in files:
        policy, found = read_policy(file)
        problems += found
        if policy is not None:
            policies.append(policy)
    problems += _clashes(policies)
    return policies, problems


def load_policies(path: str | Path) -> list[Policy]:
    """Every policy under ``path`` (a file or a folder of them); raises PolicyError listing every problem
    in every file when any is invalid."""
    policies, problems = check_policies(path)
    if problems:
        raise PolicyError(problems)
    return policies


def choose_policy(policies: list[Policy] | tuple[Policy, ...], name: str | None, host: str | None) -> Policy | None:
    """The policy a session is judged by: the one named when it started (by solution or file name), else the only
    one loaded, else the one whose first-party sites match ``host`` (the session's first page)."""
    if not policies:
        return None
    if name:
        for p in policies:
            if name in (p.solution, p.path.stem if p.path else None):
                return p
        logger.warning("tredjepart: no loaded policy is named %r", name)
    if len(policies) == 1:
        return policies[0]
    return policy_for_host(policies, host) if host else None


def policy_for_host(policies: list[Policy] | tuple[Policy, ...], host: str) -> Policy | None:
    """The policy whose first party covers ``host`` (the most specific first-party pattern wins), or None."""
    best, found = None, None
    for policy in policies:
        score = policy.first_party_specificity(host)
        if score is not None and (best is None or score > best):
            best, found = score, policy
    return found


def _clashes(policies: list[Policy]) -> list[Problem]:
    problems = []
    claimed: dict[str, Policy] = {}
    names: dict[str, Policy] = {}
    for policy in policies:
        file = str(policy.path)
        if policy.solution in names:
            problems.append(Problem(file, policy.lines.get("solution", 0),
                                    f"solution {policy.solution!r} is also the name in {names[policy.solution].path};"
                                    " sessions could not name one of them"))
        names.setdefault(policy.solution, policy)
        for pattern in policy.first_party:
            p = normalize_host(pattern)
            if p in claimed:
                problems.append(Problem(file, policy.lines.get(pattern, 0),
                                        f"first-party site {pattern!r} is also first party in {claimed[p].path}; "
                                        "a session could not tell which policy applies"))
            claimed.setdefault(p, policy)
    return problems

