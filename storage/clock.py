"""The archive's one clock: the site's calendar, Western Indonesia Time (WIB, UTC+07:00).

Timestamps are stored in UTC (``storage.types.UTCDateTime``); everything given to people or
written to JSON/CSV is on this clock, so a day means the same in a listing, in ``show``, in an
export and in ``--since/--until``."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

WIB_OFFSET = timedelta(hours=7)
"""WIB's distance from UTC: a fixed offset, the zone has no daylight saving."""
WIB = timezone(WIB_OFFSET, "WIB")
"""Western Indonesia Time, the site's zone (no daylight saving)."""

FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)
"""The days a date argument may name: far wider than the archive, narrow enough that every
boundary converts between zones and fits both databases."""


def on_site_clock(value: datetime) -> datetime:
    """``value`` in WIB (naive values are taken as UTC, as the databases return them)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(WIB)


def iso_timestamp(value: datetime | None) -> str | None:
    """ISO 8601 in WIB with its offset, to the second (``2026-11-27T04:43:27+07:00``)."""
    return None if value is None else on_site_clock(value).isoformat(timespec="seconds")


def display_time(value: datetime | str | None, *, seconds: bool = False) -> str:
    """A time for people: ``2026-11-27 04:43 WIB`` (ISO strings accepted; None gives ``-``)."""
    if value is None:
        return "-"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return on_site_clock(value).strftime(
        "%Y-%m-%d %H:%M:%S WIB" if seconds else "%Y-%m-%d %H:%M WIB"
    )


def day_start(day: date) -> datetime:
    """00:00 WIB of ``day``."""
    return datetime.combine(day, time.min, WIB)


def day_window(first: date | None, last: date | None) -> tuple[datetime | None, datetime | None]:
    """The instants of the WIB days ``first`` to ``last``: ``[first 00:00 WIB, the day after
    last 00:00 WIB)``. The one place a day range becomes times (lists, search, export, crawls,
    the CLI). An end not given stays open (None), as does one at the edge of what a datetime
    holds (``date.min``/``date.max``: its UTC instant would not exist)."""
    start = day_start(first) if first and first > date.min + timedelta(days=1) else None
    end = (
        day_start(last + timedelta(days=1))
        if last and last < date.max - timedelta(days=1)
        else None
    )
    return start, end


def today() -> date:
    """Today's date on the site's calendar."""
    return datetime.now(WIB).date()
