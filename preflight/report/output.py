"""Writing outputs: checked before the run, written all-or-none, atomically, modes kept.

:func:`check_targets` runs before any network work: every output path (``--html``,
``--json``, ``--markdown``, the plan's ``[report]`` paths, the demo's folder) must be usable —
no empty name, no NUL, no name over 255 bytes, not a directory, its folder exists and is
writable, no path named twice, at most one output on stdout (``-``).

:func:`write_all` renders nothing itself: it is given every text first, writes each to a
temporary file beside its target, and only when all of them are written renames them into
place (with SIGINT/SIGTERM held back for those few renames). A failure or an interrupt before
that leaves every old file as it was and no new one. A replaced file keeps its mode; a new file
gets the usual mode for the umask (not 0600). An existing target that is not a regular file
(``/dev/null``, a pipe from ``>(...)``) is written in place: renaming over it would replace
the device itself.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import stat
import sys
import tempfile
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from preflight.errors import UsageError

STDOUT = "-"
_TEMPORARY: set[str] = set()
"""Temporary files written but not yet renamed into place (removed on an interrupt)."""
MAX_NAME_BYTES = 255
MAX_PATH_BYTES = 4096


def _fail(option: str, target: str, problem: str) -> UsageError:
    shown = target if len(target) <= 120 else target[:117] + "..."
    return UsageError(f"{option} {shown!r}: {problem}" if option else f"cannot write {shown!r}: {problem}")


def check_target(target: str, option: str = "") -> Path | None:
    """Check one output path; the path (None for stdout) or a UsageError naming ``option``."""
    if target == STDOUT:
        return None
    if not target or not target.strip():
        raise _fail(option, target, "the path is empty")
    if "\x00" in target:
        raise _fail(option, target.replace("\x00", "\\0"), "the path contains a NUL character")
    try:
        encoded = os.fsencode(target)
    except UnicodeError:
        raise _fail(option, target, "the path cannot be encoded for this file system") from None
    if len(encoded) > MAX_PATH_BYTES:
        raise _fail(option, target, f"the path is longer than {MAX_PATH_BYTES} bytes")
    path = Path(target)
    if any(len(os.fsencode(part)) > MAX_NAME_BYTES for part in path.parts):
        raise _fail(option, target, f"a file or folder name is longer than {MAX_NAME_BYTES} bytes")
    if target.endswith(("/", os.sep)) or path.is_dir():
        raise _fail(option, target, "it is a directory")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise _fail(option, target, f"the folder {str(parent)!r} does not exist")
    if path.exists():
        if not os.access(path, os.W_OK):
            raise _fail(option, target, "the file is not writable")
        real = Path(os.path.realpath(path))  # a symlink is written through, not replaced
        if real.is_file() and not os.access(real.parent, os.W_OK | os.X_OK):
            raise _fail(option, target, f"the folder {str(real.parent)!r} is not writable")
        if not real.is_file():
            os.close(_open_in_place(path, option, target))
    elif not os.access(parent, os.W_OK | os.X_OK):
        raise _fail(option, target, f"the folder {str(parent)!r} is not writable")
    return path


def _open_in_place(path: Path, option: str, target: str) -> int:
    """Open an existing pipe or device for writing without waiting: a named pipe that nobody
    reads would otherwise block for ever (and hold Ctrl-C back while outputs are written)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        if exc.errno == errno.ENXIO:
            raise _fail(option, target, "it is a named pipe that no program reads") from None
        raise _fail(option, target, f"cannot open it ({exc.strerror})") from None
    os.set_blocking(fd, True)
    return fd


def check_targets(targets: Mapping[str, str | None]) -> bool:
    """Check every output (option name → path or None); True when one goes to stdout.

    Raises UsageError for a bad path, a path named twice or two outputs on stdout.
    """
    on_stdout: list[str] = []
    seen: dict[str, str] = {}
    for option, target in targets.items():
        if target is None:
            continue
        path = check_target(target, option)
        if path is None:
            on_stdout.append(option)
            continue
        key = os.path.realpath(path)
        if key in seen:
            raise UsageError(f"{seen[key]} and {option} both write {target!r}: give each output its own path")
        seen[key] = option
    if len(on_stdout) > 1:
        raise UsageError(f"only one output can go to stdout ('-'), not {' and '.join(on_stdout)}")
    return bool(on_stdout)


