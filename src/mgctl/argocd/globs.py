"""The three pattern languages Argo CD uses, as Go implements them.

- `gobwas_match`: github.com/gobwas/glob through util/glob `Match` (directory source
  include/exclude with no separators, so `*` crosses `/`; AppProject sourceRepos with `/`).
- `go_path_match`: Go's `path.Match` (ApplicationSet git directory generator, `filterApps` in
  applicationset/generators/git.go) and `filepath.Match` on Linux (AppProject kinds and groups,
  `isResourceInList` in pkg/apis/application/v1alpha1/types.go): `*` never crosses `/`.
"""

from __future__ import annotations

import re
from functools import lru_cache


class BadPattern(ValueError):
    pass


def _class(pattern: str, start: int) -> tuple[str, int]:
    """A `[...]` character class starting at `start` (after `[`): regex text, next index."""
    i = start
    negate = i < len(pattern) and pattern[i] in "!^"
    if negate:
        i += 1
    parts = []
    first = True
    while i < len(pattern) and (pattern[i] != "]" or first):
        first = False
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            i += 1
            char = pattern[i]
        if i + 2 < len(pattern) and pattern[i + 1] == "-" and pattern[i + 2] != "]":
            high = pattern[i + 2]
            if high == "\\" and i + 3 < len(pattern):
                i += 1
                high = pattern[i + 2]
            parts.append(f"{re.escape(char)}-{re.escape(high)}")
            i += 3
            continue
        parts.append(re.escape(char))
        i += 1
    if i >= len(pattern):
        raise BadPattern(f"unterminated character class in {pattern!r}")
    return f"[{'^' if negate else ''}{''.join(parts)}]", i + 1


@lru_cache(maxsize=1024)
def _gobwas(pattern: str, separators: str) -> re.Pattern[str]:
    not_sep = f"[^{re.escape(separators)}]" if separators else "."
    out: list[str] = []
    depth = 0
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        if char == "*":
            if pattern.startswith("**", i):
                out.append(".*")
                i += 2
            else:
                out.append(f"{not_sep}*")
                i += 1
            continue
        if char == "?":
            out.append(not_sep)
        elif char == "[":
            text, i = _class(pattern, i + 1)
            out.append(text)
            continue
        elif char == "{":
            depth += 1
            out.append("(?:")
        elif char == "}" and depth:
            depth -= 1
            out.append(")")
        elif char == "," and depth:
            out.append("|")
        else:
            out.append(re.escape(char))
        i += 1
    if depth:
        raise BadPattern(f"unclosed {{ in {pattern!r}")
    return re.compile("".join(out), re.DOTALL)


def gobwas_match(pattern: str, text: str, separators: str = "") -> bool:
    """gobwas/glob `Compile(pattern, separators...).Match(text)`; a bad pattern matches nothing
    (util/glob logs it and returns false)."""
    try:
        return _gobwas(pattern, separators).fullmatch(text) is not None
    except (BadPattern, re.error):
        return False


@lru_cache(maxsize=1024)
def _go_path(pattern: str) -> re.Pattern[str]:
    out: list[str] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            if i + 1 >= len(pattern):
                raise BadPattern(f"trailing backslash in {pattern!r}")
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            text, i = _class(pattern, i + 1)
            out.append(text)
            continue
        else:
            out.append(re.escape(char))
        i += 1
    return re.compile("".join(out), re.DOTALL)


def go_path_match(pattern: str, name: str) -> bool:
    """Go `path.Match(pattern, name)`; raises BadPattern like Go's ErrBadPattern."""
    try:
        return _go_path(pattern).fullmatch(name) is not None
    except re.error as exc:
        raise BadPattern(f"bad pattern {pattern!r}: {exc}") from exc
