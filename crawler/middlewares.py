"""Retry 429 and 503 politely: wait (honouring ``Retry-After``, bounded), then try again.

Scrapy's RetryMiddleware retries at once and ignores ``Retry-After`` (scrapy#3849, #6660)."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Self

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

from viva_militer_archive.crawl_stats.keys import BACKOFF_RETRY_BASE, backoff_wait_key

log = logging.getLogger(__name__)


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Seconds asked for by a ``Retry-After`` header (delta-seconds or HTTP-date), or None."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class BackoffRetryMiddleware:
    """Waits before retrying a 429/503: ``Retry-After`` when given, else exponential backoff.

    While it waits, the engine sends no new request at all: the site asked us to back off, not
    merely to retry one page later."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.codes = {
            int(code) for code in settings.getlist("BACKOFF_RETRY_HTTP_CODES", [429, 503])
        }
        self.max_times = settings.getint("BACKOFF_RETRY_TIMES", 5)
        self.base = settings.getfloat("BACKOFF_BASE_DELAY", 5.0)
        self.ceiling = settings.getfloat("BACKOFF_MAX_DELAY", 300.0)
        self._waiting = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("RETRY_ENABLED"):
            raise NotConfigured
        return cls(crawler)

    def delay_for(self, response: Response, attempt: int) -> float:
        """How long to wait before retry number ``attempt`` (1-based), never above the ceiling."""
        asked = retry_after_seconds(response.headers.get(b"Retry-After"))
        wanted = asked if asked is not None else self.base * 2 ** (attempt - 1)
        return min(wanted, self.ceiling)

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        if response.status not in self.codes or request.meta.get("dont_retry"):
            return response
        retry = await self.retry_later(request, response, f"{response.status} response")
        return response if retry is None else retry

    async def retry_later(
        self,
        request: Request,
        response: Response,
        reason: str,
        *,
        log_level: int = logging.INFO,
        give_up_log_level: int | None = None,
    ) -> Request | None:
        """``request`` again once the wait for this attempt is over (the engine paused
        meanwhile), or None when its retries are spent (Scrapy logs the give-up at
        ``give_up_log_level``, by default ``RETRY_GIVE_UP_LOG_LEVEL``)."""
        attempt = request.meta.get("backoff_retry_times", 0) + 1
        spider = self.crawler.spider
        assert spider is not None
        retry = get_retry_request(
            request,
            spider=spider,
            reason=reason,
            max_retry_times=self.max_times,
            stats_base_key=BACKOFF_RETRY_BASE,
            give_up_log_level=give_up_log_level,
        )
        if retry is None:
            return None
        delay = self.delay_for(response, attempt)
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value(backoff_wait_key(response.status), int(delay))
        log.log(
            log_level,
            "%s for %s: waiting %.1fs before retry %d",
            reason,
            request.url,
            delay,
            attempt,
        )
        retry.meta["backoff_retry_times"] = attempt
        await self._pause_engine_for(delay)
        return retry

    async def _pause_engine_for(self, delay: float) -> None:
        engine = self.crawler.engine
        self._waiting += 1
        if engine is not None:
            engine.pause()
        try:
            await asyncio.sleep(delay)
        finally:
            self._waiting -= 1
            if engine is not None and self._waiting == 0:
                engine.unpause()
