"""What a record reader found wrong, as a catalogue key and its parameters — never a sentence.

The readers in :mod:`preflight.rfc` sit below the catalogues (no imports), so they name each
finding (``rfc_spf_bad_prefix`` with ``length="33"``) and the families render it in the report's
language through :mod:`preflight.i18n.problems` (the words are in ``locales/*/rfc.toml``).
A parameter may itself be a :class:`Problem` ("in include:x: <its problem>").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

Param = Union[str, "Problem"]


@dataclass(frozen=True)
class Problem:
    """One finding: a ui key of the catalogues and its parameters (str, or nested problems)."""

    key: str
    params: tuple[tuple[str, Param], ...] = ()

    def param(self, name: str) -> Param | None:
        """One parameter's value, or None."""
        return next((value for key, value in self.params if key == name), None)


def problem(key: str, **params: object) -> Problem:
    """A :class:`Problem`; non-problem parameters are kept as text."""
    return Problem(key, tuple((k, v if isinstance(v, Problem) else str(v)) for k, v in params.items()))


class RecordError(ValueError):
    """A record a reader refuses; ``problem`` says why (``str()`` is only the key, for logs)."""

    def __init__(self, found: Problem) -> None:
        super().__init__(found.key)
        self.problem = found
