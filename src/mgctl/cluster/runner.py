"""How the thin tool wrappers start processes: one callable, replaceable in tests.

A runner takes an argv and optional stdin text and returns the finished process. Secrets are
only ever passed as stdin; argv is safe to print.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Mapping, Sequence

from mgctl.tools.command import Command

Runner = Callable[[Sequence[str], str | None], "subprocess.CompletedProcess[str]"]


def command_runner(env: Mapping[str, str] | None = None, timeout: float = 900) -> Runner:
    """A runner backed by `mgctl.tools.command.Command` (no shell, captured output)."""

    def run(argv: Sequence[str], stdin: str | None) -> subprocess.CompletedProcess[str]:
        return Command(argv, env=env, timeout=timeout).run(stdin=stdin, check=False)

    return run


def redact(text: str, secrets: Sequence[str]) -> str:
    """Replace every secret value (and each of its lines) in `text` with `***`."""
    for value in secrets:
        if not value:
            continue
        text = text.replace(value, "***")
        for line in value.splitlines():
            if len(line.strip()) >= 8:
                text = text.replace(line.strip(), "***")
    return text
