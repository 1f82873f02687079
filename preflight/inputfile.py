"""Reading the files a user hands us (plans, saved reports, CA files, keys, known_hosts).

Each must be a regular file: a FIFO would block forever, ``/dev/zero`` never ends and a
directory is a mistake, so all three are a one-line :class:`UsageError` (exit 2) at once.
The size cap is enforced while reading, not from ``stat`` (a device reports size 0).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from preflight.errors import UsageError

CHUNK = 1024 * 1024

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _kind(mode: int) -> str:
    for test, name in _KINDS:
        if test(mode):
            return name
    return "not a regular file"


def _not_found(what: str, path: str | Path) -> UsageError:
    if what.startswith(("--", "plan:")):
        return UsageError(f"{what}: file not found: {path}")
    return UsageError(f"{what} not found: {path}")


def _fail_not_regular(what: str, path: str | Path, mode: int) -> UsageError:
    return UsageError(f"{what}: {path} is {_kind(mode)}, not a regular file")


def check_regular(path: str | Path, what: str, *, missing_ok: bool = False) -> bool:
    """Raise unless ``path`` is a regular file (symlinks followed); False when absent and allowed.

    For files a library opens itself (paramiko's known_hosts): the check happens before the
    library could block on a FIFO.
    """
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        if missing_ok:
            return False
        raise _not_found(what, path) from None
    except (OSError, ValueError) as exc:
        raise UsageError(f"{what}: cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from None
    if not stat.S_ISREG(mode):
        raise _fail_not_regular(what, path, mode)
    return True


def read_bytes(path: str | Path, what: str, limit: int) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; anything else is a UsageError.

    Opened non-blocking (a FIFO is not waited on), checked with ``fstat`` on the open handle (no
    race with a swapped path), and read in chunks that stop one byte past the limit.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise _not_found(what, path) from None
    except IsADirectoryError:
        raise UsageError(f"{what}: {path} is a directory, not a regular file") from None
    except (OSError, ValueError) as exc:
        raise UsageError(f"{what}: cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise _fail_not_regular(what, path, mode)
        chunks: list[bytes] = []
        size = 0
        while True:
            chunk = os.read(fd, min(CHUNK, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                raise UsageError(f"{what}: {path} is larger than {limit:,} bytes")
        return b"".join(chunks)
    except OSError as exc:
        raise UsageError(f"{what}: cannot read {path}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


def read_text(path: str | Path, what: str, limit: int) -> str:
    """:func:`read_bytes` decoded as UTF-8 (a one-line error when it is not)."""
    raw = read_bytes(path, what, limit)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"{what}: {path} is not UTF-8 text") from None


__all__ = ["check_regular", "read_bytes", "read_text"]
