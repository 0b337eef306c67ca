"""The archive's health as the daemon judges it (``viva_militer_archive.scheduling.health``), for
``/healthz``, the
home page and the metrics: every mode's latest settled run checked against the same rules."""

from __future__ import annotations

from datetime import UTC, datetime

from storage.browse import ArchiveBrowser
from viva_militer_archive.scheduling.health import (
    THRESHOLDS,
    HealthPolicy,
    health_warnings,
    parse_policy,
)
from viva_militer_archive.settings import Settings

RUNS_CONSIDERED = 100
"""As many recent runs as the daemon reads after each run."""


def daemon_policy(settings: Settings) -> HealthPolicy:
    """The daemon's thresholds from the settings it reads them from (``VIVA_MAX_FAILURES``,
    ``VIVA_STALE_AFTER``, ``VIVA_WARNING_SHARE``, ``VIVA_ERROR_SHARE``), else its defaults.
    Only these: the rest of the daemon's settings (its schedule) are none of the reader's
    business. Raises ``ScheduleError`` (one line, naming the variable) on a bad value."""
    return parse_policy(
        {name: getattr(settings, name) for name in THRESHOLDS},
        {name: Settings.variable_of(name) for name in THRESHOLDS},
    )


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
