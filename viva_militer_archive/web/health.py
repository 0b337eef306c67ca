"""The archive's health as the daemon judges it (``viva_militer_archive.scheduling.health``), for
``/healthz``, the
home page and the metrics: every mode's latest settled run checked against the same rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

from storage.browse import ArchiveBrowser
from storage.deliveries import DeliveryQueue
from viva_militer_archive.scheduling.health import HealthPolicy, health_warnings
from viva_militer_archive.scheduling.options import config_from

RUNS_CONSIDERED = 100
"""As many recent runs as the daemon reads after each run."""
PENDING_TOO_LONG = timedelta(hours=1)
"""``/healthz`` warns when an alert event has waited longer than this for its delivery."""


def daemon_policy() -> HealthPolicy:
    """The daemon's thresholds, read the way it reads them: ``VIVA_MAX_FAILURES``,
    ``VIVA_STALE_AFTER``, ``VIVA_WARNING_SHARE``, else its defaults. Raises
    ``viva_militer_archive.scheduling.options.ScheduleError`` (one line) on a bad value."""
    return config_from([]).health


def current_warnings(browser: ArchiveBrowser, policy: HealthPolicy) -> list[str]:
    """The health warnings that hold now (empty: healthy, or no run yet)."""
    runs = browser.recent_runs(RUNS_CONSIDERED)
    now = datetime.now(UTC)
    latest_per_mode = {}
    for run in runs:  # newest first: the first settled run of a mode is its latest
        if run.status != "running":
            latest_per_mode.setdefault(run.mode, run)
    warnings: list[str] = []
    for run in latest_per_mode.values() or [None]:
        for warning in health_warnings(runs, run, policy, now):
            if warning not in warnings:
                warnings.append(warning)
    return warnings


def queue_of(engine: Engine) -> DeliveryQueue:
    """The alert outbox's deliveries, read through the reader's engine."""
    return DeliveryQueue(sessions=sessionmaker(engine))


def outbox_warnings(engine: Engine, now: datetime | None = None) -> list[str]:
    """A warning when an alert event has waited more than :data:`PENDING_TOO_LONG`."""
    oldest = queue_of(engine).oldest_pending()
    now = now or datetime.now(UTC)
    if oldest is None or now - oldest <= PENDING_TOO_LONG:
        return []
    hours = (now - oldest).total_seconds() / 3600
    return [f"alert events have waited {hours:.1f}h for delivery (see: viva-archive alerts)"]
