"""Parsing the scheduler's durations (``30s``, ``15m``, ``1h``, ``2d``) and cron expressions."""

from __future__ import annotations

import math
import re
from datetime import timedelta, tzinfo

from apscheduler.triggers.cron import CronTrigger

_DURATION_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$", re.IGNORECASE)
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
MAX_DURATION = timedelta(days=3650)
"""Longer than any sensible interval, short enough for every clock computation."""


class ScheduleError(ValueError):
    """An unusable schedule option; the message is one line for the user."""


def parse_duration(value: str, option: str) -> timedelta:
    """``30s`` / ``15m`` / ``1h`` / ``2d`` as a positive timedelta."""
    match = _DURATION_RE.match(value or "")
    seconds = float(match[1]) * _UNITS[match[2].lower()] if match else 0.0
    if not 0 < seconds <= MAX_DURATION.total_seconds():
        raise ScheduleError(
            f"{option} {value!r} is not a duration like 30s, 15m, 1h or 2d (at most 3650d)"
        )
    return timedelta(seconds=seconds)


def number(value: str, option: str, kind: type[int] | type[float]) -> float:
    """``value`` as a finite number of ``kind``, else a :class:`ScheduleError` naming
    ``option`` (the command-line option or environment variable it came from)."""
    try:
        parsed = kind(value)
    except ValueError:
        parsed = math.nan
    if not math.isfinite(parsed):
        raise ScheduleError(f"{option} {value!r} is not a number")
    return parsed


def parse_cron(value: str, option: str, timezone: tzinfo) -> CronTrigger:
    """A five-field crontab expression (``*/15 * * * *``) as an APScheduler trigger."""
    try:
        return CronTrigger.from_crontab(value, timezone=timezone)
    except (ValueError, TypeError) as exc:
        raise ScheduleError(f"{option} {value!r} is not a cron expression: {exc}") from None
