"""preflight: readiness checks for moving mail to a new server."""

import os as _os
import sys as _sys

# The installed `preflight` program holds Ctrl-C and SIGTERM back (blocked, so they stay pending)
# from its first own line: this package is the first code of ours its entry point imports (the
# `preflight` script runs `from preflight.cli import app`). Only the C-level `_signal` module
# here — `signal` imports `enum`, several milliseconds on a busy machine, and a Ctrl-C in that
# window was a KeyboardInterrupt traceback. :mod:`preflight.cli` then starts the one thread that
# takes both signals (:func:`preflight.cli.interrupt.stop_now`). What remains unguarded is the
# interpreter's own start-up and the script's `import re`, before this line runs (README: Ctrl-C).
# Only for a `preflight` script that loads the CLI (its code names `preflight.cli`): someone's own
# script called `preflight` that uses the library keeps its signals (nothing would take them).


def _entry_point() -> bool:
    """True in the installed program: a script named ``preflight`` importing :mod:`preflight.cli`."""
    if not _sys.argv or _os.path.basename(_sys.argv[0]) != "preflight":
        return False
    frame = _sys._getframe()
    while frame.f_back is not None:  # the outermost frame: the script's module code
        frame = frame.f_back
    return "preflight.cli" in frame.f_code.co_names


if _entry_point():
    import _signal

    if hasattr(_signal, "pthread_sigmask"):
        _signal.pthread_sigmask(_signal.SIG_BLOCK, {_signal.SIGINT, _signal.SIGTERM})

__version__ = "0.1.0"
