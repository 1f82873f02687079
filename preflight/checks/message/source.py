"""Reading a saved message (``.eml``): a regular, readable file, bounded in size.

Anything that is not such a file is a one-line :class:`~preflight.errors.UsageError` (exit 2):
missing, a directory, a FIFO or device, unreadable, empty, or without a single header field.
A file larger than :data:`MAX_MESSAGE_BYTES` is read up to the limit and marked truncated: its
headers are analysed, its body is not judged (a cut body would look "changed in transit").
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from preflight.errors import UsageError

MAX_MESSAGE_BYTES = 25 * 1024 * 1024
"""Gmail's and Outlook.com's message size limit; a test message is far smaller."""


@dataclass(frozen=True)
class MessageFile:
    """The bytes of one saved message and where they came from."""

    name: str
    """The file name as given (shown in reports)."""
    data: bytes
    size: int
    """Size of the file on disk, in bytes."""
    truncated: bool = False
    """True when the file was larger than :data:`MAX_MESSAGE_BYTES` and only its start was read."""


def read_message(path: str | Path, limit: int = MAX_MESSAGE_BYTES) -> MessageFile:
    """Read ``path``; raise :class:`UsageError` when it is not a readable regular file."""
    shown = str(path)[:200]
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        # Open without blocking (a FIFO would wait for a writer), then insist on a regular file.
        fd = os.open(str(path), flags)
    except FileNotFoundError:
        raise UsageError(f"message file not found: {shown}") from None
    except IsADirectoryError:
        raise UsageError(f"message file {shown} is a directory, not a saved message") from None
    except OSError as exc:
        raise UsageError(f"cannot read message file {shown}: {exc.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UsageError(f"message file {shown} is not a regular file (a directory, FIFO or device)")
        chunks: list[bytes] = []
        remaining = limit + 1
        while remaining > 0:
            try:
                chunk = os.read(fd, min(remaining, 1 << 20))
            except OSError as exc:
                raise UsageError(f"cannot read message file {shown}: {exc.strerror}") from None
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
    finally:
        os.close(fd)
    data = b"".join(chunks)
    truncated = len(data) > limit
    if truncated:
        data = data[:limit]
    if not data.strip():
        raise UsageError(f"message file {shown} is empty")
    return MessageFile(Path(str(path)).name[:200] or shown, data, max(info.st_size, len(data)), truncated)
