"""The bulk-sender items a message itself shows (Google, Yahoo, Microsoft; RFC 8058, RFC 5322).

* one-click unsubscribe: ``List-Unsubscribe`` with an ``https:`` URI and
  ``List-Unsubscribe-Post: List-Unsubscribe=One-Click`` (RFC 8058 §3.1);
* a valid ``Message-ID`` (``<left@right>``, RFC 5322 §3.6.4) and ``Date`` (RFC 5322 §3.3);
* no duplicate single-instance fields (RFC 5322 §3.6: Date, From, Sender, Reply-To, To, Cc,
  Bcc, Message-ID, In-Reply-To, References, Subject appear at most once).

The aligned From is judged by :mod:`.alignment`. Pure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

from preflight.checks.message.headers import HeaderBlock

SINGLE_INSTANCE = ("date", "from", "sender", "reply-to", "to", "cc", "bcc", "message-id",
                   "in-reply-to", "references", "subject")
_MSG_ID = re.compile(r"^\s*<[^<>@\s]{1,500}@[^<>@\s]{1,255}>\s*$")
_URIS = re.compile(r"<([^<>]{1,2000})>")


@dataclass(frozen=True)
class Unsubscribe:
    """What the message offers to unsubscribe."""

    header: str | None
    """The List-Unsubscribe value (bounded), or None."""
    https: bool
    mailto: bool
    post: str | None
    """The List-Unsubscribe-Post value, or None."""

    @property
    def one_click(self) -> bool:
        """RFC 8058 one-click: an https URI and ``List-Unsubscribe=One-Click``."""
        return self.https and (self.post or "").replace(" ", "").lower() == "list-unsubscribe=one-click"


@dataclass(frozen=True)
class SenderRules:
    """The sender-rule facts of one message."""

    unsubscribe: Unsubscribe
    message_id: str | None
    message_id_valid: bool
    date: str | None
    date_iso: str | None
    """The Date parsed (ISO 8601), or None when missing or unreadable."""
    duplicates: tuple[tuple[str, int], ...]
    """Single-instance fields that appear more than once, with their count."""


def unsubscribe(headers: HeaderBlock) -> Unsubscribe:
    """List-Unsubscribe and List-Unsubscribe-Post of the message."""
    field, post = headers.first("List-Unsubscribe"), headers.first("List-Unsubscribe-Post")
    uris = [u.strip().lower() for u in _URIS.findall(field.value)] if field else []
    return Unsubscribe(field.value[:500] if field else None, any(u.startswith("https://") for u in uris),
                       any(u.startswith("mailto:") for u in uris), post.value[:200] if post else None)


def _date(value: str | None) -> str | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value[:200])
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return parsed.isoformat() if parsed.tzinfo is not None else None


def sender_rules(headers: HeaderBlock) -> SenderRules:
    """Every sender-rule fact of one message."""
    counts: dict[str, int] = {}
    for field in headers.fields:
        if field.key in SINGLE_INSTANCE:
            counts[field.key] = counts.get(field.key, 0) + 1
    mid, date = headers.first("Message-ID"), headers.first("Date")
    return SenderRules(
        unsubscribe=unsubscribe(headers),
        message_id=mid.value[:500] if mid else None,
        message_id_valid=bool(mid and _MSG_ID.match(mid.value)),
        date=date.value[:200] if date else None,
        date_iso=_date(date.value if date else None),
        duplicates=tuple((k, n) for k, n in sorted(counts.items()) if n > 1),
    )