def check_output_dir(directory: Path, option: str = "--output-dir") -> None:
    """A folder to write into: created if missing (with its parents), else a writable folder."""
    text = str(directory)
    if not text or "\x00" in text:
        raise _fail(option, text.replace("\x00", "\\0"), "not a usable folder name")
    if any(len(os.fsencode(part)) > MAX_NAME_BYTES for part in directory.parts):
        raise _fail(option, text, f"a folder name is longer than {MAX_NAME_BYTES} bytes")
    if directory.exists() and not directory.is_dir():
        raise _fail(option, text, "it exists and is not a folder")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _fail(option, text, f"cannot create it ({exc.strerror})") from None
    if not os.access(directory, os.W_OK | os.X_OK):
        raise _fail(option, text, "the folder is not writable")


def _umask() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@dataclass
class _Pending:
    target: str
    path: Path | None
    text: str
    tmp: str | None = None
    in_place: bool = False


RENAMING = threading.Lock()
"""Held while prepared files are renamed into place: the signal watcher of the installed program
(:func:`preflight.cli.interrupt.stop_now`) takes it before it ends the process."""


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT/SIGTERM back while the prepared files are renamed: the watcher thread waits
    for :data:`RENAMING`; a main-thread handler is held back by the signal mask."""
    with RENAMING:
        if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not threading.main_thread():
            yield
            return
        held = {signal.SIGINT, signal.SIGTERM}
        old = signal.pthread_sigmask(signal.SIG_BLOCK, held)
        try:
            yield
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _prepare(item: _Pending, umask: int) -> None:
    assert item.path is not None
    if item.path.exists() and not Path(os.path.realpath(item.path)).is_file():
        item.in_place = True
        return
    path = Path(os.path.realpath(item.path)) if item.path.is_symlink() else item.path
    directory = path.parent if str(path.parent) else Path(".")
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        mode = 0o666 & ~umask
    fd, item.tmp = tempfile.mkstemp(prefix=f".{path.name[:200]}.", suffix=".tmp", dir=directory)
    _TEMPORARY.add(item.tmp)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(item.text)
        handle.flush()
        os.fchmod(handle.fileno(), mode)


def write_all(outputs: Iterable[tuple[str, str]]) -> list[str | None]:
    """Write every ``(target, text)`` or none; the paths written (None for stdout), in order."""
    items = [_Pending(target, check_target(target), text) for target, text in outputs]
    umask = _umask()
    try:
        for item in items:
            if item.path is not None:
                _prepare(item, umask)
        with _signals_held():
            for item in items:
                if item.path is None:
                    continue
                if not item.in_place:
                    assert item.tmp is not None
                    os.replace(item.tmp, Path(os.path.realpath(item.path)) if item.path.is_symlink() else item.path)
                    _TEMPORARY.discard(item.tmp)
                    item.tmp = None
        # Pipes and devices last, outside the hold: a slow reader must not keep Ctrl-C waiting.
        for item in items:
            if item.in_place:
                assert item.path is not None
                with os.fdopen(_open_in_place(item.path, "", item.target), "w", encoding="utf-8") as handle:
                    handle.write(item.text)
                item.in_place = False
    except OSError as exc:
        failed = next((i.target for i in items if i.tmp is not None or i.in_place), "")
        raise UsageError(f"cannot write {failed}: {exc.strerror or exc}") from None
    finally:
        for item in items:
            if item.tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(item.tmp)
                _TEMPORARY.discard(item.tmp)
    for item in items:
        if item.path is None:
            sys.stdout.write(item.text)
            sys.stdout.flush()
    return [None if item.path is None else str(item.path) for item in items]


def discard_temporary() -> None:
    """Remove the temporary files of a write that will not finish (called on SIGINT/SIGTERM)."""
    for name in list(_TEMPORARY):
        with contextlib.suppress(OSError):
            os.unlink(name)
        _TEMPORARY.discard(name)


def write_text(target: str, text: str) -> str | None:
    """Write ``text`` to ``target`` (``-`` = stdout). Returns the path written, or None for stdout."""
    return write_all([(target, text)])[0]


__all__ = ["check_output_dir", "discard_temporary", "check_target", "check_targets", "write_all", "write_text"]
