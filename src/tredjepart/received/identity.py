"""The declared test identity: the test person of a walkthrough, read from a small YAML file.

The tester declares who they log in as, so tredjepart can look for exactly those values (and every form they
travel in, received/forms.py) in what each third party receives::

    name: Jens Peter Hansen
    cpr: "010190-1234"
    email: jens.hansen@example.dk
    phone: "+45 12 34 56 78"
    address: Vestergade 12, 2. tv
    postcode: "8000"
    birth_date: 1990-01-01
    other:
      case_number: SAG-2025-004711

Every key is optional. The values are NEVER written anywhere: not in clear and not as a hash (the database holds
its own hashing key, so a keyed hash of a CPR number can be reversed by trying every possible value). Only the
names of the declared fields (``Identity.declared_fields``) may be stored. For the same reason no error message
repeats a value: it says the file, the line and what is wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml

from tredjepart.policy.model import Problem
from tredjepart.policy.nodes import Reader, compose, is_null, kind

FIELDS = ("name", "cpr", "email", "phone", "address", "postcode", "birth_date", "other")
MAX_FILE = 64 * 1024  # bytes
MAX_VALUE = 200  # characters per value
MAX_OTHER = 20  # entries under other:
MIN_OTHER = 4  # characters: a shorter free-form value would be found everywhere
_OTHER_NAME = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
_CPR = re.compile(r"^\d{6}-?\d{4}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
_PHONE = re.compile(r"^\+?[\d\s().-]{6,24}$")
_POSTCODE = re.compile(r"^[A-Za-z0-9 -]{3,10}$")
_DMY = re.compile(r"^(\d{1,2})[-./](\d{1,2})[-./](\d{4})$")


class IdentityError(ValueError):
    """An identity file that cannot be used; ``problems`` lists every reason (FILE:LINE: message)."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass(frozen=True, slots=True)
class Identity:
    """The declared values, normalised lightly (trimmed). ``repr`` shows the field names only, never a value."""

    name: str | None = field(default=None, repr=False)
    cpr: str | None = field(default=None, repr=False)
    email: str | None = field(default=None, repr=False)
    phone: str | None = field(default=None, repr=False)
    address: str | None = field(default=None, repr=False)
    postcode: str | None = field(default=None, repr=False)
    birth_date: date | None = field(default=None, repr=False)
    other: tuple[tuple[str, str], ...] = field(default=(), repr=False)

    def declared_fields(self) -> tuple[str, ...]:
        """The names of the declared fields (``other`` entries as ``other.NAME``): all that may be stored."""
        out = [f for f in FIELDS[:-1] if getattr(self, f) is not None]
        out.extend(f"other.{k}" for k, _ in self.other)
        return tuple(out)

    def __repr__(self) -> str:
        return f"Identity(declared={list(self.declared_fields())})"

    __str__ = __repr__


def load_identity(path: str | Path) -> Identity:
    """The identity in the YAML file at ``path``; IdentityError naming the file and line of every problem."""
    label = str(path)
    try:
        raw = Path(path).read_bytes()[: MAX_FILE + 1]
    except OSError as e:
        raise IdentityError([Problem(label, 0, f"cannot read: {e.strerror or e}")]) from None
    if len(raw) > MAX_FILE:
        raise IdentityError([Problem(label, 0, f"larger than {MAX_FILE // 1024} KiB: not an identity file")])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise IdentityError([Problem(label, 0, f"not UTF-8 text (at byte {e.start})")]) from None
    return parse_identity(text, label)


