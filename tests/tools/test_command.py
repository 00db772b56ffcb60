"""`Command`: text like text mode gives it, failures that quote the command line."""

from __future__ import annotations

import pytest

from mgctl.tools.command import Command, CommandError


def test_output_is_text_with_universal_newlines() -> None:
    proc = Command(["printf", "a\\r\\nb\\rc\\n"]).run()
    assert proc.stdout == "a\nb\nc\n"


def test_bytes_that_are_not_utf8_do_not_fail_the_run() -> None:
    proc = Command(["printf", "ok \\377\\n"]).run()
    assert proc.stdout == "ok \ufffd\n"


def test_stdin_is_passed_and_stderr_kept() -> None:
    proc = Command(["sh", "-c", "cat; echo warn >&2"]).run(stdin="data é\n")
    assert (proc.stdout, proc.stderr) == ("data é\n", "warn\n")


def test_a_failure_quotes_the_command_and_its_stderr() -> None:
    with pytest.raises(CommandError) as caught:
        Command(["sh", "-c", "echo broken >&2; exit 3"]).run()
    assert caught.value.returncode == 3
    assert "exit 3" in str(caught.value) and "sh -c 'echo broken >&2; exit 3'" in str(caught.value)
    assert str(caught.value).endswith("broken")


def test_a_missing_program_is_exit_127() -> None:
    with pytest.raises(CommandError, match="not found") as caught:
        Command(["mgctl-no-such-program"]).run()
    assert caught.value.returncode == 127
