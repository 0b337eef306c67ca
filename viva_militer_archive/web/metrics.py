"""``/metrics``: the archive's figures in Prometheus text exposition, read at each scrape.

A custom collector on the app's own registry: every scrape asks the database (a handful of
aggregate queries), so any number of reader processes report the same numbers."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from storage.browse import ArchiveBrowser
from storage.deliveries import DeliveryQueue
from storage.models import CrawlRun
from viva_militer_archive.crawl_stats.keys import MAX_DROP_REASONS, bounded_reasons
from viva_militer_archive.crawl_stats.site_change import CAUSES, site_changes
from viva_militer_archive.web.health import queue_of

PREFIX = "viva_archive_"
RECENT_RUNS = 20
"""Runs whose drops are summed by reason."""
LATEST_RUN_FIGURES = {
    "duration_seconds": "Duration of the latest settled run of each mode.",
    "errors": "Errors counted by the latest settled run of each mode.",
    "dropped": "Articles dropped by the latest settled run of each mode.",
    "new_articles": "New articles found by the latest settled run of each mode.",
    "success": "1 when the latest settled run of each mode finished, 0 when it failed.",
}


def _gauge(name: str, documentation: str, labels: list[str] | None = None) -> GaugeMetricFamily:
    return GaugeMetricFamily(PREFIX + name, documentation, labels=labels)


def _figures(run: CrawlRun) -> dict[str, float]:
    """The :data:`LATEST_RUN_FIGURES` of one run."""
    seconds = (run.finished_at - run.started_at).total_seconds() if run.finished_at else 0.0
    return {
        "duration_seconds": seconds,
        "errors": run.errors,
        "dropped": run.articles_dropped,
        "new_articles": run.articles_new,
        "success": 1.0 if run.status == "finished" else 0.0,
    }


class ArchiveCollector(Collector):
    """Articles by status, revisions, the extraction-warning share, the last good run per mode,
    the latest settled run per mode, the drops of the recent runs by reason, and the last
    verification."""

    def __init__(self, browser: ArchiveBrowser) -> None:
        self.browser = browser

    def collect(self) -> Iterator[Metric]:
        counts = self.browser.counts()
        articles = _gauge("articles", "Articles in the archive by status.", ["status"])
        for status in ("live", "gone"):
            articles.add_metric([status], counts[status])
        yield articles
        revisions = _gauge("revisions", "Stored article revisions (every version counted).")
        revisions.add_metric([], counts["revisions"])
        yield revisions
        total = counts["live"] + counts["gone"]
        share = _gauge(
            "extraction_warning_ratio",
            "Share of articles whose current version was extracted with warnings (0-1).",
        )
        share.add_metric([], counts["with_warnings"] / total if total else 0.0)
        yield share
        last_ok = _gauge(
            "last_successful_run_timestamp_seconds",
            "When the last finished run of each mode ended (Unix time).",
            ["mode"],
        )
        for mode, finished_at in sorted(self.browser.last_successful_runs().items()):
            last_ok.add_metric([mode], finished_at.timestamp())
        yield last_ok
        yield from self._runs(self.browser.recent_runs(RECENT_RUNS))
        yield from self._verification()
        yield from _alerts(queue_of(self.browser.engine))

    def _verification(self) -> Iterator[Metric]:
        """When the last ``viva-archive verify`` ended and the problems it found (no sample
        before the first verification)."""
        verified = _gauge(
            "last_verification_timestamp_seconds",
            "When the last fixity verification (viva-archive verify) ended (Unix time).",
        )
        problems = _gauge(
            "last_verification_problems",
            "Problems the last fixity verification found (alert on > 0).",
        )
        last = self.browser.last_verification()
        if last is not None:
            verified.add_metric([], last.finished_at.timestamp())
            problems.add_metric([], last.problems)
        yield verified
        yield problems

    def _runs(self, runs: list[CrawlRun]) -> Iterator[Metric]:
        latest: dict[str, CrawlRun] = {}
        drops: Counter[str] = Counter()
        for run in runs:  # newest first
            if run.status != "running":
                latest.setdefault(run.mode, run)
            drops.update({reason: int(n) for reason, n in (run.dropped_reasons or {}).items()})
        families = {
            name: _gauge(f"last_run_{name}", text, ["mode"])
            for name, text in LATEST_RUN_FIGURES.items()
        }
        for mode, run in sorted(latest.items()):
            for name, value in _figures(run).items():
                families[name].add_metric([mode], value)
        yield from families.values()
        yield _site_changes(latest)
        dropped = _gauge(
            "recent_runs_dropped",
            f"Articles dropped by the latest {RECENT_RUNS} runs, by reason (the "
            f'{MAX_DROP_REASONS - 1} most frequent; the rest as reason="other").',
            ["reason"],
        )
        for reason, count in sorted(bounded_reasons(drops).items()):
            dropped.add_metric([reason], count)
        yield dropped


def _site_changes(latest: dict[str, CrawlRun]) -> Metric:
    """Per mode and cause (article markup, listing markup, blocked): the pages or articles the
    latest settled run found affected, 0 when that run saw no such change (alert on > 0)."""
    family = _gauge(
        "last_run_site_change",
        "Pages or articles the latest settled run of each mode found affected by a change of "
        "the site (article_markup: fields from fallbacks or no article; listing_markup: "
        "discovery by URL shape; blocked: bot challenges); 0 when none.",
        ["mode", "cause"],
    )
    for mode, run in sorted(latest.items()):
        found = {change.cause: change.pages for change in site_changes(run.stats)}
        for cause in CAUSES:
            family.add_metric([mode, cause], found.get(cause, 0))
    return family


def _alerts(queue: DeliveryQueue) -> Iterator[Metric]:
    """Alert deliveries by outcome, and how long the oldest undelivered event has waited."""
    deliveries = _gauge(
        "alert_deliveries", "Alert deliveries by status (pending, sent, failed).", ["status"]
    )
    for status, count in queue.counts().items():
        deliveries.add_metric([status], count)
    yield deliveries
    oldest = queue.oldest_pending()
    age = _gauge(
        "alert_oldest_pending_seconds",
        "Age of the oldest alert event still waiting for a delivery (0 when none waits).",
    )
    age.add_metric([], (datetime.now(UTC) - oldest).total_seconds() if oldest else 0.0)
    yield age


def metrics_registry(browser: ArchiveBrowser) -> CollectorRegistry:
    """A registry holding only the archive's collector (no process metrics of the server)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(ArchiveCollector(browser))
    return registry


def exposition(registry: CollectorRegistry) -> bytes:
    """The registry's current figures in the text format."""
    return generate_latest(registry)
