"""Ctrl-C and SIGTERM: stop at once with one line, exit 130 / 143, and leave no partial output.

Python's default Ctrl-C raises KeyboardInterrupt wherever the main thread happens to be, and
the interpreter then waits for worker threads (DNS, SMTP, SSH pools) to finish their timeouts
before it exits. Here the handler ends the process itself: it removes the temporary files of
an unfinished write (:func:`preflight.report.output.discard_temporary`; the final renames run
with both signals held, so outputs are all-or-none), prints one line and exits at once.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Callable, Iterator
from typing import Any

from preflight.exitcodes import ExitCode
from preflight.report.output import discard_temporary

_CODES = {signal.SIGINT: (ExitCode.INTERRUPTED, "interrupted"),
          signal.SIGTERM: (ExitCode.TERMINATED, "terminated")}


def _stop(signum: int, frame: Any) -> None:  # noqa: ARG001 - signal handler signature
    code, word = _CODES.get(signum, (ExitCode.TERMINATED, "terminated"))
    discard_temporary()
    with contextlib.suppress(OSError):
        os.write(2, f"preflight: {word}: stopped, no report written\n".encode())
    os._exit(int(code))


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """While the body runs, SIGINT exits 130 and SIGTERM 143 at once (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous: dict[int, Callable[..., Any] | int | None] = {}
    for signum in _CODES:
        previous[signum] = signal.signal(signum, _stop)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)


__all__ = ["stop_on_signals"]
