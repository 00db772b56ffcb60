"""A rendered repository as data: POSIX relative path -> file text. Generators only build these.

Strings are emitted so that every reader gets the same string back. PyYAML's emitter already
quotes what its own YAML 1.1 resolver would read as something else (yes/on/~/010/0x1F/1_000/
1:20/.inf/timestamps), but Helm, Argo CD and kubectl read YAML through sigs.k8s.io/yaml, i.e.
go-yaml v2 (go.yaml.in/yaml/v2 resolve.go), which also turns y/Y/n/N into booleans, 1e3 into a
float and 0o17 into an integer. `yaml11_ambiguous` mirrors that resolver (and YAML 1.2's, a
subset of it), and such strings are single-quoted. Proven against the real helm binary in
tests/render/test_yaml_emission.py.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

FileMap = dict[str, str]

# go-yaml v2 resolveMap: booleans, nulls, special floats and the merge key; case-insensitive
# here (quoting a string that needed none is harmless).
_WORDS = frozenset(
    [
        "y",
        "yes",
        "n",
        "no",
        "true",
        "false",
        "on",
        "off",
        "~",
        "null",
        ".nan",
        ".inf",
        "+.inf",
        "-.inf",
        "<<",
        "=",
    ]
)
# go-yaml v2 tries, for a scalar starting with a digit or sign (underscores removed):
# a timestamp (YYYY-...), strconv.ParseInt/ParseUint base 0 (0x, 0o, 0b, leading 0), then
# its yamlStyleFloat; for one starting with '.', strconv.ParseFloat.
_GO_INT = re.compile(r"^[-+]?(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|[0-9]+)$")
_GO_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_TIMESTAMP = re.compile(r"^[0-9]{4}-")
_SEXAGESIMAL = re.compile(r"^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?$")  # YAML 1.1 ints


def yaml11_ambiguous(text: str) -> bool:
    """Would a plain (unquoted) `text` be read as anything but this string by a YAML reader?"""
    if text == "" or text.lower() in _WORDS:
        return True
    if text[0] not in "+-.0123456789":
        return False
    plain = text.replace("_", "")
    return bool(
        _GO_INT.match(plain)
        or _GO_FLOAT.match(plain)
        or _TIMESTAMP.match(text)
        or _SEXAGESIMAL.match(text)
    )


class _Dumper(yaml.SafeDumper):
    """Block style, keys in insertion order, multi-line strings as literal blocks, strings a
    YAML 1.1 reader could take for another type quoted."""


def _str_representer(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    style = "|" if "\n" in data else ("'" if yaml11_ambiguous(data) else None)
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _str_representer)


def to_yaml(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, default_flow_style=False, width=100)


def to_yaml_documents(docs: list[dict[str, Any]]) -> str:
    return "---\n".join(to_yaml(d) for d in docs)
