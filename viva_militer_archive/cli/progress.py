"""A Scrapy extension showing crawl progress: pages fetched, articles new, updated, dropped.

On a terminal it rewrites one status line on stderr; elsewhere (a log file, a pipe, cron) it
logs a plain progress line now and then, which reads well in any log."""

from __future__ import annotations

import logging
import sys
from typing import IO, Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.statscollectors import StatsCollector
from scrapy.utils.asyncio import create_looping_call

from crawler.outcome import outcome_from_stats
from viva_militer_archive.crawl_stats import keys

log = logging.getLogger(__name__)

TERMINAL_INTERVAL, LOG_INTERVAL = 0.5, 10.0
"""Seconds between updates of the terminal line, and between progress log lines."""
CLEAR_TO_END = "\033[K"


def progress_text(stats: dict[str, Any]) -> str:
    """``pages 12 · new 5 · updated 1 · gone 0 · dropped 0`` from a crawler's stats."""
    counters = outcome_from_stats(stats).counters
    pages = int(stats.get(keys.RESPONSES_RECEIVED, 0))
    return (
        f"pages {pages} · new {counters['articles_new']} · updated "
        f"{counters['articles_updated']} · gone {counters['articles_gone']} · dropped "
        f"{counters['articles_dropped']}"
    )


class CrawlProgress:
    """Reports :func:`progress_text` while a crawl runs (enable with ``PROGRESS_ENABLED``)."""

    def __init__(self, stats: StatsCollector, terminal: IO[str] | None) -> None:
        self.stats = stats
        self.terminal = terminal
        self.task: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlProgress:
        if not crawler.settings.getbool("PROGRESS_ENABLED"):
            raise NotConfigured
        assert crawler.stats is not None
        terminal = sys.stderr if crawler.settings.getbool("PROGRESS_TERMINAL") else None
        extension = cls(crawler.stats, terminal)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, spider: Spider) -> None:
        self.task = create_looping_call(self.report)
        self.task.start(TERMINAL_INTERVAL if self.terminal else LOG_INTERVAL, now=False)

    def report(self) -> None:
        text = progress_text(self.stats.get_stats())
        if self.terminal is None:
            log.info("Progress: %s", text)
        else:
            self.terminal.write(f"\r{text}{CLEAR_TO_END}")
            self.terminal.flush()

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.task is not None and self.task.running:
            self.task.stop()
        self.report()
        if self.terminal is not None:
            self.terminal.write("\n")
