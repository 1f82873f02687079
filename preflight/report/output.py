"""Writing outputs: atomically (temp file + rename), or to stdout for ``-``."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from preflight.errors import UsageError


def write_text(target: str, text: str) -> str | None:
    """Write ``text`` to ``target`` (``-`` = stdout). Returns the path written, or None for stdout."""
    if target == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return None
    path = Path(target)
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise UsageError(f"cannot write {target}: directory {directory} does not exist")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=directory)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror}") from None
    return str(path)
