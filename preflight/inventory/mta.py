"""Identify the mail transfer agent and its version from version-command output."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from preflight.inventory._text import lines

_POSTFIX = re.compile(r"mail_version\s*=\s*([0-9][0-9A-Za-z.+_~-]{0,31})")
_EXIM = re.compile(r"Exim version ([0-9][0-9A-Za-z.+_~-]{0,31})")
_SENDMAIL = re.compile(r"Version ([0-9][0-9A-Za-z.+_~/-]{0,31})")


@dataclass(frozen=True)
class Mta:
    """``name`` is ``postfix``, ``exim`` or ``sendmail``; ``version`` as the MTA reports it."""

    name: str
    version: str


def detect_mta(outputs: Iterable[str] | Mapping[str, str] | str) -> Mta | None:
    """Recognise the MTA from command outputs (checked in order; first recognised wins).

    Understands ``postconf mail_version`` ("mail_version = 3.5.8"), the first line of
    ``exim -bV`` ("Exim version 4.96 #2 built ...") and the first line of
    ``sendmail -d0.1 -bt < /dev/null`` ("Version 8.15.2"). Only the first 20 lines of each output
    are looked at. Returns None when nothing is recognised.
    """
    if isinstance(outputs, str):
        texts: Iterable[str] = [outputs]
    elif isinstance(outputs, Mapping):
        texts = list(outputs.values())
    else:
        texts = outputs
    for text in list(texts)[:16]:
        head = [line.strip() for line in lines(text, max_input=65_536, max_lines=20)]
        for line in head:
            if m := _POSTFIX.fullmatch(line):
                return Mta("postfix", m.group(1))
            if m := _EXIM.match(line):
                return Mta("exim", m.group(1))
        if head and (m := _SENDMAIL.fullmatch(head[0]) or _SENDMAIL.match(head[0])):
            return Mta("sendmail", m.group(1))
    return None
