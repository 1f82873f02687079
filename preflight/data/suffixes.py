"""Registered (organizational) domains by the public suffix list.

The list comes from the ``publicsuffixlist`` package — the one checkdmarc itself uses, with the
same rules (ICANN and private sections), so a name gets the same registered domain here as in
checkdmarc. It is imported and parsed on first use and then kept for the process: importing
checkdmarc for this (its package pulls in HTTP clients and cryptography, ~0.4 s) would put that
cost on the critical path of every run, before the first blocklist query.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any

__all__ = ["registered_domain"]

_ZERO_WIDTH = re.compile("[\u200b-\u200d\ufeff]")
"""Zero-width characters checkdmarc strips before the lookup (ZWSP, ZWNJ, ZWJ, BOM)."""


@functools.lru_cache(maxsize=2)
def _suffix_list(encoded_idn: bool) -> Any:
    """The parsed list; with ``encoded_idn`` also every IDN rule in its ``xn--`` form.

    Encoding those rules is two thirds of the parse (~30 of ~45 ms), and only a name with an
    ``xn--`` label can match them: other names use the list without them, the same answer.
    """
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList(accept_encoded_idn=encoded_idn)


def normalize(name: str) -> str:
    """``name`` as the lookup sees it: NFC, no zero-width characters, lower case, no final dot."""
    return _ZERO_WIDTH.sub("", unicodedata.normalize("NFC", name)).lower().rstrip(".")


@functools.lru_cache(maxsize=1024)
def registered_domain(name: str) -> str:
    """The registered domain (public suffix + one label) of ``name``, or ``name`` itself.

    ``mail.example.co.uk`` → ``example.co.uk``; a name that is itself a public suffix (``co.uk``)
    or has no registrable part is returned normalised, as checkdmarc's ``get_base_domain`` does.
    """
    clean = normalize(name)
    encoded = any(label.startswith("xn--") for label in clean.split("."))
    return str(_suffix_list(encoded).privatesuffix(clean) or clean)
