"""A private per-user cache of derived files: work a later run may reuse, never trust blindly.

Used for the parsed locale catalogues (:mod:`preflight.i18n.messages`) and the compiled report
templates (:mod:`preflight.report._templatecache`). Every entry is something preflight can
rebuild from files it ships, so the rules are simple:

- **Where**: ``$PREFLIGHT_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/preflight``, else
  ``~/.cache/preflight``; the directory is created mode 0700 and used only when it is a real
  directory (not a symlink) owned by this user that nobody else can read or write (an existing
  one is never chmod-ed), and every directory above it belongs to this user or root and is not
  writable by others (unless sticky, like /tmp) - so root run with another user's ``HOME`` has
  no cache there. The directory is then pinned by an open descriptor: entries are opened,
  written and renamed relative to it, never through the path again, and an entry is read only
  when it is a regular file of ours with one link that nobody else may write. Anything else
  means no cache, never an error. (The SHA-256 below is an integrity check only; what keeps
  foreign code out is that nobody else can put a file in the directory.)
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
from pathlib import Path

ENV_VAR = "PREFLIGHT_CACHE_DIR"
MAGIC = b"preflight-cache 1\n"
MAX_ENTRY_BYTES = 16 * 1024 * 1024
"""Entries larger than this are neither written nor read (ours are well under 1 MB)."""

_checked: dict[str, tuple[Path, int] | None] = {}
"""Per candidate path: the directory and an open descriptor of it, pinned once it was found safe."""


def _candidate() -> Path | None:
    explicit = os.environ.get(ENV_VAR)
    if explicit:
        return Path(os.path.abspath(explicit))
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and os.path.isabs(xdg):
        return Path(xdg) / "preflight"
    home = os.environ.get("HOME") or os.path.expanduser("~")
    if not home or not os.path.isabs(home):
        return None
    return Path(home) / ".cache" / "preflight"


def _trusted(path: str) -> bool:
    """True when ``path`` is a real directory no one but us (or root) can change the entries of.

    Its owner is this user or root, and group and others may not write to it unless the sticky
    bit keeps them from renaming or removing what is not theirs (``/tmp``).
    """
    try:
        info = os.lstat(path)
    except OSError:
        return False
    if not stat.S_ISDIR(info.st_mode) or info.st_uid not in (0, os.geteuid()):
        return False
    return info.st_mode & 0o022 == 0 or bool(info.st_mode & stat.S_ISVTX)


def _trusted_chain(path: str) -> bool:
    """True when ``path`` and every directory above it are :func:`_trusted` (no symlinks)."""
    current = path
    while True:
        if not _trusted(current):
            return False
        parent = os.path.dirname(current)
        if parent == current:
            return True
        current = parent


def _pin(candidate: Path) -> int | None:
    """An open descriptor of ``candidate`` (created 0700 if missing) when it is a safe cache.

    Safe means: a real directory (not a symlink) owned by this user that nobody else may read or
    write, below directories only this user or root can change (so no one else can swap it or a
    parent after the check: root with ``HOME=/home/alice`` does not use, or create anything in,
    alice's directory). Every later use goes through the descriptor, never the path again.
    """
    if not (hasattr(os, "geteuid") and os.open in os.supports_dir_fd and hasattr(os, "O_DIRECTORY")):
        return None
    text = str(candidate)
    missing: list[str] = []
    existing = text
    while not os.path.lexists(existing):
        existing, tail = os.path.split(existing)
        if not tail:
            return None
        missing.append(tail)
    if not missing:  # the cache directory itself exists: it is never followed as a symlink
        existing, tail = os.path.split(existing)
        missing.append(tail)
    current = os.path.realpath(existing)
    if not _trusted_chain(current):
        return None
    for name in reversed(missing):
        current = os.path.join(current, name)
        with contextlib.suppress(FileExistsError):
            os.mkdir(current, 0o700)
        if not _trusted(current):
            return None
    fd = os.open(current, os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_NOFOLLOW", 0))
    info = os.fstat(fd)
    if stat.S_ISDIR(info.st_mode) and info.st_uid == os.geteuid() and stat.S_IMODE(info.st_mode) & 0o077 == 0:
        return fd
    os.close(fd)
    return None


def _pinned() -> tuple[Path, int] | None:
    candidate = _candidate()
    if candidate is None:
        return None
    text = str(candidate)
    if text not in _checked:
        try:
            fd = _pin(candidate)
        except (OSError, ValueError):
            fd = None
        _checked[text] = None if fd is None else (candidate, fd)
    return _checked[text]


def directory() -> Path | None:
    """The private cache directory (created if missing), or None when there is no safe one."""
    pinned = _pinned()
    return None if pinned is None else pinned[0]


def _folder(name: str) -> int | None:
    """The pinned directory's descriptor for entry ``name``, or None when there is no cache."""
    if not name or "/" in name or "\x00" in name or name.startswith("."):
        raise ValueError(f"bad cache entry name {name!r}")
    pinned = _pinned()
    return None if pinned is None else pinned[1]


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
    folder = _folder(name)
    if folder is None:
        return None
    try:
        fd = os.open(name, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0),
                     dir_fd=folder)
    except OSError:
        return None
    try:
        with os.fdopen(fd, "rb") as handle:
            info = os.fstat(handle.fileno())
            # a regular file of ours, only ours to change, not a hard link to something elsewhere
            if (not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid() or info.st_nlink != 1
                    or info.st_mode & 0o022):
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
    folder = _folder(name)
    if folder is None:
        return False
    body = b"".join((MAGIC, key.encode("ascii"), b"\n", hashlib.sha256(payload).hexdigest().encode("ascii"),
                     b"\n", payload))
    tmp = None
    try:
        tmp = f".{name}.{os.urandom(8).hex()}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600,
                     dir_fd=folder)
        with os.fdopen(fd, "wb") as handle:
            handle.write(body)
        os.replace(tmp, name, src_dir_fd=folder, dst_dir_fd=folder)
        tmp = None
        return True
    except OSError:
        return False
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp, dir_fd=folder)


__all__ = ["ENV_VAR", "digest", "directory", "read", "write"]
