"""Compiled templates kept between runs, so ``preflight render`` does not compile them each time.

Compiling the report's templates costs more than rendering them (~0.1–0.2 s of a ~0.3 s
``render``). Jinja2's own :class:`jinja2.FileSystemBytecodeCache` keeps the compiled code in a
per-user directory of the system temp directory (created 0700, refused if another user owns
it); an entry is used only for the same template file with the same source checksum and the
same Python version. The file names carry preflight's version and our environment options, so
another release or other options never read this one's code. Any trouble with the directory
(unsafe, read-only, full) means no cache — never a failed render.
"""

from __future__ import annotations

import hashlib
from typing import Any

import jinja2
from jinja2.bccache import Bucket

from preflight import __version__


class _QuietCache(jinja2.FileSystemBytecodeCache):
    """A file system cache whose read or write errors only cost a compile."""

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except OSError:
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:
            pass


def bytecode_cache(options: dict[str, Any]) -> jinja2.BytecodeCache | None:
    """The cache for an environment built with ``options``, or None when there is no safe place."""
    tag = hashlib.sha256(repr(sorted(options.items())).encode()).hexdigest()[:12]
    try:
        return _QuietCache(pattern=f"__preflight-{__version__}-{tag}-%s.cache")
    except (OSError, RuntimeError):  # no temp directory, or one another user could write to
        return None
