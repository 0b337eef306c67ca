"""The archive's health as the daemon judges it (``viva_militer_archive.scheduling.health``), for
``/healthz``, the
home page and the metrics: every mode's latest settled run checked against the same rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

from storage.browse import ArchiveBrowser
from storage.clock import iso_timestamp
from storage.deliveries import DeliveryQueue
from viva_militer_archive.scheduling.health import (
    THRESHOLDS,
    HealthPolicy,
    health_warnings,
    parse_policy,
)
from viva_militer_archive.settings import Settings

RUNS_CONSIDERED = 100
"""As many recent runs as the daemon reads after each run."""
PENDING_TOO_LONG = timedelta(hours=1)
"""``/healthz`` warns when an alert event has waited longer than this for its delivery."""


def daemon_policy(settings: Settings) -> HealthPolicy:
    """The daemon's thresholds from the settings it reads them from (``VIVA_MAX_FAILURES``,
    ``VIVA_STALE_AFTER``, ``VIVA_WARNING_SHARE``, ``VIVA_ERROR_SHARE``), else its defaults.
    Only these: the rest of the daemon's settings (its schedule) are none of the reader's
    business. Raises ``ScheduleError`` (one line, naming the variable) on a bad value."""
    return parse_policy(
        {name: getattr(settings, name) for name in THRESHOLDS},
        {name: Settings.variable_of(name) for name in THRESHOLDS},
    )


def last_verification(browser: ArchiveBrowser) -> dict[str, Any] | None:
    """When the archive was last verified (``viva-archive verify``) and the problems found;
    None when it never was."""
    verification = browser.last_verification()
    if verification is None:
        return None
    return {
        "finished_at": iso_timestamp(verification.finished_at),
        "problems": verification.problems,
    }


def verification_warning(verification: dict[str, Any] | None) -> str | None:
    """The warning a verification that found problems gives (None: clean or never run)."""
    if verification is None or not verification["problems"]:
        return None
    return (
        f"the verification of {verification['finished_at']} found {verification['problems']} "
        "problems (viva-archive verify lists them)"
    )


def current_warnings(browser: ArchiveBrowser, policy: HealthPolicy) -> list[str]:
    """The health warnings that hold now (empty: healthy, or no run yet), the last
    verification's included."""
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
    fixity = verification_warning(last_verification(browser))
    return [*warnings, fixity] if fixity else warnings


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
