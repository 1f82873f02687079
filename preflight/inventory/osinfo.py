"""Parse ``/etc/os-release`` (os-release(5)) into an :class:`OsRelease`.

The file is a list of ``KEY=value`` assignments in a shell-compatible subset: values may be
bare, "double quoted" (backslash escapes) or 'single quoted'; ``#`` starts a comment line.
Only the keys preflight needs are kept. The parser is pure and bounded: it never raises,
whatever it is fed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from preflight.inventory._text import lines

MAX_OS_RELEASE_CHARS = 65_536
"""Characters of os-release text looked at (real files are well under 2 KiB)."""

MAX_OS_RELEASE_LINES = 1_000
MAX_FIELD_CHARS = 256
MAX_ID_LIKE = 16

_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
_ID_CHARS = re.compile(r"[^a-z0-9._-]")


@dataclass(frozen=True)
class OsRelease:
    """The os-release fields preflight uses; a missing field is the empty string.

    ``id`` and the ``id_like`` entries are lower-cased and limited to ``[a-z0-9._-]`` as
    os-release(5) prescribes; ``name`` and ``pretty_name`` are free text (control characters
    removed, at most 256 characters).
    """

    id: str
    id_like: tuple[str, ...]
    version_id: str
    name: str
    pretty_name: str

    @property
    def label(self) -> str:
        """Best human label: PRETTY_NAME, else "NAME VERSION_ID", else ID, else "unknown"."""
        if self.pretty_name:
            return self.pretty_name
        if self.name:
            return f"{self.name} {self.version_id}".strip()
        return f"{self.id} {self.version_id}".strip() or "unknown"


def _unquote(raw: str) -> str:
    """Return the value of a shell-style assignment right-hand side (tolerant, never raises)."""
    raw = raw.strip()
    if not raw:
        return ""
    quote = raw[0]
    if quote == "'":
        end = raw.find("'", 1)
        return raw[1:] if end < 0 else raw[1:end]
    out: list[str] = []
    i = 1 if quote == '"' else 0
    while i < len(raw):
        ch = raw[i]
        if ch == "\\" and i + 1 < len(raw):
            out.append(raw[i + 1])
            i += 2
            continue
        if quote == '"' and ch == '"':
            break
        if quote != '"' and ch in " \t":
            break
        out.append(ch)
        i += 1
    return "".join(out)


def _clean_id(value: str) -> str:
    return _ID_CHARS.sub("", value.strip().lower())[:MAX_FIELD_CHARS]


def parse_os_release(text: str | bytes | None) -> OsRelease:
    """Parse os-release text into an :class:`OsRelease`.

    Robust to quotes, comments, blank lines, garbage lines, control bytes and huge input (only
    the first 64 KiB / 1000 lines are read). When a key repeats, the last assignment wins, as in
    a shell.
    """
    fields: dict[str, str] = {}
    wanted = {"ID", "ID_LIKE", "VERSION_ID", "NAME", "PRETTY_NAME"}
    for line in lines(text, max_input=MAX_OS_RELEASE_CHARS, max_lines=MAX_OS_RELEASE_LINES):
        stripped = line.strip()
        if not stripped or stripped.startswith("#") or "=" not in stripped:
            continue
        key, _, raw = stripped.partition("=")
        key = key.strip()
        if not _KEY.fullmatch(key) or key not in wanted:
            continue
        fields[key] = _unquote(raw).strip()[:MAX_FIELD_CHARS]
    id_like = tuple(
        part for part in (_clean_id(p) for p in fields.get("ID_LIKE", "").split()) if part
    )[:MAX_ID_LIKE]
    version_id = fields.get("VERSION_ID", "")
    return OsRelease(
        id=_clean_id(fields.get("ID", "")),
        id_like=id_like,
        version_id=re.sub(r"[^A-Za-z0-9._~+-]", "", version_id)[:64],
        name=fields.get("NAME", ""),
        pretty_name=fields.get("PRETTY_NAME", ""),
    )
