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
from preflight.report.output import RENAMING, discard_temporary

_CODES = {signal.SIGINT: (ExitCode.INTERRUPTED, "interrupted"),
          signal.SIGTERM: (ExitCode.TERMINATED, "terminated")}


def _stop(signum: int, frame: Any) -> None:  # noqa: ARG001 - signal handler signature
    code, word = _CODES.get(signum, (ExitCode.TERMINATED, "terminated"))
    discard_temporary()
    with contextlib.suppress(OSError):
        os.write(2, f"preflight: {word}: stopped, no report written\n".encode())
    os._exit(int(code))


def stop_now() -> None:
    """The installed program, before anything else runs: from now on SIGINT exits 130 and SIGTERM
    143 at once, whichever thread is busy.

    A Python handler runs only in the main thread, and only once that thread runs again: when the
    kernel hands the signal to a worker thread while the main thread waits on a pool's result,
    nothing wakes it (a run ignored Ctrl-C until a 30 s DNS timeout). So both signals are blocked
    here, while this is still the only thread — every thread started later inherits the block —
    and one watcher thread takes them with ``sigwait``.
    """
    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not threading.main_thread():
        for signum in _CODES:
            signal.signal(signum, _stop)
        return
    signal.pthread_sigmask(signal.SIG_BLOCK, set(_CODES))
    threading.Thread(target=_watch, name="preflight-signals", daemon=True).start()


def _watch() -> None:
    signum = signal.sigwait(set(_CODES))
    with RENAMING:  # let a rename of prepared outputs finish: all or none
        _stop(signum, None)


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


__all__ = ["stop_now", "stop_on_signals"]
