"""Bounding and cleaning of text that came from the network (DNS, SMTP, SSH).

Everything an outside party controls passes through :func:`clean` before it is stored
in a result: control bytes are made visible, length is capped. HTML escaping is the
renderer's job (Jinja2 autoescape); this module keeps reports bounded and printable.
"""

from __future__ import annotations

import re

MAX_VALUE = 2000
"""Longest evidence value kept, in characters."""

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _visible(match: re.Match[str]) -> str:
    return f"\\x{ord(match.group()):02x}" if ord(match.group()) < 0x100 else f"\\u{ord(match.group()):04x}"


def visible(text: str) -> str:
    """``text`` with every control character made visible (``\\x1b``), newlines and tabs kept.

    For whatever reaches a terminal or a Markdown file, whatever its source (a saved report can
    carry ANSI colours, OSC-8 links, BEL or bidi overrides).
    """
    return _CONTROL.sub(_visible, text)


MAX_ERROR_LINE = 1000
"""Longest message an error line shows, in characters (what the user typed is echoed, bounded)."""


def one_line(text: str, limit: int = MAX_ERROR_LINE) -> str:
    """``text`` for an error line on a terminal: control characters visible (:func:`visible`),
    newlines and tabs too (``\\n``, ``\\t``: the message stays ONE line), at most ``limit``
    characters (plus ``…``)."""
    shown = visible(text[: limit * 8]).replace("\n", "\\n").replace("\t", "\\t")
    return shown if len(shown) <= limit else f"{shown[:limit]}…"


_JSON_UNSAFE = re.compile(r"[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def json_safe(text: str) -> str:
    """JSON text with the characters ``json.dumps(ensure_ascii=False)`` leaves raw (DEL, C1
    controls, line separators, bidi overrides) written as ``\\uXXXX`` escapes: same data, inert
    on a terminal. Only string contents can hold them, so the JSON stays valid."""
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def clean(value: object, limit: int = MAX_VALUE) -> str:
    """Return ``value`` as printable text of at most ``limit`` characters (plus a marker)."""
    if isinstance(value, bytes):
        text = value.decode("utf-8", errors="backslashreplace")
    else:
        text = str(value)
    if len(text) > limit * 4:
        text = text[: limit * 4]
    text = _CONTROL.sub(_visible, text)
    if len(text) > limit:
        dropped = len(text) - limit
        text = f"{text[:limit]}… [{dropped} more characters]"
    return text
