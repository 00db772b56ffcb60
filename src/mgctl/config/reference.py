"""docs/config-reference.md, generated from the models so it cannot drift from the code.

Regenerate with: python -m mgctl.config.reference > docs/config-reference.md
"""

from __future__ import annotations

import json
import types
import typing
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from mgctl.config.errors import model_in
from mgctl.config.platform import Platform


def _type_name(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        return " | ".join(_type_name(a) for a in args if a is not type(None)) + " (optional)"
    if origin is list:
        return f"list of {_type_name(args[0])}"
    if origin is dict:
        return f"map {_type_name(args[0])} → {_type_name(args[1])}"
    if origin is typing.Literal:
        return " \\| ".join(f"`{a}`" for a in args)
    if origin is typing.Annotated:
        return _type_name(args[0])
    if isinstance(annotation, type):
        return annotation.__name__ if not issubclass(annotation, BaseModel) else "mapping"
    return str(annotation)


def _default(field: FieldInfo) -> str:
    if field.is_required():
        return "**required**"
    value = field.get_default(call_default_factory=True)
    if value is PydanticUndefined:
        return ""
    if isinstance(value, BaseModel):
        return "(see below)"
    if value in ([], {}, ""):
        return "empty" if value != "" else "(derived)"
    text = json.dumps(value, default=str)
    return f"`{text}`" if len(text) <= 60 else "(see below)"


def _suffix(annotation: Any) -> str:
    """How a list item or a map entry is written in a YAML path: `[]`, `.<name>`."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _suffix(inner[0]) if len(inner) == 1 else ""
    return {list: "[]", dict: ".<name>"}.get(origin, "")


def _section(
    model: type[BaseModel], path: str, out: list[str], seen: set[str], intro: str = ""
) -> None:
    if path in seen:
        return
    seen.add(path)
    out.append(f"\n### `{path}`\n")
    if intro:
        out.append(intro + "\n")
    if model.__doc__ and model.__doc__ != BaseModel.__doc__:
        out.append(" ".join(model.__doc__.strip().split("\n\n")[0].split()) + "\n")
    out.append("| key | type | default | description |\n|---|---|---|---|")
    children: list[tuple[type[BaseModel], str]] = []
    for name, field in model.model_fields.items():
        key = field.alias or name
        desc = (field.description or "").replace("|", "\\|")
        out.append(f"| `{key}` | {_type_name(field.annotation)} | {_default(field)} | {desc} |")
        child = model_in(field.annotation)
        if child is not None:
            children.append((child, f"{path}.{key}{_suffix(field.annotation)}"))
    for child, child_path in children:
        _section(child, child_path, out, seen)


def reference_markdown() -> str:
    out = [
        "# platform.yaml reference",
        "",
        "Generated from the models in `src/mgctl/config/` "
        "(`python -m mgctl.config.reference > docs/config-reference.md`). Keys are camelCase; "
        "unknown keys are errors. `mgctl schema` prints the same as JSON Schema for editors. "
        "What each value is checked against, and why: [config-rules.md](config-rules.md).",
    ]
    seen: set[str] = set()
    for name, field in Platform.model_fields.items():
        child = model_in(field.annotation)
        if child is not None:
            intro = field.description or "" if typing.get_origin(field.annotation) is dict else ""
            path = f"{field.alias or name}{_suffix(field.annotation)}"
            _section(child, path, out, seen, intro)
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    print(reference_markdown(), end="")
