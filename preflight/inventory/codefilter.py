"""Postfix DNSBL reply filters (``zone=127.0.0.[2..11]``) and their matching.

Syntax and semantics follow Postfix ``src/util/ip_match.c`` (Postfix 2.8+), as documented for
``reject_rbl_client`` and ``postscreen_dnsbl_sites`` in postconf(5):

* four fields separated by ``.``; each field is a decimal number 0..255 or a sequence inside
  ``[]`` of one or more ``;``-separated numbers or ``number..number`` ranges (low <= high);
* a ``[]`` sequence cannot span fields, and a field cannot mix a number and a sequence;
* ``[]`` around the entire pattern is stripped (``[127.0.0.2]`` equals ``127.0.0.2``);
* a reply matches when every octet matches its field. With several A records, a filter matches
  when any one record matches.

Commas cannot appear inside a filter because Postfix splits lists on commas first.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

MAX_FILTER_CHARS = 512
MAX_FIELD_MEMBERS = 64

Field = tuple[tuple[int, int], ...]


def _number(text: str) -> int:
    if not text.isdigit() or not text.isascii():
        raise ValueError(f"need decimal number 0..255, got {text!r}")
    value = int(text)
    if value > 255:
        raise ValueError(f"octet out of range: {text!r}")
    return value


def _parse_field(text: str) -> Field:
    if not (text.startswith("[") and text.endswith("]")):
        value = _number(text)
        return ((value, value),)
    members = text[1:-1].split(";")
    if not members or len(members) > MAX_FIELD_MEMBERS:
        raise ValueError(f"bad sequence {text!r}")
    ranges: list[tuple[int, int]] = []
    for member in members:
        if ".." in member:
            low_text, _, high_text = member.partition("..")
            low, high = _number(low_text), _number(high_text)
            if low > high:
                raise ValueError(f"numeric range error in {text!r}")
            ranges.append((low, high))
        else:
            value = _number(member)
            ranges.append((value, value))
    return tuple(ranges)


def _split_fields(pattern: str) -> list[str]:
    """Split at dots outside ``[]`` (a ``..`` range lives inside brackets)."""
    fields: list[str] = []
    buf: list[str] = []
    depth = 0
    for ch in pattern:
        if ch == "[":
            depth += 1
            if depth > 1:
                raise ValueError("nested '['")
        elif ch == "]":
            depth -= 1
            if depth < 0:
                raise ValueError("unbalanced ']'")
        if ch == "." and depth == 0:
            fields.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
    if depth != 0:
        raise ValueError('missing "]" character')
    fields.append("".join(buf))
    return fields


@dataclass(frozen=True)
class CodeFilter:
    """A parsed ``d.d.d.d`` reply filter; build one with :meth:`parse`."""

    fields: tuple[Field, Field, Field, Field]

    @classmethod
    def parse(cls, text: str) -> CodeFilter:
        """Parse a filter such as ``127.0.0.[2..11]`` or ``127.0.0.[2;3;4]``.

        Raises ``ValueError`` (with Postfix-like wording) on malformed patterns.
        """
        pattern = text.strip()
        if len(pattern) > MAX_FILTER_CHARS:
            raise ValueError("address pattern too long")
        if pattern.startswith("["):
            # Strip [] around the entire pattern: only when the bracket opened first closes at
            # the very end (ip_match_parse, Postfix 3.x).
            depth = 0
            for index, ch in enumerate(pattern):
                depth += (ch == "[") - (ch == "]")
                if depth == 0:
                    if index == len(pattern) - 1:
                        pattern = pattern[1:-1]
                    break
            else:
                raise ValueError('missing "]" character')
        if not pattern:
            raise ValueError("empty address pattern")
        parts = _split_fields(pattern)
        if len(parts) != 4:
            raise ValueError(f"need four address fields, got {len(parts)}")
        parsed = tuple(_parse_field(part) for part in parts)
        return cls(fields=(parsed[0], parsed[1], parsed[2], parsed[3]))

    def matches(self, code: str) -> bool:
        """True when the IPv4 reply ``code`` (e.g. ``"127.0.0.4"``) matches this filter.

        A value that is not a dotted-quad IPv4 address never matches.
        """
        try:
            octets = ipaddress.IPv4Address(code.strip()).packed
        except (ValueError, AttributeError):
            return False
        return all(
            any(low <= octet <= high for low, high in field)
            for octet, field in zip(octets, self.fields)
        )

    def matches_any(self, codes: tuple[str, ...] | list[str]) -> bool:
        """True when any of ``codes`` matches (Postfix semantics for several A records)."""
        return any(self.matches(code) for code in codes)

    def __str__(self) -> str:
        parts: list[str] = []
        for field in self.fields:
            if len(field) == 1 and field[0][0] == field[0][1]:
                parts.append(str(field[0][0]))
                continue
            members = [str(lo) if lo == hi else f"{lo}..{hi}" for lo, hi in field]
            parts.append("[" + ";".join(members) + "]")
        return ".".join(parts)
