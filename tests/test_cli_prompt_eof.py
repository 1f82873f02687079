"""End of input (Ctrl-D) at the SSH password prompt is bad input: one line, exit 2 — not click's
``Abort`` reported as an internal error (exit 4). Run as the installed program on a real
pseudo-terminal; the key is sent once the prompt has turned echo off (its state, not a delay)."""

from __future__ import annotations

import os
import select
import signal
import sys
import termios
import time
from pathlib import Path

import pytest

pty = pytest.importorskip("pty")

ARGS = ["check", "--ip", "192.0.2.1", "--nameserver", "127.0.0.1:9", "--ssh", "root@127.0.0.1:1",
        "--ssh-password", "--no-smtp", "--no-blocklists"]


def _run_on_a_terminal(keys: bytes) -> tuple[int, str]:
    exe = str(Path(sys.executable).with_name("preflight"))
    pid, master = pty.fork()
    if pid == 0:  # the child: the installed program, the pseudo-terminal as its terminal
        os.execv(exe, [exe, *ARGS])
    output, sent, deadline = b"", False, time.monotonic() + 60  # only a hang guard
    try:
        while time.monotonic() < deadline:
            if not sent and b"SSH password" in output and not termios.tcgetattr(master)[3] & termios.ECHO:
                os.write(master, keys)  # the prompt reads now: echo is off (getpass set it)
                sent = True
            ready, _, _ = select.select([master], [], [], 0.05)
            if ready:
                try:
                    chunk = os.read(master, 4096)
                except OSError:  # EIO: the program closed the terminal (it ended)
                    break
                if not chunk:
                    break
                output += chunk
        else:
            os.kill(pid, signal.SIGKILL)
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(master)
    return os.waitstatus_to_exitcode(status), output.decode("utf-8", "replace")


def test_end_of_input_at_the_password_prompt_is_one_line_and_exit_2() -> None:
    # Given the program asking for the SSH password on a terminal
    # When the user answers with Ctrl-D (end of input)
    code, output = _run_on_a_terminal(b"\x04")
    # Then one error line, exit 2: nothing was typed, nothing was checked
    lines = [line for line in output.replace("\r", "").splitlines() if line.strip()]
    assert code == 2, output
    assert lines[-1].startswith("preflight: error: --ssh-password: no password typed"), output
    assert "internal error" not in output and "Traceback" not in output
