"""Turn pydantic errors into messages that name the file, the YAML path, the line and a fix."""

from __future__ import annotations

import re
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from mgctl.config.platform import did_you_mean

_LOCATED = re.compile(r"^([A-Za-z][\w.\[\]-]*): (.*)$")


@dataclass(frozen=True)
class ConfigIssue:
    path: str
    message: str
    line: int | None = None

    def render(self, file: Path) -> str:
        where = f"{file}:{self.line}" if self.line else str(file)
        return f"{where}: {self.path or '<root>'}: {self.message}"


@dataclass
class SourceMap:
    """Where each YAML path starts (line) and the source text of each plain scalar."""

    lines: dict[str, int] = field(default_factory=dict)
    plain: dict[str, str] = field(default_factory=dict)


_YAML_KINDS = {bool: "the boolean", int: "the number", float: "the number"}


def _type_hint(err: Any, path: str, source: SourceMap) -> str:
    """Explain a string field that YAML (1.1, like Helm) read as a boolean/number/null."""
    value = err.get("input")
    text = source.plain.get(path)
    if text is None:
        return ""
    if value is None:
        return f'; YAML reads `{text or "(empty)"}` as null: quote it ("{text}") or give a value'
    kind = _YAML_KINDS.get(type(value))
    if kind is None:
        return ""
    shown = str(value).lower() if isinstance(value, bool) else repr(value)
    return f'; YAML reads `{text}` as {kind} {shown}: quote it to keep the text ("{text}")'


class ConfigError(Exception):
    def __init__(self, file: Path, issues: list[ConfigIssue]) -> None:
        self.file = file
        self.issues = issues
        super().__init__("\n".join(issue.render(file) for issue in issues))


def yaml_path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def model_in(annotation: Any) -> type[BaseModel] | None:
    """The BaseModel inside Optional[...], list[...] or dict[..., ...], if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType, list, dict):
        for arg in typing.get_args(annotation):
            found = model_in(arg)
            if found:
                return found
    return None


def allowed_keys(root: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    """The YAML keys accepted at `loc` (the mapping that held an unknown key)."""
    model: type[BaseModel] | None = root
    for part in loc:
        if model is None:
            return []
        if isinstance(part, int):
            continue
        field = next((f for name, f in model.model_fields.items() if part in (name, f.alias)), None)
        if field is None:
            continue  # a dict key such as an env var name
        model = model_in(field.annotation)
    if model is None:
        return []
    return [f.alias or name for name, f in model.model_fields.items()]


def issues_from(
    error: ValidationError, root: type[BaseModel], source: SourceMap
) -> list[ConfigIssue]:
    issues = []
    for err in error.errors():
        loc = tuple(err["loc"])
        path = yaml_path(loc)
        if err["type"] == "extra_forbidden":
            key = str(loc[-1])
            choices = allowed_keys(root, loc[:-1])
            hint = did_you_mean(key, choices) or (
                f"; allowed keys: {', '.join(sorted(choices))}" if choices else ""
            )
            message = f"unknown key {key!r}{hint}"
        elif err["type"] == "missing":
            message = "required key is missing"
        else:
            message = str(err["msg"]).removeprefix("Value error, ")
            if err["type"] == "literal_error":
                message += f" (got {err.get('input')!r})"
            elif err["type"] == "string_type":
                message += _type_hint(err, path, source)
        for line_message in message.split("\n"):
            line_path = path
            located = _LOCATED.match(line_message)
            if located and _names_a_key(root, loc, located.group(1)):
                # a cross-field rule names the YAML path (relative to its model) it is about
                line_path = f"{path}.{located.group(1)}" if path else located.group(1)
                line_message = located.group(2)
            issues.append(ConfigIssue(line_path, line_message, _line_for(line_path, source.lines)))
    return issues


def _names_a_key(root: type[BaseModel], loc: tuple[int | str, ...], rel: str) -> bool:
    if not loc:
        return True
    first = re.split(r"[.\[]", rel, maxsplit=1)[0]
    return first in allowed_keys(root, loc)


def _line_for(path: str, lines: dict[str, int]) -> int | None:
    probe = path
    while probe:
        if probe in lines:
            return lines[probe]
        cut = max(probe.rfind("."), probe.rfind("["))
        probe = probe[:cut] if cut > 0 else ""
    return None
