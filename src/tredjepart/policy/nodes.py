"""YAML node helpers: the policy is read as a node tree (``yaml.compose`` with the SafeLoader) so every value
keeps its line, duplicate keys can be seen, and nothing but plain safe_load types is ever built."""

from __future__ import annotations

import difflib
import re
from datetime import date, datetime

import yaml

from tredjepart.policy.model import Problem

NULL = "tag:yaml.org,2002:null"
STR = "tag:yaml.org,2002:str"
INT = "tag:yaml.org,2002:int"
TIMESTAMP = "tag:yaml.org,2002:timestamp"
MERGE = "tag:yaml.org,2002:merge"

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml, when PyYAML was built with it


def compose(text: str) -> yaml.Node | None:
    """The node tree of a one-document YAML text (None when it has no document); raises yaml.YAMLError.
    libyaml builds it about seven times faster; a text it refuses is read again by PyYAML's own parser, whose
    messages docs/policy.md quotes."""
    if FAST_LOADER is not yaml.SafeLoader:
        try:
            return yaml.compose(text, Loader=FAST_LOADER)
        except yaml.YAMLError:
            pass
    return yaml.compose(text, Loader=yaml.SafeLoader)


def line(node: yaml.Node | None) -> int:
    """The 1-based line where ``node`` starts (0 without a node)."""
    return node.start_mark.line + 1 if node is not None else 0


def kind(node: yaml.Node) -> str:
    """What a node is, in words for messages: "a list", "a mapping", "text", "a number", ..."""
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    return {NULL: "empty", INT: "a number", TIMESTAMP: "a date"}.get(node.tag, "text")


def is_null(node: yaml.Node | None) -> bool:
    return node is None or (isinstance(node, yaml.ScalarNode) and node.tag == NULL)


def did_you_mean(word: str, choices: tuple[str, ...] | list[str], what: str = "one of") -> str:
    """"; did you mean 'x'?" for a near miss, else the list of choices."""
    close = difflib.get_close_matches(word, choices, n=3, cutoff=0.6)
    if close:
        best = _ratio(word, close[0])
        close = [repr(c) for c in close if _ratio(word, c) >= best - 0.1]
        options = close[0] if len(close) == 1 else f"{', '.join(close[:-1])} or {close[-1]}"
        return f"; did you mean {options}?"
    return f"; expected {what}: {', '.join(choices)}"


def _ratio(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b).ratio()


class Reader:
    """Reads values off nodes for one file and collects every problem met on the way."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []
        self._loader = yaml.SafeLoader("")

    def problem(self, at: yaml.Node | int | None, message: str) -> None:
        self.problems.append(Problem(self.file, at if isinstance(at, int) else line(at), message))

    def mapping(self, node: yaml.MappingNode, known: tuple[str, ...], where: str = "") -> dict[str, yaml.Node]:
        """The mapping's values by key, reporting duplicate and unknown keys; merge keys (<<) are honoured."""
        seen: dict[str, yaml.Node] = {}
        for key_node, _ in node.value:
            if key_node.tag == MERGE:
                continue
            key = self._key(key_node)
            if key in seen:
                self.problem(key_node, f"duplicate key {key!r}{where} (also at line {line(seen[key])}); "
                                       "YAML would silently keep only the last one")
            else:
                seen[key] = key_node
        try:
            self._loader.flatten_mapping(node)
        except yaml.MarkedYAMLError as e:
            self.problem(line(e.problem_mark) if e.problem_mark else node, f"bad merge key (<<): {e.problem}")
        values: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            key = self._key(key_node)
            if key not in known and key_node.tag != MERGE:
                if key in seen and seen[key] is key_node:
                    self.problem(key_node, f"unknown key {key!r}{where}{did_you_mean(key, known, 'one of')}")
                continue
            values[key] = value_node
        return values

    def text(self, node: yaml.Node | None, what: str) -> str | None:
        """The text of a scalar (as written, so 007 stays 007); None and a problem for anything else."""
        if is_null(node):
            return None
        if not isinstance(node, yaml.ScalarNode):
            self.problem(node, f"{what} must be text, not {kind(node)}")
            return None
        value = node.value.strip()
        return value or None

    def texts(self, node: yaml.Node | None, what: str, example: str) -> list[tuple[str, yaml.Node]]:
        """A list of texts with their nodes; a problem when it is not a list or an item is not text."""
        if is_null(node):
            return []
        if not isinstance(node, yaml.SequenceNode):
            self.problem(node, f"{what} must be a list, e.g. {example}; found {kind(node)}")
            return []
        out = []
        for item in node.value:
            if not isinstance(item, yaml.ScalarNode) or is_null(item):
                self.problem(item, f"each item of {what} must be text, not {kind(item)}")
            else:
                out.append((item.value.strip(), item))
        return out

    def date(self, node: yaml.Node | None, what: str) -> date | None:
        """A YAML date or an ISO "YYYY-MM-DD" string; a problem for anything else."""
        if is_null(node):
            return None
        hint = "; write it as YYYY-MM-DD"
        if not isinstance(node, yaml.ScalarNode):
            self.problem(node, f"{what} must be a date, not {kind(node)}{hint}")
            return None
        raw = node.value.strip()
        try:
            if node.tag == TIMESTAMP:
                value = self._loader.construct_object(node)
                return value.date() if isinstance(value, datetime) else value
            if node.tag == STR and _ISO_DATE.fullmatch(raw):
                return date.fromisoformat(raw)
        except ValueError as e:
            self.problem(node, f"{what}: {raw!r} is not a valid date ({e}){hint}")
            return None
        self.problem(node, f"{what}: {raw!r} is not a date{hint}")
        return None

    def integer(self, node: yaml.Node) -> int | None:
        if isinstance(node, yaml.ScalarNode) and node.tag == INT:
            try:
                return int(self._loader.construct_object(node))
            except ValueError:
                return None
        return None

    @staticmethod
    def _key(node: yaml.Node) -> str:
        return node.value if isinstance(node, yaml.ScalarNode) else f"<{kind(node)}>"
