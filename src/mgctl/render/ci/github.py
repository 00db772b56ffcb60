"""GitHub coordinates of a repository from its git URL (the workflows only run on GitHub)."""

from __future__ import annotations

import re

_GITHUB = re.compile(
    r"^(?:git@github\.com:|ssh://git@github\.com/|https://github\.com/)"
    r"(?P<owner>[A-Za-z0-9_.-]+)/(?P<name>[A-Za-z0-9_.-]+?)(?:\.git)?/?$"
)


def github_repository(url: str) -> str | None:
    """`owner/name` for a github.com URL (ssh, ssh://, https), else None."""
    match = _GITHUB.match(url)
    return f"{match['owner']}/{match['name']}" if match else None
