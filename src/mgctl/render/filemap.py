"""A rendered repository as data: POSIX relative path -> file text. Generators only build these."""

from __future__ import annotations

from typing import Any

import yaml

FileMap = dict[str, str]


class _Dumper(yaml.SafeDumper):
    """Block style, keys in insertion order, multi-line strings as literal blocks."""


def _str_representer(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _str_representer)


def to_yaml(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, default_flow_style=False, width=100)


def to_yaml_documents(docs: list[dict[str, Any]]) -> str:
    return "---\n".join(to_yaml(d) for d in docs)
