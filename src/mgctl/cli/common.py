"""What every command shares: exit codes, the console, loading the config with readable errors,
one way to end on bad input (a message and exit 2, never a traceback), JSON errors for
`--output json`, and tidy help texts."""

from __future__ import annotations

import enum
import functools
import inspect
import io
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn, ParamSpec, TextIO, TypeVar

import typer
import typer.core
from rich.console import Console
from rich.markup import escape

from mgctl.charts.cache import CHARTS_ENV, ChartCache, ChartCacheError, default_cache_dir
from mgctl.config import ConfigError, Platform, load_platform

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report Ctrl-C
# Piped into a file or a CI log nothing is hard-wrapped: a path or a count is never split.
UNWRAPPED_WIDTH = 10_000


def make_console(stderr: bool = False) -> Console:
    """A terminal gets rich's wrapping at its width; anything else gets whole lines."""
    probe = Console(stderr=stderr)
    if probe.is_terminal:
        return probe
    return Console(stderr=stderr, width=UNWRAPPED_WIDTH, soft_wrap=True)


console = make_console()
err_console = make_console(stderr=True)


class OutputFormat(enum.StrEnum):
    text = "text"
    json = "json"


CHARTS_HELP = (
    f"Chart cache dir (default: ${CHARTS_ENV} or {default_cache_dir()}; "
    "`mgctl charts fetch` fills it)."
)


ConfigOption = typer.Option(
    Path("platform.yaml"), "--config", "-c", help="The platform.yaml to read.", show_default=True
)
OutputOption = typer.Option(
    OutputFormat.text,
    "--output",
    help="text for people, json for programs (errors too: one JSON object on stdout).",
)


def plural(count: int, noun: str, plural_form: str | None = None) -> str:
    """`1 check`, `2 checks`."""
    return f"{count} {noun if count == 1 else plural_form or noun + 's'}"


def fail(message: str, code: int = EXIT_USAGE, details: list[str] | None = None) -> NoReturn:
    """Print `error: message` (and indented details) on stderr and exit with `code`."""
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    for line in details or []:
        err_console.print(f"  {line}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def chart_cache_or_exit(charts: Path | None) -> ChartCache:
    """The chart cache. One the user named (--charts DIR, $MGCTL_CHARTS) must be a directory:
    a mistyped path is a usage error, not a finding for every chart. The default cache may be
    absent: each chart it lacks is then a finding that says to fetch it."""
    cache = ChartCache(charts)
    if charts is not None or os.environ.get(CHARTS_ENV):
        try:
            cache.require_dir()
        except ChartCacheError as exc:
            fail(str(exc))
    return cache


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


# --- `--output json` errors ---------------------------------------------------------------


class _WriteTracker(io.TextIOBase):
    """Passes writes through to `target` and remembers whether any happened."""

    def __init__(self, target: TextIO) -> None:
        self.target = target
        self.written = False

    def write(self, text: str) -> int:
        if text:
            self.written = True
        return self.target.write(text)

    def flush(self) -> None:
        self.target.flush()

    def isatty(self) -> bool:
        return False


def error_object(message: str, exit_code: int) -> dict[str, Any]:
    return {"error": {"message": message, "exitCode": exit_code}}


def json_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """With `--output json`, a command that fails without printing its JSON result prints one
    error object on stdout instead, `{"error": {"message", "exitCode"}}`, with the same exit
    code. The command's error paths stay as they are: what it writes to stderr becomes the
    message (and still goes to stderr)."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        if kwargs.get("output") is not OutputFormat.json:
            return command(*args, **kwargs)
        stdout = _WriteTracker(sys.stdout)
        previous_stdout, sys.stdout = sys.stdout, stdout
        err_console.begin_capture()
        exit_code = EXIT_OK
        try:
            return command(*args, **kwargs)
        except typer.Exit as exc:
            exit_code = exc.exit_code
            raise
        finally:
            captured = err_console.end_capture()
            sys.stdout = previous_stdout
            sys.stderr.write(captured)
            if exit_code != EXIT_OK and not stdout.written:
                message = captured.strip().removeprefix("error:").strip()
                message = message or f"exit code {exit_code}"
                previous_stdout.write(json.dumps(error_object(message, exit_code)) + "\n")

    return run


def install_json_errors(app: typer.Typer) -> None:
    """Wrap every command of `app` (and its sub-apps) that has an `output` parameter."""
    for info in app.registered_commands:
        callback = info.callback
        if callback is not None and "output" in _parameters(callback):
            info.callback = json_errors(callback)
    for group in app.registered_groups:
        if group.typer_instance is not None:
            install_json_errors(group.typer_instance)


def _parameters(callback: Callable[..., Any]) -> set[str]:
    return set(inspect.signature(callback).parameters)


# --- help texts ---------------------------------------------------------------------------


def tidy_help() -> None:
    """Typer 0.29 prints `--force <bool>`, `--schemas <list[Path]>` and `Usage: … {out}`.
    Flags get no type, repeatable options `<path>...`, arguments click's `OUT` / `[OUT]`.
    (Overrides of typer.core display methods; tests/cli/test_help.py keeps them honest.)"""
    option_type = typer.core.TyperOption.display_type_rich

    def option_display(self: typer.core.TyperOption, ctx: Any) -> str | None:
        if self.is_flag and self.metavar is None:
            return None
        descriptor = self.type_descriptor
        if descriptor.is_list and self.metavar is None and not descriptor.is_choice:
            return f"<{_element_label(self)}>..."
        return option_type(self, ctx)

    def argument_usage(self: typer.core.TyperArgument) -> str:
        name = (self.metavar or self.name or "").upper()
        name = name if self.required else f"[{name}]"
        return name + ("..." if self.nargs != 1 else "")

    typer.core.TyperOption.display_type_rich = option_display  # type: ignore[method-assign]
    typer.core.TyperArgument._usage_display_name = argument_usage  # type: ignore[method-assign]


def _element_label(option: typer.core.TyperOption) -> str:
    label = option.bare_type()  # list[Path]
    inner = label.removeprefix("list[").removesuffix("]")
    return inner.lower()
