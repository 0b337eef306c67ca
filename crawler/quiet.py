"""Quiet failures: a site that cannot be reached gives one log line per kind of failure, not
one per request with a traceback each, so the run's summary line stays readable at the end.

A logging filter on the loggers that report them (installed for the crawl by the
:class:`FailureDigest` extension) recognises Scrapy's download-failure records (retry given up,
robots.txt or page download errors, pages dropped because their download failed), keeps the
first of each kind as one line without its traceback and counts the rest in the stats
(``log_digest/<kind>``). The same filter leaves Scrapy's multi-line start-up and statistics
dumps to DEBUG (``-v``): the statistics are stored with the run."""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.settings import BaseSettings
from scrapy.statscollectors import StatsCollector

from viva_militer_archive.crawl_stats.keys import LOG_COUNT_PREFIX, LOG_DIGEST_PREFIX

DOWNLOAD_FAILURE_LOGGERS = frozenset(
    {
        "scrapy.downloadermiddlewares.retry",
        "scrapy.downloadermiddlewares.robotstxt",
        "scrapy.core.scraper",
        "scrapy.core.engine",
        "crawler.drops",
    }
)
"""Loggers whose warnings and errors report, among others, failed downloads."""
DUMP_LOGGERS = frozenset(
    {
        "scrapy.utils.log",
        "scrapy.middleware",
        "scrapy.addons",
        "scrapy.crawler",
        "scrapy.statscollectors",
    }
)
"""Loggers of Scrapy's multi-line INFO dumps (versions, settings, components, statistics)."""


def failure_kind(record: logging.LogRecord) -> str | None:
    """The kind of download failure a record reports (its exception's name, without Scrapy's
    ``Download`` prefix, so Twisted's and Scrapy's names of one failure agree), else None."""
    if record.name not in DOWNLOAD_FAILURE_LOGGERS or record.levelno < logging.WARNING:
        return None
    message = str(record.msg)
    if record.name == "crawler.drops":
        text = record.getMessage()
        if "download failed" not in text:
            return None  # a page dropped for its content: every one is worth a line
        return text.rsplit(" ", 1)[-1].removeprefix("Download")
    if record.exc_info and record.exc_info[0] is not None:
        if "downloading" not in message.lower():
            return None  # an error of our own code keeps its traceback
        return record.exc_info[0].__name__.removeprefix("Download")
    if message.startswith("Gave up retrying") and isinstance(record.args, dict):
        reason = record.args.get("reason")
        return (type(reason).__name__ if isinstance(reason, BaseException) else str(reason))[
            :60
        ].removeprefix("Download")
    return None


class FailureFilter(logging.Filter):
    """Lets the first download failure of each kind through as one line, drops the others."""

    def __init__(self, stats: StatsCollector | None, verbose: bool) -> None:
        super().__init__()
        self.stats = stats
        self.verbose = verbose
        self.seen: Counter[str] = Counter()

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.verbose and record.name in DUMP_LOGGERS and "\n" in record.getMessage():
            return self._hidden(record)
        kind = failure_kind(record)
        if kind is None:
            return True
        self.seen[kind] += 1
        if self.stats is not None:
            self.stats.inc_value(LOG_DIGEST_PREFIX + kind)
        if self.seen[kind] > 1:
            return self._hidden(record)
        first_line = record.getMessage().splitlines()[0]
        record.msg = f"{first_line} [first {kind}; later ones are counted, not logged]"
        record.args = None
        record.exc_info = record.exc_text = None
        return True

    def _hidden(self, record: logging.LogRecord) -> bool:
        """Drop the record but count it as Scrapy's log counter would (``log_count/ERROR`` is
        the run's ``errors``)."""
        if self.stats is not None:
            self.stats.inc_value(LOG_COUNT_PREFIX + record.levelname)
        return False


STARTUP_LOGGERS = ("scrapy.utils.log", "scrapy.addons")
"""Loggers whose dumps (``Versions: {...}``, ``Enabled addons: [...]``) come before any
extension exists, as the crawler process and the crawler are created."""
_STARTUP_FILTER = FailureFilter(None, verbose=False)


def quiet_startup(settings: BaseSettings) -> None:
    """Hide Scrapy's multi-line start-up dumps unless the crawl logs at DEBUG (``-v``) or
    ``QUIET_FAILURES`` is off. Called with the crawl's final settings, before its
    ``CrawlerProcess`` is created (:class:`FailureDigest` comes too late for them)."""
    quiet = settings.getbool("QUIET_FAILURES", True) and settings.get("LOG_LEVEL") != "DEBUG"
    for name in STARTUP_LOGGERS:
        logger = logging.getLogger(name)
        if quiet:
            logger.addFilter(_STARTUP_FILTER)  # once: a logger keeps one copy of a filter
        else:
            logger.removeFilter(_STARTUP_FILTER)


class FailureDigest:
    """Installs :class:`FailureFilter` on the loggers concerned from the moment the crawl is
    configured until its engine stops (``QUIET_FAILURES = False`` turns it off). Logger filters,
    not handler filters: Scrapy replaces its root handler while it configures a crawl."""

    def __init__(self, crawler: Crawler) -> None:
        verbose = crawler.settings.get("LOG_LEVEL") == "DEBUG"
        self.filter = FailureFilter(crawler.stats, verbose)
        self.loggers = [logging.getLogger(name) for name in DOWNLOAD_FAILURE_LOGGERS | DUMP_LOGGERS]

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FailureDigest:
        if not crawler.settings.getbool("QUIET_FAILURES", True):
            raise NotConfigured
        extension = cls(crawler)
        extension.install()  # before the component listings that follow
        crawler.signals.connect(extension.remove, signal=signals.engine_stopped)
        return extension

    def install(self) -> None:
        for logger in self.loggers:
            logger.addFilter(self.filter)

    def remove(self, *_: Any) -> None:
        for logger in self.loggers:
            logger.removeFilter(self.filter)