def parse_identity(text: str, label: str = "<identity>") -> Identity:
    """The identity in ``text``; IdentityError with every problem when it is not a valid identity file."""
    reader = Reader(label)
    if len(text) > MAX_FILE:
        reader.problem(0, f"larger than {MAX_FILE // 1024} KiB: not an identity file")
        raise IdentityError(reader.problems)
    try:
        root = compose(text)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        reader.problem(mark.line + 1 if mark else 1, f"YAML syntax error: {e.problem or 'unreadable YAML'}")
        raise IdentityError(reader.problems) from None
    except yaml.YAMLError as e:  # pragma: no cover - scanner errors are MarkedYAMLErrors
        reader.problem(1, f"YAML error: {type(e).__name__}")
        raise IdentityError(reader.problems) from None
    if root is None or is_null(root):
        return Identity()
    if not isinstance(root, yaml.MappingNode):
        reader.problem(root, f"an identity file is a mapping of keys ({', '.join(FIELDS)}), not {kind(root)}")
        raise IdentityError(reader.problems)
    nodes = reader.mapping(root, FIELDS)
    values = {f: _read(reader, f, nodes[f]) for f in FIELDS[:-1] if f in nodes}
    other = _other(reader, nodes.get("other"))
    if reader.problems:
        raise IdentityError(sorted(reader.problems, key=lambda p: p.line))
    return Identity(**{k: v for k, v in values.items() if v is not None}, other=other)


def _text(reader: Reader, node: yaml.Node, what: str) -> str | None:
    if is_null(node):
        return None
    if not isinstance(node, yaml.ScalarNode):
        reader.problem(node, f"{what} must be text, not {kind(node)}")
        return None
    value = node.value.strip()
    if len(value) > MAX_VALUE:
        reader.problem(node, f"{what} is longer than {MAX_VALUE} characters")
        return None
    if any(ord(c) < 32 for c in value):
        reader.problem(node, f"{what} holds a control character")
        return None
    return value or None


def _read(reader: Reader, name: str, node: yaml.Node):
    value = _text(reader, node, f"'{name}'")
    if value is None:
        return None
    problem = None
    if name == "cpr" and not _CPR.match(value):
        problem = "'cpr' must be 10 digits, written DDMMYY-SSSS or DDMMYYSSSS; quote it (\"010190-1234\")"
    elif name == "email" and not _EMAIL.match(value):
        problem = "'email' is not an e-mail address (name@domain.tld)"
    elif name == "phone" and (not _PHONE.match(value) or len(re.sub(r"\D", "", value)) < 6):
        problem = "'phone' must be a phone number: digits, spaces and an optional leading +, e.g. \"+45 12 34 56 78\""
    elif name == "postcode" and not _POSTCODE.match(value):
        problem = "'postcode' must be 3-10 letters or digits, e.g. \"8000\""
    elif name == "name" and len(value) < 2:
        problem = "'name' is too short"
    elif name == "address" and len(value) < MIN_OTHER:
        problem = f"'address' is too short (at least {MIN_OTHER} characters)"
    elif name == "birth_date":
        parsed = _date(value)
        if parsed is None:
            problem = "'birth_date' must be a date written YYYY-MM-DD (or DD-MM-YYYY)"
        value = parsed
    if problem:
        reader.problem(node, problem)
        return None
    return value


def _date(value: str) -> date | None:
    try:
        if m := _DMY.match(value):
            return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        return date.fromisoformat(value[:10]) if re.match(r"^\d{4}-\d{2}-\d{2}", value) else None
    except ValueError:
        return None


def _other(reader: Reader, node: yaml.Node | None) -> tuple[tuple[str, str], ...]:
    if node is None or is_null(node):
        return ()
    if not isinstance(node, yaml.MappingNode):
        reader.problem(node, f"'other' must be a mapping of names to values (case_number: ...), not {kind(node)}")
        return ()
    out: dict[str, str] = {}
    for key_node, value_node in node.value:
        key = key_node.value if isinstance(key_node, yaml.ScalarNode) else ""
        if not _OTHER_NAME.match(key):
            reader.problem(key_node, "each name under 'other' must be 1-40 letters, digits, '_' or '-'")
            continue
        if key in out:
            reader.problem(key_node, f"duplicate name {key!r} under 'other'")
            continue
        value = _text(reader, value_node, f"other.{key}")
        if value is None:
            if is_null(value_node):
                reader.problem(value_node, f"other.{key} is empty")
            continue
        if len(value) < MIN_OTHER:
            reader.problem(value_node, f"other.{key} is too short to be found reliably (at least {MIN_OTHER} "
                                       "characters)")
            continue
        out[key] = value
    if len(out) > MAX_OTHER:
        reader.problem(node, f"'other' has more than {MAX_OTHER} entries")
        return ()
    return tuple(out.items())


__all__ = ["FIELDS", "Identity", "IdentityError", "load_identity", "parse_identity"]
