"""Text to safe HTML for the report: every http(s) URL of ours a link, network tokens kept on one line.

Input is untrusted (DNS TXT, SMTP banners, SSH output reach the report): everything is escaped
first; only our own ``<a>`` and ``<span class="nb">`` tags are added around escaped pieces.
IP addresses (v4, v6, with a prefix length), host names, check ids and AS numbers are wrapped in a
no-wrap span, so a printed line never breaks inside ``192.0.2.66`` or ``partner-a.example``.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable

from markupsafe import Markup, escape

URL = re.compile(r"https?://[^\s<>\"'`]+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}>'\"、。）"
TOKEN = re.compile(
    r"(?<![\w.:/-])("
    r"[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?:/[0-9]{1,3})?"      # IPv6 (validated below)
    r"|[0-9]{1,3}(?:\.[0-9]{1,3}){3}(?:/[0-9]{1,2})?"                     # IPv4
    r"|(?:[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.)+[A-Za-z][A-Za-z0-9_-]{0,62}\.?"  # names, ids
    r"|AS[0-9]{1,10}"
    r"|--?[a-z][a-z0-9-]*[a-z0-9]"                                         # command-line flags
    r")(?![\w-])"
)
MAX_TEXT = 20_000
"""Longer texts are shown escaped, without markup (bounded work on hostile input)."""


def _is_token(text: str) -> bool:
    if ":" in text:
        try:
            ipaddress.ip_network(text, strict=False)
        except ValueError:
            return False
        return True
    return True


# The walks below join escaped pieces (each a Markup, i.e. a str) as plain strings and mark the
# whole safe once: the same text as Markup's own operators, without an object per piece.


def _tokens(text: str) -> Markup:
    out: list[str] = []
    last = 0
    for match in TOKEN.finditer(text):
        token = match.group(1)
        if len(token) < 4 or not _is_token(token):
            continue
        out.append(escape(text[last:match.start(1)]))
        out.append('<span class="nb">')
        out.append(escape(token))
        out.append("</span>")
        last = match.end(1)
    if not out:
        return escape(text)
    out.append(escape(text[last:]))
    return Markup("".join(out))


def _walk(value: object, gap: Callable[[str], Markup], url: Callable[[str], Markup]) -> Markup:
    """Escaped ``value`` with each URL rendered by ``url`` and the text between by ``gap``."""
    text = "" if value is None else str(value)
    if len(text) > MAX_TEXT:
        return escape(text)
    out: list[str] = []
    last = 0
    for match in URL.finditer(text):
        found = match.group(0).rstrip(_TRAILING)
        out.append(gap(text[last:match.start()]))
        out.append(url(found))
        last = match.start() + len(found)
    if not out:
        return gap(text)
    out.append(gap(text[last:]))
    return Markup("".join(out))


def _link(url: str) -> Markup:
    shown = escape(url)
    return Markup(f'<a class="url" rel="nofollow noopener noreferrer" href="{shown}">{shown}</a>')


def _url_text(url: str) -> Markup:
    return Markup(f'<span class="url untrusted">{escape(url)}</span>')


def rich(value: object) -> Markup:
    """Escaped text with links and no-wrap network tokens."""
    return _walk(value, _tokens, _link)


def untrusted(value: object) -> Markup:
    """Text from the network (a list's TXT reason, a delisting page it names): tokens kept whole,
    but its URLs are NOT links — shown as text to copy, so a hostile answer cannot plant a link."""
    return _walk(value, _tokens, _url_text)


def links(value: object) -> Markup:
    """Escaped text with links only (for code and evidence, where every character must stay)."""
    return _walk(value, escape, _link)


def css_string(value: object) -> Markup:
    """A CSS string literal (for ``@page`` footer content): every non-alphanumeric character escaped."""
    text = "" if value is None else str(value)[:300]
    # A hex escape swallows one following space, so every escape ends with one (the terminator).
    body = "".join(c if c.isalnum() or c == " " else f"\\{ord(c):06x} " for c in text)
    return Markup(f'"{body}"')
