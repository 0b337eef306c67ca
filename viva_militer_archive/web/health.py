"""The archive's health as the daemon judges it (``viva_militer_archive.scheduling.health``), for
``/healthz``, the
home page and the metrics: every mode's latest settled run checked against the same rules."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from storage.browse import ArchiveBrowser
from storage.clock import iso_timestamp
from viva_militer_archive.scheduling.health import HealthPolicy, health_warnings
from viva_militer_archive.scheduling.options import config_from

RUNS_CONSIDERED = 100
"""As many recent runs as the daemon reads after each run."""


def daemon_policy() -> HealthPolicy:
    """The daemon's thresholds, read the way it reads them: ``VIVA_MAX_FAILURES``,
    ``VIVA_STALE_AFTER``, ``VIVA_WARNING_SHARE``, else its defaults. Raises
    ``viva_militer_archive.scheduling.options.ScheduleError`` (one line) on a bad value."""
    return config_from([]).health


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
