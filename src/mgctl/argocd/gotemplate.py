"""The part of Go's text/template that ApplicationSet templates use, evaluated offline.

Supported actions: `{{ .a.b }}` field chains, `{{ index .a.b N }}`, string/number literals,
and pipelines into a few Sprig functions (`lower`, `upper`, `trim`, `quote`, `replace`,
`default`, `trunc`, `normalize`). Whitespace trim markers `{{-`/`-}}` work. With the option
`missingkey=error` (goTemplateOptions) a missing key fails like Go's "map has no entry for key";
without it Go prints `<no value>`. Anything else raises `TemplateUnsupported`: a finding, never
a guess.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from typing import Any

_ACTION = re.compile(r"\{\{(-\s)?(.*?)(\s-)?\}\}", re.DOTALL)


class TemplateError(ValueError):
    """The template fails as Go would fail it (e.g. a missing key with missingkey=error)."""


class TemplateUnsupported(ValueError):
    """The template uses Go template features this evaluator does not implement."""


def _normalize(value: str) -> str:
    """applicationset/utils SanitizeName: lower-case, runs of non-alphanumerics to `-`, ≤ 63."""
    text = re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")
    return text[:63].strip("-")


def _trunc(length: Any, value: Any) -> str:
    text, n = str(value), int(length)
    return text[:n] if n >= 0 else text[n:]


FUNCTIONS: dict[str, Any] = {
    "lower": lambda v: str(v).lower(),
    "upper": lambda v: str(v).upper(),
    "trim": lambda v: str(v).strip(),
    "quote": lambda v: '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"',
    "replace": lambda old, new, v: str(v).replace(str(old), str(new)),
    "default": lambda fallback, v: v if v not in (None, "", [], {}, 0, False) else fallback,
    "trunc": _trunc,
    "normalize": lambda v: _normalize(str(v)),
}


class _Missing:
    def __str__(self) -> str:
        return "<no value>"


MISSING = _Missing()


def _lookup(path: str, data: Mapping[str, Any], strict: bool) -> Any:
    node: Any = data
    walked = ""
    for part in path.strip(".").split("."):
        if not part:
            continue
        walked += f".{part}"
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif strict:
            raise TemplateError(f"map has no entry for key {part!r} (at {walked})")
        else:
            return MISSING
    return node


def _argument(token: str, data: Mapping[str, Any], strict: bool) -> Any:
    if token.startswith("."):
        return _lookup(token, data, strict)
    if re.fullmatch(r"-?\d+", token):
        return int(token)
    if token in ("true", "false"):
        return token == "true"
    raise TemplateUnsupported(f"argument {token!r}")


def _command(words: list[str], data: Mapping[str, Any], strict: bool, piped: list[Any]) -> Any:
    head, *rest = words
    if head.startswith(".") and not rest and not piped:
        return _lookup(head, data, strict)
    args = [_argument(w, data, strict) if not _is_literal(w) else _literal(w) for w in rest]
    args += piped
    if head == "index":
        node: Any = args[0]
        keys = args[1:]
        for key in keys:
            try:
                node = node[key]
            except (KeyError, IndexError, TypeError) as exc:
                raise TemplateError(f"index of {key!r}: {exc}") from exc
        return node
    function = FUNCTIONS.get(head)
    if function is None:
        raise TemplateUnsupported(f"function {head!r}")
    return function(*args)


def _is_literal(word: str) -> bool:
    return len(word) >= 2 and word[0] == word[-1] and word[0] in "\"'"


def _literal(word: str) -> str:
    return word[1:-1]


def _evaluate(action: str, data: Mapping[str, Any], strict: bool) -> Any:
    if re.match(r"\s*(if|range|with|define|template|block|end|else)\b", action) or ":=" in action:
        raise TemplateUnsupported(f"action {{{{{action.strip()}}}}}")
    value: list[Any] = []
    for stage in action.split("|"):
        try:
            words = shlex.split(stage.strip(), posix=False)
        except ValueError as exc:
            raise TemplateUnsupported(f"action {{{{{action.strip()}}}}}: {exc}") from exc
        if not words:
            raise TemplateUnsupported(f"empty pipeline stage in {{{{{action.strip()}}}}}")
        value = [_command(words, data, strict, value)]
    return value[0]


def render(template: str, data: Mapping[str, Any], missingkey_error: bool = False) -> str:
    """Render one string field of an ApplicationSet template."""
    if "{{" not in template:
        return template
    out: list[str] = []
    position = 0
    for match in _ACTION.finditer(template):
        text = template[position : match.start()]
        if match.group(1):
            text = text.rstrip()
        out.append(text)
        value = _evaluate(match.group(2), data, missingkey_error)
        out.append(str(value))
        position = match.end()
        if match.group(3):
            rest = template[position:]
            position += len(rest) - len(rest.lstrip())
    out.append(template[position:])
    return "".join(out)


def render_tree(value: Any, data: Mapping[str, Any], missingkey_error: bool = False) -> Any:
    """Every string of a template object rendered (utils.Render `RenderTemplateParams` walks the
    Application template the same way: strings only, keys untouched)."""
    if isinstance(value, str):
        return render(value, data, missingkey_error)
    if isinstance(value, dict):
        return {k: render_tree(v, data, missingkey_error) for k, v in value.items()}
    if isinstance(value, list):
        return [render_tree(v, data, missingkey_error) for v in value]
    return value
