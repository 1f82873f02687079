"""Spam-folder signals receivers leave in a message, explained.

* ``X-Spam-Flag: YES`` and ``X-Spam-Status: Yes, score=7.1 required=5.0 tests=...`` (SpamAssassin
  and most filters built on it);
* ``X-MS-Exchange-Organization-SCL`` (Microsoft's spam confidence level: -1 safe sender,
  0–1 not spam, 5–6 spam, 9 high-confidence spam; 5 and more goes to the Junk folder);
* ``X-Forefront-Antispam-Report`` ``SFV:`` (NSPM not spam, SPM spam, SKS marked spam before
  filtering, BLK blocked sender, SKA/SKN/SFE allowed, SKQ quarantined...) and ``SCL:``.

Only fields above the receiving hop count (a filter on our own side is not the receiver's);
pure.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from preflight.checks.message.headers import HeaderField

_SCORE = re.compile(r"score=\s*(-?\d+(?:\.\d+)?)", re.IGNORECASE)
_REQUIRED = re.compile(r"required=\s*(-?\d+(?:\.\d+)?)", re.IGNORECASE)
_FOREFRONT = re.compile(r"\b(SFV|SCL|CAT):\s*([A-Za-z0-9-]{1,12})", re.IGNORECASE)
_SPAM_SFV = {"SPM", "SKS", "BLK", "SKQ"}
_CLEAN_SFV = {"NSPM", "SKA", "SKN", "SFE", "SKI", "SKV"}
SPAM_SCL = 5
FIELDS = ("x-spam-flag", "x-spam-status", "x-ms-exchange-organization-scl", "x-forefront-antispam-report")


class SpamVerdict(str, Enum):
    """What one signal says."""

    SPAM = "spam"
    NOT_SPAM = "not_spam"
    UNCLEAR = "unclear"


@dataclass(frozen=True)
class SpamSignal:
    """One field that says spam or not, and why."""

    name: str
    value: str
    verdict: SpamVerdict
    detail: str
    """The deciding part: ``score 7.1 / required 5.0``, ``SCL 6``, ``SFV:SPM``..."""
    receiver: bool
    """True when added above the receiving hop (the receiver's own)."""


def _status(value: str) -> tuple[SpamVerdict, str]:
    head = value.strip().split(",", 1)[0].strip().lower()
    score, required = _SCORE.search(value), _REQUIRED.search(value)
    detail = " ".join(x for x in (f"score={score.group(1)}" if score else "",
                                  f"required={required.group(1)}" if required else "") if x)
    verdict = SpamVerdict.SPAM if head == "yes" else SpamVerdict.NOT_SPAM if head == "no" else SpamVerdict.UNCLEAR
    return verdict, detail or head[:20]


def _scl(text: str) -> tuple[SpamVerdict, str]:
    try:
        level = int(text.strip())
    except ValueError:
        return SpamVerdict.UNCLEAR, f"SCL {text.strip()[:12]}"
    return (SpamVerdict.SPAM if level >= SPAM_SCL else SpamVerdict.NOT_SPAM), f"SCL {level}"


def read_signal(field: HeaderField, receiver: bool) -> SpamSignal | None:
    """The signal in one field, or None when the field is not a spam signal."""
    key, value = field.key, field.value[:1000]
    if key == "x-spam-flag":
        word = value.strip().upper()
        verdict = SpamVerdict.SPAM if word == "YES" else SpamVerdict.NOT_SPAM if word == "NO" else SpamVerdict.UNCLEAR
        return SpamSignal(field.name, value, verdict, word[:12], receiver)
    if key == "x-spam-status":
        verdict, detail = _status(value)
        return SpamSignal(field.name, value, verdict, detail, receiver)
    if key == "x-ms-exchange-organization-scl":
        verdict, detail = _scl(value)
        return SpamSignal(field.name, value, verdict, detail, receiver)
    if key == "x-forefront-antispam-report":
        parts = {k.upper(): v.upper() for k, v in _FOREFRONT.findall(value)}
        sfv, scl = parts.get("SFV"), parts.get("SCL")
        level = _scl(scl) if scl is not None else None
        detail = ", ".join(x for x in (f"SFV:{sfv}" if sfv else "", level[1] if level else "") if x) or "?"
        if sfv in _SPAM_SFV or (level and level[0] is SpamVerdict.SPAM):
            verdict = SpamVerdict.SPAM
        elif sfv in _CLEAN_SFV or (level and level[0] is SpamVerdict.NOT_SPAM):
            verdict = SpamVerdict.NOT_SPAM
        else:
            verdict = SpamVerdict.UNCLEAR
        return SpamSignal(field.name, value, verdict, detail, receiver)
    return None


def spam_signals(fields: Iterable[HeaderField], receiving_index: int | None) -> tuple[SpamSignal, ...]:
    """Every spam signal; ``receiving_index`` is the receiving hop's field position (None: unknown)."""
    out = []
    for field in fields:
        if field.key in FIELDS:
            receiver = receiving_index is not None and field.index < receiving_index
            signal = read_signal(field, receiver)
            if signal is not None:
                out.append(signal)
        if len(out) >= 20:
            break
    return tuple(out)
