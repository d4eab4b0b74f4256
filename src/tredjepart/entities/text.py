"""Data files as text: JSON or YAML parsed with ``label:line:col`` in every error. YAML as 1.2 reads booleans (only
true/false), so a bare ``country: NO`` stays Norway. Used by the owner data, users' lists and the endpoint decoders.
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

# libyaml's parser when PyYAML was built with it: six times faster on the built-in file, which every proxy and
# worker start reads.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _YamlLoader(_SafeLoader):  # type: ignore[misc,valid-type]
    """YAML's safe loader with only true/false as booleans (as YAML 1.2), so a bare ``country: NO`` is Norway."""


_YamlLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_YamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


def parse_text(text: str, label: str, kind: str | None = None) -> Any:
    """JSON or YAML text parsed; ValueError with ``label:line:col`` when it does not parse.

    ``kind`` is "json" or "yaml"; None: JSON when the text starts with ``{`` or ``[``, else YAML.
    """
    if kind is None:
        kind = "json" if text.lstrip()[:1] in ("{", "[") else "yaml"
    if kind == "json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as e:
            raise ValueError(f"{label}:{e.lineno}:{e.colno}: invalid JSON: {e.msg}") from None
        except RecursionError:
            raise ValueError(f"{label}: invalid JSON: nested too deeply") from None
    try:
        return yaml.load(text, Loader=_YamlLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"{label}:{mark.line + 1}:{mark.column + 1}" if mark else label
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise ValueError(f"{where}: invalid YAML: {problem}") from None
    except RecursionError:
        raise ValueError(f"{label}: invalid YAML: nested too deeply") from None
