"""A record reader's :class:`~preflight.rfc.problems.Problem` in words, and as coded text.

A family stores a problem twice, like every coded parameter: ``x`` in English (for readers of
the JSON) and ``x_i18n`` (:func:`coded`), from which a report renders ``x`` in its language.
Text from a third-party library (checkdmarc, dkimpy) is never translated: :func:`quoted` labels
it as that library's own words.
"""

from __future__ import annotations

from collections.abc import Iterable

from preflight.i18n.messages import DEFAULT_LANG, Piece, encode, piece, render_coded
from preflight.rfc.problems import Problem


def pieces(found: Problem) -> list[Piece]:
    """One problem as a list of coded-text pieces (nested problems become nested pieces)."""
    params: dict[str, object] = {k: pieces(v) if isinstance(v, Problem) else v for k, v in found.params}
    return [piece(found.key, **params)]


def quoted(library: str, text: str) -> list[Piece]:
    """A library's own message, labelled as such (quoted, not translated)."""
    return [piece("quoted_library", library=library, text=text)]


def coded(*found: Problem | list[Piece]) -> str:
    """Problems (or ready pieces) as one coded-text parameter, joined like a list."""
    out: list[Piece] = []
    for item in found:
        out += pieces(item) if isinstance(item, Problem) else item
    return encode(out)


def words(found: Problem | list[Piece] | Iterable[Problem], lang: str = DEFAULT_LANG) -> str:
    """The text of a problem (or pieces, or several problems) in ``lang``."""
    if isinstance(found, Problem):
        return render_coded(pieces(found), lang)
    out: list[Piece] = []
    for item in found:
        out += pieces(item) if isinstance(item, Problem) else [item]
    return render_coded(out, lang)
