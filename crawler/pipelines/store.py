"""Store items in the archive: batched, off the event loop, flushed on close and on a timer."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from crawler.signals import article_gone
from storage.config import resolve_database_url
from storage.repository import ArchiveRepository, BatchResult

log = logging.getLogger(__name__)

STORE_ERRORS = "archive/store_errors"
"""Stats key: batches that could not be written (the run then fails)."""


class StorePipeline:
    """Buffers items and writes each batch in one transaction through the repository.

    The write runs in a worker thread (``asyncio.to_thread``) so downloads go on meanwhile;
    batches are serialized by a lock. An item is archived only when its batch commits, so a
    crawl killed at any moment leaves no half-written article, and the next run fetches again
    whatever was not committed."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.stats: StatsCollector | None = crawler.stats
        self.repo = ArchiveRepository(resolve_database_url(settings.get("DATABASE_URL")))
        self.batch_size = settings.getint("STORE_BATCH_SIZE", 200)
        self.flush_seconds = settings.getfloat("STORE_FLUSH_SECONDS", 10.0)
        self.run_id: int | None = settings.getint("ARCHIVE_RUN_ID") or None
        self.items: list[dict[str, Any]] = []
        self.gone: list[int] = []
        self._lock = asyncio.Lock()
        self._timer: asyncio.Task[None] | None = None
        crawler.signals.connect(self.on_article_gone, signal=article_gone)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    async def open_spider(self) -> None:
        self._timer = asyncio.get_running_loop().create_task(self._flush_periodically())

    async def close_spider(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._timer
        await self.flush()

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
            try:
                result, marked = await asyncio.to_thread(self._write, items, gone)
            except Exception:
                log.exception("Could not store a batch of %d articles", len(items))
                self._inc(STORE_ERRORS)
                self._inc("archive/unstored", len(items))
                return
            self._inc("archive/new", len(result.new))
            self._inc("archive/updated", len(result.updated))
            self._inc("archive/unchanged", len(result.unchanged))
            self._inc("archive/gone", len(marked))
            log.debug(
                "Stored %d articles (%d new, %d updated) and %d gone in %.3fs",
                len(items), len(result.new), len(result.updated), len(marked),
                time.monotonic() - started,
            )  # fmt: skip

    def _write(self, items: list[dict[str, Any]], gone: list[int]) -> tuple[BatchResult, list[int]]:
        result = self.repo.store_articles(items, run_id=self.run_id) if items else BatchResult()
        marked = self.repo.mark_gone(gone) if gone else []
        return result, marked

    def _inc(self, key: str, count: int = 1) -> None:
        if self.stats is not None and count:
            self.stats.inc_value(key, count)
