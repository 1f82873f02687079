"""Usage errors that typer/click finds (unknown option or command, missing value or argument, a
value of the wrong type) are ONE line on stderr and exit 2, like every other bad input — for
every command, escaped like our other error lines."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from preflight.cli import app

COMMANDS = sorted(get_command(app).commands)  # type: ignore[attr-defined]


def _one_line(output: str) -> str:
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1, output
    assert "Traceback" not in output and "Usage:" not in output and "Try '" not in output
    assert lines[0].startswith("preflight: error: "), output
    return lines[0]


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_every_command_is_covered() -> None:
    assert {"check", "render", "diff", "history", "lists", "message", "demo"} <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_an_unknown_option_is_one_line_for_every_command(command: str) -> None:
    # Given an option no command has, When it is given to the command
    code, output = invoke(command, "--no-such-flag")
    # Then one line names it and the command's help, exit 2
    assert code == 2, output
    assert _one_line(output) == (
        f"preflight: error: no such option: --no-such-flag (see 'preflight {command} --help')")


@pytest.mark.parametrize(("args", "expected"), [
    (("check", "--ip"), "option '--ip' requires an argument (see 'preflight check --help')"),
    (("lists", "--lang"), "option '--lang' requires an argument (see 'preflight lists --help')"),
    (("render",), "missing argument 'report' (see 'preflight render --help')"),
    (("diff", "a.json"), "missing argument 'after' (see 'preflight diff --help')"),
    (("message",), "missing argument 'FILE.eml' (see 'preflight message --help')"),
    (("check", "--ip", "192.0.2.1", "--timeout", "soon"), "invalid value for '--timeout'"),
    (("nosuch",), "no such command 'nosuch' (see 'preflight --help')"),
    (("--bogus",), "no such option: --bogus (see 'preflight --help')"),
], ids=["missing-value", "missing-value-lists", "missing-argument", "missing-second-argument",
        "missing-message-file", "bad-number", "unknown-command", "unknown-group-option"])
def test_usage_errors_are_one_line_and_exit_2(args: tuple[str, ...], expected: str) -> None:
    code, output = invoke(*args)
    assert code == 2, output
    line = _one_line(output)
    assert line.startswith("preflight: error: ")
    assert expected in line


def test_what_the_user_typed_is_escaped_and_stays_on_one_line() -> None:
    # Given an option name carrying an ANSI escape and a newline
    code, output = invoke("check", "--\x1b[31mred\nsecond")
    # Then the line shows them as text: nothing reaches the terminal raw, still one line
    assert code == 2
    line = _one_line(output)
    assert "\x1b" not in output and "\\x1b[31mred" in line


def test_no_arguments_still_shows_the_help() -> None:
    code, output = invoke()
    assert "Usage: preflight" in output and "Commands:" in output
    assert code == 2


def test_the_installed_program_prints_one_line_on_stderr() -> None:
    exe = Path(sys.executable).with_name("preflight")
    done = subprocess.run([str(exe), "check", "--foo"], capture_output=True, text=True, timeout=60,
                          env={**os.environ})
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == "preflight: error: no such option: --foo (see 'preflight check --help')\n"
