"""A private per-user cache of derived files: work a later run may reuse, never trust blindly.

Used for the parsed locale catalogues (:mod:`preflight.i18n.messages`) and the compiled report
templates (:mod:`preflight.report._templatecache`). Every entry is something preflight can
rebuild from files it ships, so the rules are simple:

- **Where**: ``$PREFLIGHT_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/preflight``, else
  ``~/.cache/preflight``; the directory is created mode 0700 and used only while it is a real
  directory (not a symlink) owned by this user that nobody else can read or write (an existing
  one is never chmod-ed). Anything else means no cache, never an error.
- **What**: an entry is ``(name, key) → payload``. The file stores the key and a SHA-256 of the
  payload next to it; :func:`read` returns the payload only when both match, so a stale entry
  (other source files, another release) or a corrupt one (truncated, flipped bits) reads as
  "not cached" and the caller rebuilds it.
- **How**: written to a temporary file in the same directory, then renamed into place, so a
  reader never sees half an entry; concurrent writers simply race to the same content.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import tempfile
from pathlib import Path

ENV_VAR = "PREFLIGHT_CACHE_DIR"
MAGIC = b"preflight-cache 1\n"
MAX_ENTRY_BYTES = 16 * 1024 * 1024
"""Entries larger than this are neither written nor read (ours are well under 1 MB)."""

_checked: dict[str, Path | None] = {}


def _candidate() -> Path | None:
    explicit = os.environ.get(ENV_VAR)
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and os.path.isabs(xdg):
        return Path(xdg) / "preflight"
    home = os.environ.get("HOME") or os.path.expanduser("~")
    if not home or not os.path.isabs(home):
        return None
    return Path(home) / ".cache" / "preflight"


def _private(path: Path) -> bool:
    """True when ``path`` is a directory (not a symlink) of ours that no one else may use.

    An existing directory is never chmod-ed: ``PREFLIGHT_CACHE_DIR=/tmp`` run as root must not
    close /tmp. One that others could use is simply not a cache.
    """
    if not hasattr(os, "geteuid"):
        return False
    try:
        info = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISDIR(info.st_mode) and info.st_uid == os.geteuid() and stat.S_IMODE(info.st_mode) & 0o077 == 0


def directory() -> Path | None:
    """The private cache directory (created if missing), or None when there is no safe one."""
    candidate = _candidate()
    if candidate is None:
        return None
    text = str(candidate)
    if text not in _checked:
        try:
            candidate.parent.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(FileExistsError):
                candidate.mkdir(mode=0o700)
            _checked[text] = candidate if _private(candidate) else None
        except (OSError, ValueError):
            _checked[text] = None
    return _checked[text]


def _path(name: str) -> Path | None:
    if not name or "/" in name or "\x00" in name or name.startswith("."):
        raise ValueError(f"bad cache entry name {name!r}")
    folder = directory()
    return None if folder is None else folder / name


def digest(*parts: bytes | str) -> str:
    """A hex SHA-256 over ``parts`` (each length-prefixed, so the split is part of the key)."""
    h = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


def read(name: str, key: str) -> bytes | None:
    """The payload stored under ``name`` for ``key``; None when absent, stale or corrupt."""
    path = _path(name)
    if path is None:
        return None
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                return None
            raw = handle.read(MAX_ENTRY_BYTES + 1)
    except OSError:
        return None
    header_size = len(MAGIC) + 2 * 65
    if len(raw) > MAX_ENTRY_BYTES or len(raw) < header_size or not raw.startswith(MAGIC):
        return None
    stored_key = raw[len(MAGIC):len(MAGIC) + 64]
    stored_sum = raw[len(MAGIC) + 65:header_size - 1]
    payload = raw[header_size:]
    if stored_key != key.encode("ascii") or stored_sum != hashlib.sha256(payload).hexdigest().encode("ascii"):
        return None
    return payload


def write(name: str, key: str, payload: bytes) -> bool:
    """Store ``payload`` under ``name`` for ``key`` (atomically); False when it could not be kept."""
    if len(key) != 64 or len(payload) > MAX_ENTRY_BYTES:
        return False
    path = _path(name)
    if path is None:
        return False
    body = b"".join((MAGIC, key.encode("ascii"), b"\n", hashlib.sha256(payload).hexdigest().encode("ascii"),
                     b"\n", payload))
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(body)
        os.replace(tmp, path)
        tmp = None
        return True
    except OSError:
        return False
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


__all__ = ["ENV_VAR", "digest", "directory", "read", "write"]
