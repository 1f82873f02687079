"""Every input parser and validator: IPs, names, selectors, timeouts, phase, plan value types.

The bottom layer: no preflight imports but :mod:`preflight.errors`. A bad value is an
:class:`~preflight.errors.InputError` (or, for a plan value of the wrong type, a
:class:`~preflight.errors.UsageError`) with a one-line message naming the key or option.
"""

from __future__ import annotations

import datetime
import ipaddress
import re
from collections.abc import Callable
from typing import Any

from preflight.errors import InputError, UsageError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_SELECTOR_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$", re.IGNORECASE)


# -- value validators -------------------------------------------------------------------------


def parse_ip(text: str, what: str = "IP address") -> IPAddress:
    """An IPv4 or IPv6 address (no prefix, no zone id)."""
    raw = str(text).strip()
    try:
        if "%" in raw:
            raise ValueError("scoped address")
        return ipaddress.ip_address(raw)
    except ValueError:
        raise InputError(f"invalid {what} {str(text)[:80]!r}") from None


def parse_hostname(text: str, what: str = "hostname") -> str:
    """A DNS host or domain name: normalised to lower case, no trailing dot, IDNA encoded."""
    raw = str(text).strip().rstrip(".")
    if not raw or len(raw) > 253:
        raise InputError(f"invalid {what} {str(text)[:80]!r}")
    hidden = invisible_character(raw)
    if hidden:
        raise InputError(f"invalid {what} {str(text)[:80]!r}: it contains {hidden}")
    try:
        ascii_name = raw.encode("idna").decode("ascii") if not raw.isascii() else raw
    except UnicodeError:
        raise InputError(f"invalid {what} {str(text)[:80]!r}") from None
    name = ascii_name.lower()
    if len(name) > 253:  # IDNA encoding can triple the length of what was typed
        raise InputError(f"invalid {what} {str(text)[:80]!r}: longer than 253 characters in DNS")
    labels = name.split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        raise InputError(f"invalid {what} {str(text)[:80]!r}: expected a name like mail.example.com")
    try:
        ipaddress.ip_address(name)
    except ValueError:
        if labels[-1].isdigit():  # 1.2.3: an incomplete address, never a name (RFC 3696 section 2)
            raise InputError(f"invalid {what} {str(text)[:80]!r}: looks like an incomplete IP address "
                             "(a name's last label is never all digits)") from None
        return name
    raise InputError(f"invalid {what} {str(text)[:80]!r}: an IP address is not a {what}")


_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cn", "Cs", "Zl", "Zp", "Zs"})


def invisible_character(text: str) -> str | None:
    """The first invisible, control or space character of ``text``, described, or None.

    A zero-width joiner, a soft hyphen or a bidi override would otherwise be dropped or mapped
    silently by IDNA, turning what was typed into another name.
    """
    import unicodedata

    for ch in text:
        if unicodedata.category(ch) in _INVISIBLE_CATEGORIES:
            return f"a space (U+{ord(ch):04X})" if ch.isspace() else f"an invisible character (U+{ord(ch):04X})"
    return None


def parse_selector(text: str) -> str:
    """A DKIM selector (one or more DNS labels, as in ``s2026`` or ``2026.mail``)."""
    raw = str(text).strip()
    labels = raw.split(".")
    if not raw or len(raw) > 200 or not all(_SELECTOR_LABEL.match(label) for label in labels):
        raise InputError(f"invalid DKIM selector {raw[:80]!r}")
    return raw.lower()


def parse_timeout(value: Any, what: str = "timeout") -> float:
    """Seconds, more than 0 and at most 120."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise InputError(f"invalid {what} {value!r}: expected seconds")
    try:
        seconds = float(value)
    except ValueError:
        raise InputError(f"invalid {what} {value!r}: expected seconds") from None
    if not 0 < seconds <= 120:
        raise InputError(f"invalid {what} {value!r}: must be more than 0 and at most 120 seconds")
    return seconds


def parse_phase(text: str) -> str:
    """``before`` or ``after`` (cutover)."""
    value = str(text).strip().lower()
    if value not in ("before", "after"):
        raise InputError(f"invalid phase {str(text)[:40]!r}: use 'before' or 'after'")
    return value


def parse_date(text: str, what: str = "cutover date") -> str:
    """A calendar date ``YYYY-MM-DD`` (ISO 8601), returned in that form."""
    value = str(text).strip()
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise InputError(f"invalid {what} {str(text)[:40]!r}: use YYYY-MM-DD")
    try:
        return datetime.date.fromisoformat(value).isoformat()
    except ValueError:
        raise InputError(f"invalid {what} {value!r}: no such day") from None


def toml_date(value: Any) -> Any:
    """A TOML date literal (``cutover_date = 2026-12-24``) as its ISO text; anything else as is."""
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value.isoformat()
    return value


# -- plan values -------------------------------------------------------------------------------

Validator = Callable[[Any, str], Any]


def as_str(value: Any, key: str) -> str:
    if not isinstance(value, str):
        raise UsageError(f"plan: {key} must be a string, not {type(value).__name__}")
    return value


def as_bool(value: Any, key: str) -> bool:
    if not isinstance(value, bool):
        raise UsageError(f"plan: {key} must be true or false, not {type(value).__name__}")
    return value


def as_number(value: Any, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise UsageError(f"plan: {key} must be a number, not {type(value).__name__}")
    return float(value)


def as_str_list(value: Any, key: str) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise UsageError(f"plan: {key} must be a list of strings")
    return list(value)


def checked(convert: Callable[[Any], Any], base: Validator) -> Validator:
    def check(value: Any, key: str) -> Any:
        checked = base(value, key)
        try:
            if isinstance(checked, list):
                return [convert(v) for v in checked]
            return convert(checked)
        except InputError as exc:
            raise InputError(f"plan: {key}: {exc}") from None

    return check
