"""A small, tolerant reader for the UCL subset used in rspamd configuration files.

Handles ``key = value;``, ``key: value``, ``key value;``, nested ``key { ... }`` objects,
``[ ... ]`` arrays, "double"/'single' quoted strings, ``#`` and ``/* */`` comments, and the
named-section form ``key "name" { ... }``. Scalars stay strings. Repeated keys: objects are
merged, other values are replaced. Anything unexpected is skipped; the reader never raises and is
bounded in input size, token count and nesting depth. Not a general UCL implementation.
"""

from __future__ import annotations

from typing import Any

from preflight.inventory._text import MAX_VALUE_CHARS, to_text

MAX_UCL_CHARS = 1_000_000
MAX_TOKENS = 200_000
MAX_DEPTH = 32

UclValue = str | list[Any] | dict[str, Any]

_PUNCT = "{}[];,="
_STOP = set(_PUNCT) | set("\"'#") | {" ", "\t", "\n", "\r"}


def _tokens(text: str) -> list[tuple[str, str]]:
    """Split into (kind, text) tokens; kind is one of ``{ } [ ] = ; str atom``."""
    out: list[tuple[str, str]] = []
    i, n = 0, len(text)
    while i < n and len(out) < MAX_TOKENS:
        ch = text[i]
        if ch.isspace() or ord(ch) < 32:
            i += 1
        elif ch == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end + 1
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
        elif ch in _PUNCT:
            out.append(("=" if ch == "=" else ";" if ch in ";," else ch, ch))
            i += 1
        elif ch in "\"'":
            buf: list[str] = []
            j = i + 1
            while j < n and text[j] != ch:
                if text[j] == "\\" and ch == '"' and j + 1 < n:
                    j += 1
                if len(buf) < MAX_VALUE_CHARS:
                    buf.append(text[j])
                j += 1
            out.append(("str", "".join(buf)))
            i = j + 1
        else:
            j = i
            while j < n and text[j] not in _STOP and not text.startswith("/*", j):
                j += 1
            out.append(("atom", text[i:j][:MAX_VALUE_CHARS]))
            i = j
    return out


class _Reader:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.toks = tokens
        self.pos = 0

    def peek(self) -> str:
        return self.toks[self.pos][0] if self.pos < len(self.toks) else "eof"

    def take(self) -> tuple[str, str]:
        tok = self.toks[self.pos] if self.pos < len(self.toks) else ("eof", "")
        self.pos += 1
        return tok

    def skip_block(self, open_: str, close: str) -> None:
        depth = 1
        while depth and self.peek() != "eof":
            kind = self.take()[0]
            depth += (kind == open_) - (kind == close)

    def value(self, depth: int) -> UclValue | None:
        kind, text = self.take()
        if kind == "{":
            if depth >= MAX_DEPTH:
                self.skip_block("{", "}")
                return {}
            return self.obj(depth + 1, "}")
        if kind == "[":
            if depth >= MAX_DEPTH:
                self.skip_block("[", "]")
                return []
            return self.array(depth + 1)
        if kind in ("str", "atom"):
            if self.peek() == "{":  # named section: key "name" { ... }
                self.take()
                inner = self.obj(depth + 1, "}") if depth < MAX_DEPTH else {}
                if depth >= MAX_DEPTH:
                    self.skip_block("{", "}")
                return {text: inner}
            return text
        return None

    def array(self, depth: int) -> list[Any]:
        items: list[Any] = []
        while self.peek() not in ("]", "eof"):
            if self.peek() == ";":
                self.take()
                continue
            if self.peek() in ("}", "="):
                self.take()
                continue
            item = self.value(depth)
            if item is not None:
                items.append(item)
        self.take()
        return items

    def obj(self, depth: int, close: str) -> dict[str, Any]:
        result: dict[str, Any] = {}
        while self.peek() not in (close, "eof"):
            kind, key = self.take()
            if kind not in ("str", "atom"):
                if kind == "[":
                    self.skip_block("[", "]")
                continue
            if kind == "atom" and ":" in key:
                key, _, rest = key.partition(":")
                if rest:  # key:value written without spaces
                    result[key] = rest
                    continue
            elif self.peek() == "=":
                self.take()
            elif self.peek() == "atom" and self.toks[self.pos][1].startswith(":"):
                rest = self.take()[1][1:]
                if rest:  # "key":value
                    result[key] = rest
                    continue
            if self.peek() in (";", close, "eof"):
                continue
            value = self.value(depth)
            if value is None:
                continue
            old = result.get(key)
            if isinstance(old, dict) and isinstance(value, dict):
                old.update(value)
            else:
                result[key] = value
        self.take()
        return result


def parse_ucl(text: str | bytes | None) -> dict[str, Any]:
    """Parse UCL text into nested dicts/lists of strings (tolerant, bounded, never raises)."""
    reader = _Reader(_tokens(to_text(text, MAX_UCL_CHARS)))
    return reader.obj(0, "eof")
