"""Interactive use is unchanged by the program's own stdout/stderr (:mod:`preflight.cli.streams`).

On a terminal the swapped streams must still be terminals to rich and click (colours, spinner),
line buffered (a line appears as it is written) and of the same encoding and error handler as
Python's own; on a pipe they keep Python's block buffering and encoding.
"""

from __future__ import annotations

import os
import pty
import subprocess
import sys

PROBE = (
    "import sys\n"
    "before = [(s.isatty(), s.line_buffering, s.encoding, s.errors, s.write_through) for s in (sys.stdout, sys.stderr)]\n"
    "from preflight.cli import streams\n"
    "restore = streams.install()\n"
    "after = [(s.isatty(), s.line_buffering, s.encoding, s.errors, s.write_through) for s in (sys.stdout, sys.stderr)]\n"
    "swapped = sys.stdout is not sys.__stdout__ and sys.stderr is not sys.__stderr__\n"
    "restore()\n"
    "print(repr((swapped, before == after, after)))\n"
)


def _on_terminal() -> str:
    pid, fd = pty.fork()
    if pid == 0:  # the child: stdin, stdout and stderr are the terminal
        env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
        os.execve(sys.executable, [sys.executable, "-c", PROBE], env)
    out = b""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    os.waitpid(pid, 0)
    os.close(fd)
    return out.decode().strip()


def test_streams_on_a_terminal_stay_line_buffered_terminals() -> None:
    # Given the program's streams on a terminal, When they are swapped for fd writers
    swapped, same, after = eval(_on_terminal())  # noqa: S307 - our own repr() of literals
    # Then they are still terminals, stdout line buffered, with Python's encoding and errors
    assert swapped
    assert same, after
    assert after[0][:2] == (True, True) and after[1][0]


def test_streams_on_a_pipe_keep_pythons_buffering_and_encoding() -> None:
    for lang in ("C", "C.UTF-8"):
        env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
        env |= {"LANG": lang, "LC_ALL": ""}
        done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, env=env,
                              check=True, timeout=60)
        swapped, same, after = eval(done.stdout.decode())  # noqa: S307 - our own repr()
        assert swapped
        assert same, (lang, after)
        assert after[0][:2] == (False, False)  # a pipe: block buffered, not a terminal
