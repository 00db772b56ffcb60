"""What every command shares: exit codes, the console, loading the config with readable errors,
and one way to end on bad input (a message and exit 2, never a traceback)."""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from mgctl.config import ConfigError, Platform, load_platform

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report Ctrl-C

console = Console()
err_console = Console(stderr=True)


class OutputFormat(enum.StrEnum):
    text = "text"
    json = "json"


ConfigOption = typer.Option(
    Path("platform.yaml"), "--config", "-c", help="The platform.yaml to read.", show_default=True
)


def fail(message: str, code: int = EXIT_USAGE, details: list[str] | None = None) -> NoReturn:
    """Print `error: message` (and indented details) on stderr and exit with `code`."""
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    for line in details or []:
        err_console.print(f"  {line}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def os_error_message(exc: OSError) -> str:
    """`path: reason` for an OSError, with both paths of a failed rename."""
    reason = exc.strerror or str(exc)
    if exc.filename is not None and exc.filename2 is not None:
        return f"{exc.filename} -> {exc.filename2}: {reason}"
    if exc.filename is not None:
        return f"{exc.filename}: {reason}"
    return reason


def config_error_exit(exc: ConfigError) -> NoReturn:
    fail(
        f"{exc.file} is not a valid platform config:",
        details=[issue.render(exc.file) for issue in exc.issues],
    )


@contextmanager
def usage_errors() -> Iterator[None]:
    """Bad input and unusable paths end as exit 2 with a message, never a traceback."""
    try:
        yield
    except ConfigError as exc:
        config_error_exit(exc)
    except UnicodeDecodeError as exc:
        fail(f"a file is not UTF-8 text: {exc}")
    except OSError as exc:
        fail(os_error_message(exc))


P = ParamSpec("P")
R = TypeVar("R")


def exits_on_bad_input(command: Callable[P, R]) -> Callable[P, R]:
    """A command whose unusable paths and undecodable files end in `usage_errors`."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        with usage_errors():
            return command(*args, **kwargs)

    return run


def load_or_exit(path: Path) -> Platform:
    try:
        return load_platform(path)
    except ConfigError as exc:
        config_error_exit(exc)
