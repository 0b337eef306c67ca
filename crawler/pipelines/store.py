"""Store items in the archive: batched, off the event loop, flushed on close and on a timer; a
batch that fails is retried (database faults) or bisected (poison items), see
:mod:`storage.isolation`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from crawler.drops import count_drop
from crawler.signals import article_gone
from storage.config import error_summary, resolve_database_url
from storage.engine import dispose_engine
from storage.isolation import RETRY_DELAYS, IsolatedWrite, write_isolating
from storage.validation import InvalidItem
from storage.writes import ArchiveWriter, BatchResult
from viva_militer_archive.crawl_stats.keys import (
    ARCHIVE_GONE,
    ARCHIVE_NEW,
    ARCHIVE_UNCHANGED,
    ARCHIVE_UPDATED,
    STORE_ERRORS,
    STORE_RETRIES,
    UNSTORED,
)

log = logging.getLogger(__name__)


class StorePipeline:
    """Buffers items and writes each batch in one transaction through the archive writer.

    The write runs in a worker thread (``asyncio.to_thread``) so downloads go on meanwhile;
    batches are serialized by a lock. An item is archived only when its batch (or the part of
    it that holds it) commits, so a crawl killed at any moment leaves no half-written article,
    and the next run fetches again whatever was not committed. An item that cannot be written
    on its own is dropped with a counted reason; the rest of its batch is archived."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.stats: StatsCollector | None = crawler.stats
        self.database_url = resolve_database_url(settings.get("DATABASE_URL"))
        self.writer: ArchiveWriter | None = None
        """Built when the spider opens, dropped (its connections closed) when it closes."""
        self.batch_size = settings.getint("STORE_BATCH_SIZE", 200)
        self.flush_seconds = settings.getfloat("STORE_FLUSH_SECONDS", 10.0)
        self.run_id: int | None = settings.getint("ARCHIVE_RUN_ID") or None
        self.retry_delays = [float(d) for d in settings.getlist("STORE_RETRY_DELAYS", RETRY_DELAYS)]
        self.items: list[dict[str, Any]] = []
        self.gone: list[int] = []
        self._lock = asyncio.Lock()
        self._timer: asyncio.Task[None] | None = None
        crawler.signals.connect(self.on_article_gone, signal=article_gone)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    async def open_spider(self) -> None:
        self.writer = ArchiveWriter(self.database_url)
        self._timer = asyncio.get_running_loop().create_task(self._flush_periodically())

    async def close_spider(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._timer
        await self.flush()
        self.writer = None
        dispose_engine(self.database_url)

    async def process_item(self, item: Any) -> Any:
        self.items.append(ItemAdapter(item).asdict())
        if len(self.items) >= self.batch_size:
            await self.flush()
        return item

    def on_article_gone(self, article_id: int, url: str) -> None:
        """Queue an archived article that now answers 404/410 (content is kept)."""
        self.gone.append(article_id)

    async def _flush_periodically(self) -> None:
        while True:
            await asyncio.sleep(self.flush_seconds)
            # Shielded: stopping the timer must not abandon a batch halfway through counting.
            await asyncio.shield(self.flush())

    async def flush(self) -> None:
        """Write what is buffered; a failed batch is logged and counted, never half-written."""
        async with self._lock:
            items, self.items = self.items, []
            gone, self.gone = self.gone, []
            if not items and not gone:
                return
            started = time.monotonic()
            stored, marked = await asyncio.to_thread(self._write, items, gone)
            result = BatchResult()
            for part in stored.results:
                result.new += part.new
                result.updated += part.updated
                result.unchanged += part.unchanged
            self._inc(ARCHIVE_NEW, len(result.new))
            self._inc(ARCHIVE_UPDATED, len(result.updated))
            self._inc(ARCHIVE_UNCHANGED, len(result.unchanged))
            gone_count = sum(len(part) for part in marked.results)
            self._inc(ARCHIVE_GONE, gone_count)
            for item, exc in stored.poison:
                self._drop(item["article_id"], item.get("url") or "?", exc)
            for article_id, exc in marked.poison:
                self._drop(article_id, f"article {article_id}", exc, action="mark gone")
            self._unstored(stored, "articles")
            self._unstored(marked, "gone marks")
            log.debug(
                "Stored %d articles (%d new, %d updated) and %d gone in %.3fs",
                len(items), len(result.new), len(result.updated), gone_count,
                time.monotonic() - started,
            )  # fmt: skip

    def _write(
        self, items: list[dict[str, Any]], gone: list[int]
    ) -> tuple[IsolatedWrite[dict[str, Any], BatchResult], IsolatedWrite[int, list[int]]]:
        """Both writes, each isolated (transactions of their own): articles, then gone marks."""
        writer = self.writer
        assert writer is not None, "the pipeline writes between open_spider and close_spider"
        stored = write_isolating(
            lambda part: writer.store_articles(part, run_id=self.run_id),
            items,
            delays=self.retry_delays,
        )
        marked = write_isolating(writer.mark_gone, gone, delays=self.retry_delays)
        self._inc(STORE_RETRIES, stored.retries + marked.retries)
        return stored, marked

    def _drop(self, article_id: Any, url: str, exc: BaseException, action: str = "store") -> None:
        """Count an item that cannot be written even alone (poison) in the run's drops."""
        if isinstance(exc, InvalidItem):
            reason, summary = exc.reason, exc.detail
        else:
            reason, summary = f"{action} failed {type(exc).__name__}", error_summary(exc)
        count_drop(self.stats, reason, url, detail=f"article {article_id}: {summary}")

    def _unstored(self, outcome: IsolatedWrite[Any, Any], what: str) -> None:
        """Count what the database did not take: the run fails, the next one tries again."""
        if not outcome.unstored:
            return
        log.error(
            "Could not store %d %s: %s",
            len(outcome.unstored), what, error_summary(outcome.error or Exception()),
            exc_info=outcome.error,
        )  # fmt: skip
        self._inc(STORE_ERRORS)
        if what == "articles":
            self._inc(UNSTORED, len(outcome.unstored))

    def _inc(self, key: str, count: int = 1) -> None:
        if self.stats is not None and count:
            self.stats.inc_value(key, count)
