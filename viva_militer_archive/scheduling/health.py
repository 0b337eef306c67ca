"""Health of the archive's crawls, judged from the runs journal after every run.

Nobody watches the daemon, so it says in its log when something is wrong: runs failing in a
row, ``latest`` runs finding nothing for too long (the site moved, or discovery broke), too
many articles parsed with extraction warnings (the live site's markup changed), the site
changing under the crawl (article template, listing rows, a bot wall: named by
:mod:`viva_militer_archive.crawl_stats.site_change`), or a run that finished but with too many
errors for its
requests (half the site failing)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from storage.models import CrawlRun
from viva_militer_archive.crawl_stats.keys import ARTICLES_PARSED
from viva_militer_archive.crawl_stats.site_change import ARTICLE_MARKUP, site_changes
from viva_militer_archive.scheduling.durations import number, parse_duration

FAILED = ("failed", "interrupted")


@dataclass(frozen=True, slots=True)
class HealthPolicy:
    """Thresholds of the health warnings."""

    max_failures: int = 3
    """Warn when this many runs of one mode failed in a row."""
    stale_after: timedelta = timedelta(hours=6)
    """Warn when ``latest`` runs have found no new article for longer than this."""
    warning_share: float = 0.2
    """Warn when more than this share of a run's parsed articles carry extraction warnings."""
    error_share: float = 0.2
    """Warn when a finished run logged more errors than this share of its requests."""


THRESHOLD_PARSERS: dict[str, Callable[[str, str], Any]] = {
    "max_failures": lambda text, name: int(number(text, name, int)),
    "stale_after": parse_duration,
    "warning_share": lambda text, name: number(text, name, float),
    "error_share": lambda text, name: number(text, name, float),
}
"""How each field of :class:`HealthPolicy` is read from text (its value, its name)."""
THRESHOLDS = tuple(THRESHOLD_PARSERS)
"""The fields of :class:`HealthPolicy`, named as the settings and options that set them."""


def parse_policy(values: Mapping[str, str | None], names: Mapping[str, str]) -> HealthPolicy:
    """The thresholds from their text (``values`` by field; None: the default). A bad one is a
    :class:`ScheduleError` naming it as ``names`` says (``--max-failures``,
    ``VIVA_MAX_FAILURES``): the daemon (its options) and the web reader (the settings) read
    them this one way."""
    return HealthPolicy(
        **{
            name: THRESHOLD_PARSERS[name](text, names[name])
            for name, text in values.items()
            if text is not None
        }
    )


def consecutive_failures(runs: Sequence[CrawlRun], mode: str) -> int:
    """How many of the newest runs of ``mode`` failed in a row (``runs`` newest first)."""
    count = 0
    for run in runs:
        if run.mode != mode or run.status == "running":
            continue
        if run.status not in FAILED:
            break
        count += 1
    return count


def time_without_new_articles(runs: Sequence[CrawlRun], now: datetime) -> timedelta | None:
    """Since when finished ``latest`` runs have found nothing new (None: the last one did)."""
    latest = [r for r in runs if r.mode == "latest" and r.status == "finished"]
    if not latest or latest[0].articles_new:
        return None
    productive = next((r for r in latest if r.articles_new), None)
    since = productive.started_at if productive else latest[-1].started_at
    return now - since


def error_share(run: CrawlRun) -> float:
    """Errors the run logged per request it made (0 for a run without requests)."""
    return (run.errors or 0) / run.requests if run.requests else 0.0


def health_warnings(
    runs: Sequence[CrawlRun], finished: CrawlRun | None, policy: HealthPolicy, now: datetime
) -> list[str]:
    """Warnings after ``finished`` ended; ``runs`` are the recent runs, newest first."""
    warnings: list[str] = []
    if finished is not None:
        failures = consecutive_failures(runs, finished.mode)
        if failures >= policy.max_failures:
            warnings.append(f"{failures} {finished.mode} runs failed in a row")
        changes = site_changes(finished.stats)
        for change in changes:
            warnings.append(f"run {finished.id} ({finished.mode}): {change.message}")
        named = any(change.cause == ARTICLE_MARKUP for change in changes)
        parsed = int((finished.stats or {}).get(ARTICLES_PARSED, 0) or 0)
        if not named and parsed and finished.extraction_warnings / parsed > policy.warning_share:
            warnings.append(
                f"run {finished.id}: {finished.extraction_warnings} of {parsed} articles had "
                "extraction warnings (the site's markup may have changed)"
            )
        if finished.status == "finished" and error_share(finished) > policy.error_share:
            warnings.append(
                f"run {finished.id} finished with {finished.errors} errors in "
                f"{finished.requests} requests ({error_share(finished):.0%})"
            )
    quiet = time_without_new_articles(runs, now)
    if quiet is not None and quiet > policy.stale_after:
        hours = quiet.total_seconds() / 3600
        warnings.append(f"latest runs have found no new article for {hours:.1f}h")
    return warnings
