"""One way to run an external program: a `Command` whose failures quote the command line."""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path


class CommandError(RuntimeError):
    """An external program failed; the message quotes the command and its stderr."""

    def __init__(self, argv: Sequence[str], returncode: int, stdout: str, stderr: str) -> None:
        self.argv = list(argv)
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        detail = (stderr or stdout).strip()
        super().__init__(
            f"command failed (exit {returncode}): {shlex.join(self.argv)}"
            + (f"\n{detail}" if detail else "")
        )


@dataclass(frozen=True)
class Command:
    """An argv plus how to run it. Secrets go through `stdin`, never through argv."""

    argv: Sequence[str]
    cwd: Path | None = None
    env: Mapping[str, str] | None = None
    timeout: float | None = 600
    extra: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return shlex.join(self.argv)

    def run(self, stdin: str | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
        try:
            raw = subprocess.run(
                list(self.argv),
                cwd=self.cwd,
                env=dict(self.env) if self.env is not None else None,
                input=stdin.encode() if stdin is not None else None,
                capture_output=True,
                timeout=self.timeout,
                check=False,
            )
        except FileNotFoundError as exc:
            raise CommandError(self.argv, 127, "", f"{self.argv[0]}: not found") from exc
        except subprocess.TimeoutExpired as exc:
            raise CommandError(self.argv, 124, "", f"timed out after {self.timeout}s") from exc
        proc = subprocess.CompletedProcess(
            raw.args, raw.returncode, _text(raw.stdout), _text(raw.stderr)
        )
        if check and proc.returncode != 0:
            raise CommandError(self.argv, proc.returncode, proc.stdout, proc.stderr)
        return proc


def _text(data: bytes) -> str:
    """What text mode gives (UTF-8, universal newlines), without its per-chunk newline
    translation, which costs more than the rest of reading megabytes of helm output; bytes
    that are not UTF-8 are replaced rather than fail."""
    text = data.decode("utf-8", errors="replace")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text
