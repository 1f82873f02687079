"""Bounded line splitting shared by the inventory parsers.

Everything parsed here was produced on a remote server and read back over SSH, so it is treated
as hostile: input is capped before any work, lines are capped, control characters are dropped.
The helpers never raise on odd input.
"""

from __future__ import annotations

import re

MAX_INPUT_CHARS = 1_000_000
"""Characters of command output or file text looked at; the rest is ignored."""

MAX_LINES = 20_000
"""Physical lines looked at."""

MAX_LINE_CHARS = 16_384
"""Characters kept of one physical line."""

MAX_VALUE_CHARS = 65_536
"""Characters kept of one logical value (after joining continuation lines)."""

# C0 controls except TAB, DEL, C1 controls, bidi overrides and line/paragraph separators.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]")


def to_text(data: str | bytes | None, limit: int = MAX_INPUT_CHARS) -> str:
    """Return ``data`` as ``str`` of at most ``limit`` characters (bytes are decoded as UTF-8)."""
    if data is None:
        return ""
    if isinstance(data, (bytes, bytearray)):
        data = bytes(data[: limit * 4]).decode("utf-8", errors="replace")
    elif not isinstance(data, str):
        data = str(data)
    return data[:limit]


def strip_controls(text: str) -> str:
    """Drop control and bidi-override characters; TAB becomes a space."""
    return _CONTROL.sub("", text).replace("\t", " ")


def lines(
    data: str | bytes | None,
    *,
    max_input: int = MAX_INPUT_CHARS,
    max_lines: int = MAX_LINES,
    max_line: int = MAX_LINE_CHARS,
) -> list[str]:
    """Split ``data`` into at most ``max_lines`` cleaned physical lines.

    CR, LF and CRLF all end a line. Each line is cut at ``max_line`` characters and has control
    characters removed; leading whitespace is kept (continuation lines depend on it).
    """
    text = to_text(data, max_input).replace("\r\n", "\n").replace("\r", "\n")
    out: list[str] = []
    start = 0
    while len(out) < max_lines and start <= len(text):
        end = text.find("\n", start)
        if end < 0:
            end = len(text)
        out.append(strip_controls(text[start : min(end, start + max_line)]))
        start = end + 1
    return out


def cap(value: str, limit: int = MAX_VALUE_CHARS) -> str:
    """Cut ``value`` at ``limit`` characters."""
    return value if len(value) <= limit else value[:limit]
