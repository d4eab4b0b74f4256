"""A policy's YAML text to a ``Policy``, with every problem found (docs/policy.md lists the messages)."""

from __future__ import annotations

import logging
from pathlib import Path

import yaml

from tredjepart.policy.limits import structure_problem
from tredjepart.policy.model import Policy, Problem
from tredjepart.policy.nodes import Reader, compose, is_null, kind, line
from tredjepart.policy.parties import PartyReader, pattern_problem
from tredjepart.sites import normalize_host

logger = logging.getLogger(__name__)

TOP_KEYS = ("version", "solution", "owner", "first_party", "third_parties", "app_ids", "contact", "notes")
VERSION = 1


def parse_policy(text: str, file: str, path: Path | None = None) -> tuple[Policy | None, list[Problem]]:
    """The policy in ``text`` (None when it has problems) and every problem, sorted by line."""
    reader = Reader(file)
    policy = _parse(text, reader, path)
    problems = sorted(reader.problems, key=lambda p: p.line)
    return (None if problems else policy), problems


def _parse(text: str, reader: Reader, path: Path | None) -> Policy | None:
    if (found := structure_problem(text)) is not None:
        reader.problem(*found)
        return None
    try:
        root = compose(text)
    except yaml.MarkedYAMLError as e:
        reader.problem(*_syntax_error(e))
        return None
    except yaml.YAMLError as e:  # pragma: no cover - reader errors are caught before, as decoding errors
        reader.problem(1, f"YAML error: {e}")
        return None
    if root is None or is_null(root):
        reader.problem(1, "the file is empty; a policy needs at least 'solution' and 'first_party' "
                          "(see docs/policy.md)")
        return None
    if not isinstance(root, yaml.MappingNode):
        reader.problem(root, f"a policy must be a mapping of keys (solution:, first_party:, third_parties:, ...), "
                             f"not {kind(root)}")
        return None
    values = reader.mapping(root, TOP_KEYS)
    version = _version(reader, values.get("version"))
    solution = reader.text(values.get("solution"), "'solution'")
    if solution is None and "solution" not in values:
        reader.problem(root, "missing 'solution': the name of the self-service solution or app")
    elif solution is None:
        reader.problem(values["solution"], "'solution' is empty: give the name of the self-service solution")
    owner = reader.text(values.get("owner"), "'owner'")
    first_party = _first_party(reader, root, values)
    parties = PartyReader(reader, first_party).read(values.get("third_parties"))
    app_ids = tuple(t for t, _ in reader.texts(values.get("app_ids"), "'app_ids'", "[dk.example.app]"))
    contact = reader.text(values.get("contact"), "'contact'")
    notes = reader.text(values.get("notes"), "'notes'")
    if reader.problems:
        return None
    return Policy(
        path=path,
        solution=solution or "",
        owner=owner,
        first_party=tuple(p for p, _ in first_party),
        third_parties=parties,
        version=version,
        app_ids=app_ids,
        contact=contact,
        notes=notes,
        lines={"solution": line(values.get("solution")), **{p: line(n) for p, n in first_party}},
    )


def _syntax_error(e: yaml.MarkedYAMLError) -> tuple[int, str]:
    """The line and message for a YAML syntax error."""
    mark = e.problem_mark or e.context_mark
    at = mark.line + 1 if mark else 1
    if e.context == "expected a single document in the stream":
        return at, "YAML syntax error: a second document starts here ('---'); a policy file holds one document"
    detail = e.problem or "unreadable YAML"
    if e.context:
        started = f" started at line {e.context_mark.line + 1}" if e.context_mark and e.problem_mark and \
            e.context_mark.line != e.problem_mark.line else ""
        detail += f" ({e.context}{started})"
    return at, f"YAML syntax error: {detail}"


def _version(reader: Reader, node: yaml.Node | None) -> int:
    if node is None:
        return VERSION
    value = reader.integer(node)
    if value is None and isinstance(node, yaml.ScalarNode) and node.value.strip() == str(VERSION):
        value = VERSION  # "1" as text
    if value != VERSION:
        shown = node.value if isinstance(node, yaml.ScalarNode) else kind(node)
        reader.problem(node, f"unsupported version {shown}; this tredjepart reads version {VERSION}")
    return VERSION


def _first_party(reader: Reader, root: yaml.Node, values: dict) -> list[tuple[str, yaml.Node]]:
    node = values.get("first_party")
    if node is None:
        reader.problem(root, "missing 'first_party': list the sites or host globs that belong to the solution, "
                             "e.g. [example-portal.dk]")
        return []
    items = reader.texts(node, "'first_party'", "[example-portal.dk]")
    if is_null(node) or (not items and isinstance(node, yaml.SequenceNode) and not node.value):
        reader.problem(node, "'first_party' is empty: list at least one site that belongs to the solution")
    good = []
    for pattern, item in items:
        why = pattern_problem(pattern)
        if why:
            reader.problem(item, f"first_party: {why}")
        else:
            good.append((normalize_host(pattern), item))
    return good

