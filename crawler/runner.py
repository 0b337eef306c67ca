"""Run one crawl end to end: check arguments, migrate, lock, journal, crawl, judge, exit code.

The lock is watched while the crawl runs (:mod:`crawler.lockwatch`): a crawl whose lock is
gone stops at once and is recorded ``failed``, never going on beside a second crawl.

Used by ``scrapy crawl viva_militer`` (our crawl command), ``viva-archive crawl`` and the
scheduler's child processes, so every way of crawling behaves the same. A parent that opened
the run itself names it with the ``ARCHIVE_RUN_ID`` setting: the crawl takes that run over
instead of opening one, so the parent knows its run by id (never by pid)."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import BaseSettings
from scrapy.utils.defer import deferred_from_coro
from sqlalchemy.exc import OperationalError

from crawler.arguments import ArgumentError, parse_arguments
from crawler.lockwatch import LockWatcher
from crawler.outcome import EXIT_ALREADY_RUNNING, EXIT_FAILED, Outcome, outcome_from_stats
from crawler.warc.location import writable_archive_dir
from storage.config import database_problem, mask_url, resolve_database_url
from storage.locks import LockBusyError, NamedLock
from storage.migrate import SchemaTooNewError, ensure_schema
from storage.runs import RunJournal
from viva_militer_archive.crawl_stats.keys import LOST_LOCK

log = logging.getLogger(__name__)

SPIDER_NAME = "viva_militer"
LOCK_PATIENCE_SECONDS = 3.0


def crawl_lock_name(mode: str) -> str:
    """The lock a crawl of ``mode`` holds: one crawl per mode and archive at a time."""
    return f"crawl-{mode}"


def acquire_soon(lock: NamedLock, patience: float = LOCK_PATIENCE_SECONDS) -> None:
    """Take the lock, trying for a few seconds: a crawl killed a moment ago may still hold it
    until its database session is reaped. Raises :class:`LockBusyError` after that."""
    deadline = time.monotonic() + patience
    while True:
        try:
            lock.acquire()
            return
        except LockBusyError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.25)


def check_archive_dir(settings: BaseSettings) -> None:
    """Refuse (:class:`ArgumentError`) a WARC folder that cannot be created or written, before
    the crawl starts, instead of an error per archived page."""
    if not settings.getbool("WARC_ENABLED", True):
        return
    try:
        writable_archive_dir(settings.get("ARCHIVE_DIR"))
    except OSError as exc:
        where = exc.filename or settings.get("ARCHIVE_DIR")
        raise ArgumentError(f"ARCHIVE_DIR {where}: {exc.strerror or exc}") from None


def run_crawl(process: CrawlerProcess, raw_arguments: Mapping[str, str]) -> int:
    """Crawl once in this process (the reactor cannot restart: one call per process), as the
    run ``ARCHIVE_RUN_ID`` names when set, else a run of its own.

    Raises :class:`crawler.arguments.ArgumentError` before touching anything when the
    arguments are bad; returns the exit code otherwise."""
    settings = process.settings
    given_run = settings.getint("ARCHIVE_RUN_ID") or None
    arguments = parse_arguments(raw_arguments, settings.get("VIVA_BASE_URL"))
    check_archive_dir(settings)
    url = resolve_database_url(settings.get("DATABASE_URL"))
    try:
        ensure_schema(url)
    except (OperationalError, SchemaTooNewError) as exc:
        log.error("%s", database_problem(url, exc))  # one line, password masked
        return EXIT_FAILED
    lock = NamedLock(url, crawl_lock_name(arguments.mode))
    try:
        acquire_soon(lock)
    except LockBusyError:
        if given_run is not None:
            RunJournal(url).withdraw(given_run)
        log.error(
            "Another %s crawl is already running on %s; not starting a second one",
            arguments.mode,
            mask_url(url),
        )
        return EXIT_ALREADY_RUNNING
    try:
        journal = RunJournal(url)
        repaired = journal.mark_interrupted()
        if repaired:
            log.warning("Marked runs %s as interrupted (their process died)", repaired)
        run_id = open_run(journal, given_run, arguments.mode, arguments.as_dict())
        if run_id is None:
            log.error("Run %d is not an open run of %s: not crawling", given_run, mask_url(url))
            return EXIT_FAILED
        crawler = process.create_crawler(SPIDER_NAME)
        crawler.settings.set("DATABASE_URL", url, priority="cmdline")
        crawler.settings.set("ARCHIVE_RUN_ID", run_id, priority="cmdline")
        log.info("Crawl run %d started: %s on %s", run_id, arguments.as_dict(), mask_url(url))
        started = datetime.now(UTC)
        process.crawl(crawler, **raw_arguments)
        watcher = LockWatcher(lock, lambda: _stop_from_thread(crawler, LOST_LOCK))
        watcher.start()
        try:
            process.start()
        finally:
            watcher.stop()
        stats: dict[str, Any] = crawler.stats.get_stats() if crawler.stats else {}
        outcome = outcome_from_stats(stats)
        if watcher.lost:  # whatever else happened, the run went on unprotected for a moment
            outcome = replace(outcome, status="failed", reason=LOST_LOCK)
        journal.finish(
            run_id,
            status=outcome.status,
            reason=outcome.reason,
            counters=outcome.counters,
            dropped_reasons=outcome.dropped_reasons,
            stats=_jsonable(stats),
        )
        seconds = (datetime.now(UTC) - started).total_seconds()
        _log_outcome(run_id, outcome, seconds)
        return outcome.exit_code
    finally:
        lock.release()


def open_run(
    journal: RunJournal, given: int | None, mode: str, arguments: Mapping[str, Any]
) -> int | None:
    """The run this crawl records into: the ``given`` one taken over (None when it is not an
    open run), else a new one."""
    if given is None:
        return journal.start(mode, arguments)
    return given if journal.claim(given, mode, arguments) else None


def _stop_from_thread(crawler: Crawler, reason: str) -> None:
    """Close the crawl with ``reason`` from another thread (items already scraped are stored)."""
    from twisted.internet import reactor  # the reactor Scrapy installed, not a default one

    def close() -> None:
        engine = crawler.engine
        if engine is not None and engine.spider is not None:
            closing = deferred_from_coro(engine.close_spider_async(reason=reason))
            closing.addErrback(lambda failure: log.error("Could not stop the crawl: %s", failure))

    reactor.callFromThread(close)  # type: ignore[attr-defined]


def _log_outcome(run_id: int, outcome: Outcome, seconds: float) -> None:
    level = logging.INFO if outcome.status == "finished" else logging.ERROR
    log.log(level, "Crawl run %d %s in %.1fs", run_id, outcome.summary(), seconds)
    for warning in outcome.warnings:
        log.warning("Crawl run %d: %s", run_id, warning)


def _jsonable(stats: Mapping[str, Any]) -> dict[str, Any]:
    """Stats with datetimes as ISO strings, and anything else JSON cannot hold as text."""
    return json.loads(json.dumps(stats, default=str))
