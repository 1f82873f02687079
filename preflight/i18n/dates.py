"""Dates and times in the reader's local form: ``7 Dec 2026`` in English, ``2026年12月7日（月）`` in Japanese.

The report's own moments (when it was made, the cutover day, start-by dates) are shown this way;
the JSON keeps ISO 8601. Unparseable text is returned as it is.
"""

from __future__ import annotations

import datetime as dt

DEFAULT_LANG = "en"

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_WEEKDAYS = {"en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
             "ja": ("月", "火", "水", "木", "金", "土", "日")}


def parse_date(value: object) -> dt.date | None:
    """A ``YYYY-MM-DD`` (or ISO date-time) value as a date, or None."""
    text = str(value or "").strip()
    try:
        if len(text) == 10:
            return dt.date.fromisoformat(text)
        return dt.datetime.fromisoformat(text).date()
    except ValueError:
        return None


def format_date(day: dt.date, lang: str = DEFAULT_LANG, weekday: bool = True) -> str:
    """``Mon 28 Dec 2026`` / ``2026年12月28日（月）``."""
    name = _WEEKDAYS.get(lang, _WEEKDAYS["en"])[day.weekday()]
    if lang == "ja":
        return f"{day.year}年{day.month}月{day.day}日" + (f"（{name}）" if weekday else "")
    return (f"{name} " if weekday else "") + f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def format_moment(value: object, lang: str = DEFAULT_LANG) -> str:
    """An ISO date-time in UTC, local form: ``7 Dec 2026, 00:38 UTC`` / ``2026年12月7日 00:38（UTC）``."""
    text = str(value or "")
    if len(text) == 10 and (day := parse_date(text)) is not None:
        return format_date(day, lang, weekday=False)
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return text
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.timezone.utc)
    clock = moment.strftime("%H:%M")
    zone = "UTC" if moment.tzinfo is not None else ""
    if lang == "ja":
        return f"{format_date(moment.date(), lang, weekday=False)} {clock}" + (f"（{zone}）" if zone else "")
    return f"{format_date(moment.date(), lang, weekday=False)}, {clock}" + (f" {zone}" if zone else "")
