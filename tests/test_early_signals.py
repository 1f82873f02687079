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
    "print(_signal.SIGINT in blocked, _signal.SIGTERM in blocked, sorted(set(sys.modules) - before))\n"
    # the entry script's code names preflight.cli (here in a branch that never runs, so that the
    # probe sees what `import preflight` alone loaded)
    "if len(sys.argv) > 99: from preflight.cli import app\n"
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


CHILD_MASK = (
    "import _signal, subprocess, sys; {imports}; "
    "blocked = _signal.pthread_sigmask(_signal.SIG_BLOCK, []); "
    "child = subprocess.run(['grep', '^SigBlk', '/proc/self/status'], capture_output=True, text=True).stdout; "
    "mask = int(child.split()[1], 16); "
    "print(_signal.SIGINT in blocked, _signal.SIGTERM in blocked, "
    "bool(mask >> (_signal.SIGINT - 1) & 1), bool(mask >> (_signal.SIGTERM - 1) & 1))\n"
)


def _run_as_preflight(imports: str) -> str:
    """Run a script whose file is named ``preflight`` (as the installed program's is)."""
    with tempfile.TemporaryDirectory() as elsewhere:
        script = f"{elsewhere}/preflight"
        with open(script, "w", encoding="utf-8") as out:
            out.write(CHILD_MASK.format(imports=imports))
        done = subprocess.run([sys.executable, script], capture_output=True, text=True, timeout=60,
                              cwd=elsewhere)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_a_program_named_preflight_using_the_library_keeps_its_signals() -> None:
    # Given someone's own script called `preflight` that uses preflight's parts, not its CLI
    # When it imports them and starts a child process
    # Then neither it nor the child has Ctrl-C/SIGTERM blocked (nothing would ever take them:
    # the watcher thread belongs to the CLI)
    assert _run_as_preflight("import preflight.values, preflight.textsafe") == "False False False False"


def test_the_entry_point_blocks_only_when_it_loads_the_cli() -> None:
    # the installed program's script imports preflight.cli: blocked (the watcher thread takes them)
    assert _run_as_preflight("from preflight.cli import app").startswith("True True ")
