"""Read platform.yaml: YAML with line numbers, then the model, then readable errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from mgctl.config.errors import ConfigError, ConfigIssue, issues_from, yaml_path
from mgctl.config.platform import Platform


def _line_map(node: yaml.Node, loc: tuple[int | str, ...], out: dict[str, int]) -> None:
    out.setdefault(yaml_path(loc), node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = (*loc, key.value)
            out[yaml_path(child)] = key.start_mark.line + 1
            _line_map(value, child, out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _line_map(item, (*loc, i), out)


def load_platform(path: Path | str) -> Platform:
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(file, [ConfigIssue("", f"cannot read the file: {exc.strerror}")]) from exc
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        raise ConfigError(file, [ConfigIssue("", f"not valid YAML: {exc}", line)]) from exc
    if not isinstance(data, dict):
        raise ConfigError(file, [ConfigIssue("", "the top level must be a mapping (key: value)")])
    lines: dict[str, int] = {}
    if node is not None:
        _line_map(node, (), lines)
    try:
        return Platform.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(file, issues_from(exc, Platform, lines)) from exc
