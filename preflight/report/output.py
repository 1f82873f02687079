"""Writing outputs: atomically (temp file + rename), or to stdout for ``-``."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from pathlib import Path

from preflight.errors import UsageError


def write_text(target: str, text: str) -> str | None:
    """Write ``text`` to ``target`` (``-`` = stdout). Returns the path written, or None for stdout.

    A regular file is replaced atomically (temp file + rename), so a reader never sees half a
    report. Anything else that already exists there — ``/dev/null``, a FIFO, a terminal — is
    written to in place: renaming over it would replace the device itself (as root, even
    ``/dev/null``).
    """
    if target == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return None
    path = Path(target)
    if path.is_dir():
        raise UsageError(f"cannot write {target}: it is a directory")
    if path.exists() and not path.is_file():
        try:
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(text)
        except OSError as exc:
            raise UsageError(f"cannot write {target}: {exc.strerror}") from None
        return str(path)
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise UsageError(f"cannot write {target}: directory {directory} does not exist")
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=directory)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror}") from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    return str(path)
