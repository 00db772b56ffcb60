"""Read platform.yaml: safe YAML with line numbers (yaml_input), then the model, then readable
errors."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from mgctl.config.errors import ConfigError, ConfigIssue, SourceMap, issues_from, yaml_path
from mgctl.config.platform import Platform
from mgctl.config.yaml_input import MAX_BYTES, InputRefused, compose_and_load


def _source_map(node: yaml.Node, loc: tuple[int | str, ...], out: SourceMap) -> None:
    out.lines.setdefault(yaml_path(loc), node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = (*loc, key.value)
            out.lines[yaml_path(child)] = key.start_mark.line + 1
            _source_map(value, child, out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _source_map(item, (*loc, i), out)
    elif isinstance(node, yaml.ScalarNode) and node.style is None:
        out.plain[yaml_path(loc)] = node.value


def read_config_bytes(file: Path) -> bytes:
    try:
        with file.open("rb") as handle:
            return handle.read(MAX_BYTES + 1)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        hint = ""
        if isinstance(exc, FileNotFoundError):
            hint = "; pass the config with -c PATH (default ./platform.yaml)"
        elif isinstance(exc, IsADirectoryError):
            hint = "; -c takes the platform.yaml file, not its directory"
        raise ConfigError(file, [ConfigIssue("", f"cannot read the file: {reason}{hint}")]) from exc


def load_platform(path: Path | str) -> Platform:
    file = Path(path)
    data = read_config_bytes(file)
    try:
        node, loaded = compose_and_load(data)
    except InputRefused as exc:
        raise ConfigError(file, [ConfigIssue("", exc.message, exc.line)]) from exc
    if not isinstance(loaded, dict):
        raise ConfigError(file, [ConfigIssue("", "the top level must be a mapping (key: value)")])
    source = SourceMap()
    if node is not None:
        _source_map(node, (), source)
    try:
        return Platform.model_validate(loaded)
    except ValidationError as exc:
        raise ConfigError(file, issues_from(exc, Platform, source)) from exc
