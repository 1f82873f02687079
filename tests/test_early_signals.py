"""Ctrl-C / SIGTERM at the very start of the installed program: both are held back from the
first line of ours that runs (the ``preflight`` package, which the entry point imports first),
with nothing slow imported before — so the window where a Ctrl-C still prints a
KeyboardInterrupt traceback is only the interpreter's start-up and the entry script's ``import re``.
No timing: the probe checks the signal mask and what was imported, in a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys
import tempfile

PROBE = (
    "import sys, _signal; before = set(sys.modules); sys.argv = ['/usr/local/bin/preflight']; "
    "import preflight; blocked = _signal.pthread_sigmask(_signal.SIG_BLOCK, []); "
    "print(_signal.SIGINT in blocked, _signal.SIGTERM in blocked, sorted(set(sys.modules) - before))"
)


def _probe(argv0_is_preflight: bool = True) -> str:
    code = PROBE if argv0_is_preflight else PROBE.replace("/usr/local/bin/preflight", "/usr/bin/other")
    with tempfile.TemporaryDirectory() as elsewhere:  # the installed package, not a source tree in cwd
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                              cwd=elsewhere)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_the_package_holds_both_signals_before_importing_anything() -> None:
    # When the installed program's first import of ours has run
    # Then SIGINT and SIGTERM are blocked, and that import loaded nothing but the package itself
    # (no `signal`, `enum` or `threading`: the block comes first)
    assert _probe() == "True True ['preflight']"


def test_other_programs_importing_preflight_keep_their_signals() -> None:
    assert _probe(argv0_is_preflight=False) == "False False ['preflight']"
