"""The recurring jobs: the crawls and what arguments each run gets (computed when it starts),
and the fixity check (``viva-archive verify``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from apscheduler.triggers.base import BaseTrigger

from crawler.arguments import today_wib

JOB_NAMES = ("latest", "recheck", "backfill", "verify")
VERIFY_JOB = "verify"
"""The job that runs ``viva-archive verify`` instead of a crawl."""


@dataclass(frozen=True, slots=True)
class JobSpec:
    """One recurring crawl (or, named :data:`VERIFY_JOB`, the recurring fixity check)."""

    name: str
    trigger: BaseTrigger
    arguments: Callable[[], dict[str, str]]
    """Spider arguments, computed at each run (a nightly backfill's window moves daily)."""
    run_at_start: bool = False


def backfill_window(days: int) -> Callable[[], dict[str, str]]:
    """Arguments of a backfill over the last ``days`` days, today included (site calendar)."""

    def arguments() -> dict[str, str]:
        since = today_wib() - timedelta(days=days - 1)
        return {"mode": "backfill", "since": since.isoformat()}

    return arguments


def fixed(mode: str) -> Callable[[], dict[str, str]]:
    """Arguments that never change: just the mode."""
    return lambda: {"mode": mode}
