"""Header fields of a saved message (RFC 5322 §2.2), read defensively.

The header block ends at the first empty line. Folded lines are unfolded; every field keeps its
position (0 = topmost, the most recently added). Hostile input is bounded and noted, never fatal:
too many fields, over-long fields, bytes that are not UTF-8, bare CR or NUL (header injection),
lines that are neither a field nor a continuation. The body is never MIME-parsed here (only
DKIM hashes it), so deeply nested MIME costs nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum

MAX_FIELDS = 1000
MAX_FIELD_CHARS = 32 * 1024
MAX_HEADER_BYTES = 2 * 1024 * 1024

_NAME = re.compile(rb"^([\x21-\x39\x3b-\x7e]{1,128}):")


class HeaderProblem(str, Enum):
    """Something wrong with the header block (shown, never fatal)."""

    TOO_MANY_FIELDS = "too_many_fields"
    FIELD_TOO_LONG = "field_too_long"
    HEADER_TOO_LARGE = "header_too_large"
    NOT_UTF8 = "not_utf8"
    BARE_CR = "bare_cr"
    NUL_BYTE = "nul_byte"
    BAD_LINE = "bad_line"
    NO_BODY_SEPARATOR = "no_body_separator"
    FILE_TRUNCATED = "file_truncated"


@dataclass(frozen=True)
class HeaderField:
    """One header field: its name as written, its unfolded value, its position (0 = topmost)."""

    name: str
    value: str
    index: int

    @property
    def key(self) -> str:
        """The name in lower case, for matching."""
        return self.name.lower()


@dataclass(frozen=True)
class HeaderBlock:
    """The fields of a message, its body size, and what was wrong with them."""

    fields: tuple[HeaderField, ...]
    body_bytes: int
    problems: tuple[HeaderProblem, ...] = ()

    def all(self, name: str) -> tuple[HeaderField, ...]:
        """Every field called ``name`` (any case), topmost first."""
        key = name.lower()
        return tuple(f for f in self.fields if f.key == key)

    def first(self, name: str) -> HeaderField | None:
        """The topmost field called ``name``, or None."""
        found = self.all(name)
        return found[0] if found else None


def _lines(block: bytes) -> Iterator[bytes]:
    for line in block.split(b"\n"):
        yield line[:-1] if line.endswith(b"\r") else line


def _decode(raw: bytes, problems: set[HeaderProblem]) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        problems.add(HeaderProblem.NOT_UTF8)
        return raw.decode("utf-8", errors="replace")


def split_message(data: bytes) -> tuple[bytes, bytes, bool]:
    """(header block, body, whether an empty line separated them)."""
    match = re.search(rb"\r?\n\r?\n", data)
    if match is None:
        return data, b"", False
    return data[: match.start()], data[match.end():], True


def parse_headers(data: bytes, truncated: bool = False) -> HeaderBlock:
    """The header fields of ``data`` (a whole message), bounded; never raises."""
    problems: set[HeaderProblem] = set()
    if truncated:
        problems.add(HeaderProblem.FILE_TRUNCATED)
    block, body, separated = split_message(data)
    if not separated and data.strip():
        problems.add(HeaderProblem.NO_BODY_SEPARATOR)
    if len(block) > MAX_HEADER_BYTES:
        problems.add(HeaderProblem.HEADER_TOO_LARGE)
        block = block[:MAX_HEADER_BYTES]
    raw_fields: list[tuple[bytes, list[bytes]]] = []
    for line in _lines(block):
        if b"\x00" in line:
            problems.add(HeaderProblem.NUL_BYTE)
            line = line.replace(b"\x00", b"")
        if b"\r" in line:
            problems.add(HeaderProblem.BARE_CR)
            line = line.replace(b"\r", b" ")
        if line[:1] in (b" ", b"\t"):
            if raw_fields:
                raw_fields[-1][1].append(line)
            else:
                problems.add(HeaderProblem.BAD_LINE)
            continue
        match = _NAME.match(line)
        if match is None:
            if line.strip():
                problems.add(HeaderProblem.BAD_LINE)
            continue
        if len(raw_fields) >= MAX_FIELDS:
            problems.add(HeaderProblem.TOO_MANY_FIELDS)
            break
        raw_fields.append((match.group(1), [line[match.end():]]))
    fields = []
    for index, (name, parts) in enumerate(raw_fields):
        value = " ".join(p.strip() for p in (_decode(p, problems) for p in parts) if p.strip())
        if len(value) > MAX_FIELD_CHARS:
            problems.add(HeaderProblem.FIELD_TOO_LONG)
            value = value[:MAX_FIELD_CHARS]
        fields.append(HeaderField(name.decode("ascii"), value, index))
    order = list(HeaderProblem)
    return HeaderBlock(tuple(fields), len(body), tuple(sorted(problems, key=order.index)))
