"""Indonesian and ISO date parsing that never raises and never guesses.

VIVA prints dates like ``Selasa, 22 Juli 2025 - 17:20 WIB`` (en dash or ``|`` also occur, short
months such as ``8 Sep 2017 | 11:42 WIB`` in listings). Generic parsers miss the Indonesian
abbreviations, so the grammar is written out here. Anything not fully understood gives None.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone

from storage.clock import WIB

__all__ = ["WIB", "format_datetime", "parse_indonesian_datetime", "parse_iso_datetime"]

ZONES: dict[str, timezone] = {
    "wib": WIB,
    "wita": timezone(timedelta(hours=8), "WITA"),
    "wit": timezone(timedelta(hours=9), "WIT"),
}

MONTHS: dict[str, int] = {
    "januari": 1, "jan": 1,
    "februari": 2, "pebruari": 2, "feb": 2, "peb": 2,
    "maret": 3, "mar": 3,
    "april": 4, "apr": 4,
    "mei": 5,
    "juni": 6, "jun": 6,
    "juli": 7, "jul": 7,
    "agustus": 8, "agu": 8, "agt": 8, "ags": 8, "agus": 8,
    "september": 9, "sep": 9, "sept": 9,
    "oktober": 10, "okt": 10,
    "november": 11, "nov": 11, "nop": 11,
    "desember": 12, "des": 12,
}  # fmt: skip
"""Indonesian month names, full and short forms (lower case)."""

WEEKDAYS: dict[str, int] = {
    "senin": 0, "sen": 0,
    "selasa": 1, "sel": 1,
    "rabu": 2, "rab": 2,
    "kamis": 3, "kam": 3,
    "jumat": 4, "jum'at": 4, "jum": 4,
    "sabtu": 5, "sab": 5,
    "minggu": 6, "min": 6, "ahad": 6,
}  # fmt: skip
"""Indonesian weekday names (``date.weekday()`` numbers), full and short forms."""

_INDONESIAN_RE = re.compile(
    r"""^\s*
    (?:(?P<weekday>[a-z']+)\s*,?\s+)?
    (?P<day>\d{1,2})\s+(?P<month>[a-z]+)\.?\s+(?P<year>\d{4})
    \s*(?:[,|\-\u2013\u2014]\s*)?(?:pukul\s+)?
    (?P<hour>\d{1,2})[.:](?P<minute>\d{2})(?:[.:](?P<second>\d{2}))?
    \s*(?P<zone>wita|wib|wit)?\s*$""",
    re.IGNORECASE | re.VERBOSE,
)

_ISO_RE = re.compile(r"^\s*\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def parse_indonesian_datetime(text: str) -> datetime | None:
    """Parse ``[Hari,] D Bulan YYYY [-|–|] HH:MM|HH.MM [WIB|WITA|WIT]`` into an aware datetime.

    No zone means WIB. Returns None for any text that is not entirely such a date, for invalid
    calendar dates (31 Februari) and when a weekday is given but does not match the date.
    """
    if not isinstance(text, str):
        return None
    match = _INDONESIAN_RE.match(text.replace("\xa0", " "))
    if match is None:
        return None
    month = MONTHS.get(match["month"].lower())
    if month is None:
        return None
    zone = ZONES[(match["zone"] or "wib").lower()]
    try:
        day = date(int(match["year"]), month, int(match["day"]))
        result = datetime(
            day.year,
            day.month,
            day.day,
            int(match["hour"]),
            int(match["minute"]),
            int(match["second"] or 0),
            tzinfo=zone,
        )
    except ValueError:
        return None
    weekday = match["weekday"]
    if weekday is not None and WEEKDAYS.get(weekday.lower()) != day.weekday():
        return None
    return result


def parse_iso_datetime(text: object) -> datetime | None:
    """Parse an ISO 8601 date-time from JSON-LD or a meta tag; naive values are WIB.

    A bare date without a time is refused (None) rather than guessed as midnight.
    """
    if not isinstance(text, str) or not _ISO_RE.match(text):
        return None
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=WIB)


def format_datetime(value: datetime | None) -> str | None:
    """ISO 8601 with offset, second precision (``2025-07-22T17:20:00+07:00``)."""
    return None if value is None else value.isoformat(timespec="seconds")


def utc_isoformat(value: datetime | None = None) -> str:
    """``value`` (default: now) as ISO 8601 UTC; naive values are taken as UTC."""
    value = value or datetime.now(UTC)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="seconds")
