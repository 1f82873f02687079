"""Standard output and error that fail as one line: a full disk, a closed stream, a broken pipe.

Python reports a failed write to stdout as an ``OSError`` from wherever the write happened (click's
help, ``--version``, a report on ``-``, the summary), and a closed stdout as ``sys.stdout = None``
that click's ``echo`` silently skips. Here the installed program's ``sys.stdout`` and
``sys.stderr`` are replaced, before anything is written (:func:`install`, called by the app
group's ``main()``), by text streams of the same encoding over a small writer of fd 1 / fd 2:

- stdout: a failed write raises :class:`OutputFailed` (one type, whichever code wrote), which
  :func:`exit_code` turns into ``preflight: error: cannot write to standard output: REASON`` and
  exit 2 — like every other output destination that cannot be used — or, for a reader that
  stopped early (``| head -1``, EPIPE), into a quiet exit 141 (128 + SIGPIPE, what a shell shows
  for any program a closed pipe ended). A stdout closed from the start fails the same way
  ("it is closed"), and so does one open for reading only (``1</dev/null``); commands that would
  write to it check :func:`stdout_problem` before any work.
- stderr: status and error lines are best effort. A closed, full or broken stderr drops them; it
  never stops a run or changes its exit code (it is where a failure would have been told).

After the first failure a stream drops what is left, so Python's final flush at exit stays quiet.
"""

from __future__ import annotations

import errno
import io
import os
import select
import sys
from collections.abc import Callable
from typing import Any, TextIO

from preflight.exitcodes import ExitCode

CLOSED = "it is closed"
READ_ONLY = "it is open for reading only"


class OutputFailed(Exception):
    """Standard output could not be written. Not an ``OSError``: click would end an EPIPE one
    with a silent exit 1 before preflight saw it."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.errno = code
        self.reason = reason


class _FdWriter(io.RawIOBase):
    """Raw writes to one standard descriptor (``None``: closed when the program started)."""

    def __init__(self, fd: int | None, name: str, *, strict: bool, problem: str = CLOSED) -> None:
        super().__init__()
        self._fd = fd
        self._problem = problem
        self.name = name
        self._strict = strict  # stdout: raise OutputFailed; stderr: drop
        self.failed: OutputFailed | None = None

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        if self._fd is None:
            raise io.UnsupportedOperation(f"{self.name}: {self._problem}")
        return self._fd

    def isatty(self) -> bool:
        try:
            return self._fd is not None and os.isatty(self._fd)
        except OSError:
            return False

    def close(self) -> None:
        """Mark closed; fd 1 and 2 themselves stay open."""
        super().close()

    def write(self, data: Any) -> int:
        size = memoryview(data).nbytes
        if self.failed is not None:
            return size  # already told (or stderr): the rest is dropped
        try:
            if self._fd is None:
                raise OSError(errno.EBADF, self._problem)
            return self._write(data)
        except OSError as exc:
            self.failed = OutputFailed(exc.errno or errno.EIO, exc.strerror or str(exc))
            if self._strict:
                raise self.failed from None
            return size

    def _write(self, data: Any) -> int:
        assert self._fd is not None
        while True:
            try:
                return os.write(self._fd, data)
            except BlockingIOError:  # a non-blocking descriptor inherited from the shell: wait
                select.select([], [self._fd], [])


def _text(fd: int | None, like: TextIO | None, name: str, *, strict: bool,
          problem: str = CLOSED) -> io.TextIOWrapper:
    raw = _FdWriter(fd, name, strict=strict, problem=problem)
    return io.TextIOWrapper(
        io.BufferedWriter(raw),
        encoding=getattr(like, "encoding", None) or "utf-8",
        errors=getattr(like, "errors", None) or ("strict" if strict else "backslashreplace"),
        newline="\n",
        line_buffering=bool(getattr(like, "line_buffering", not strict)),
        write_through=bool(getattr(like, "write_through", False)),
    )


def _fd_of(stream: TextIO | None) -> int | None:
    if stream is None:
        return None
    try:
        return stream.fileno()
    except (OSError, ValueError):
        return None


def _read_only(fd: int) -> bool:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        return False
    try:
        return fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE == os.O_RDONLY
    except OSError:
        return False


_STDOUT_PROBLEM: str | None = None


def install() -> Callable[[], None]:
    """Replace the process's own stdout/stderr (not a test runner's) by failing-as-one-line
    streams; returns the function that puts the old ones back."""
    global _STDOUT_PROBLEM
    saved = (sys.stdout, sys.stderr, _STDOUT_PROBLEM)
    if sys.stdout is sys.__stdout__:
        fd = _fd_of(sys.stdout)
        if fd is not None or sys.stdout is None:
            _STDOUT_PROBLEM = CLOSED if fd is None else READ_ONLY if _read_only(fd) else None
            sys.stdout = _text(None if _STDOUT_PROBLEM else fd, sys.stdout, "<stdout>", strict=True,
                               problem=_STDOUT_PROBLEM or CLOSED)
    if sys.stderr is sys.__stderr__:
        fd = _fd_of(sys.stderr)
        if fd is not None or sys.stderr is None:
            sys.stderr = _text(fd, sys.stderr, "<stderr>", strict=False)

    def restore() -> None:
        global _STDOUT_PROBLEM
        for stream in (sys.stdout, sys.stderr):
            if stream is not saved[0] and stream is not saved[1]:
                try:
                    stream.flush()
                except (OSError, OutputFailed, ValueError):
                    pass
        sys.stdout, sys.stderr, _STDOUT_PROBLEM = saved

    return restore


def flush_stdout() -> None:
    """Write out what is still buffered for stdout (raises :class:`OutputFailed`)."""
    if sys.stdout is not None:
        sys.stdout.flush()


def stdout_problem() -> str | None:
    """Why stdout cannot be written since the program started (closed: ``>&-``; open for reading
    only: ``1</dev/null``), or None."""
    if _STDOUT_PROBLEM is not None:
        return _STDOUT_PROBLEM
    return CLOSED if sys.stdout is None else None


def exit_code(failure: OutputFailed) -> ExitCode:
    """Tell a failed stdout on stderr (a broken pipe quietly) and return the exit code."""
    if failure.errno == errno.EPIPE:
        return ExitCode.BROKEN_PIPE
    if sys.stderr is not None:
        try:
            sys.stderr.write(f"preflight: error: cannot write to standard output: {failure.reason}\n")
            sys.stderr.flush()
        except (OSError, ValueError):
            pass
    return ExitCode.USAGE


__all__ = ["CLOSED", "READ_ONLY", "OutputFailed", "exit_code", "flush_stdout", "install", "stdout_problem"]
