"""Which articles a run fetches: the one place that reads the archive for the crawl.

A spider middleware in the shape of scrapy-deltafetch: configured in ``from_crawler``,
``NotConfigured`` when ``KNOWN_ARTICLES_ENABLED`` is off, its own stats. It

- skips discovered articles (requests flagged :data:`SKIP_IF_KNOWN`) that the archive already
  holds or that this run has scheduled already, one query per page of links;
- keeps the run's ledger of scheduled article ids (the spider asks it whether a redirect landed
  on an article the run has already, see :func:`crawler.redirects.article_landing`);
- lets through one item per article id (host variants and page copies of one article);
- answers the spider's question in ``mode=recheck``: which archived articles are due.

Off, every discovered article is fetched and nothing is de-duplicated by article id (the archive
still keeps one row per article); ``mode=recheck`` then has nothing to ask and stops."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Iterable
from datetime import datetime
from typing import Any, Self

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.statscollectors import StatsCollector

from crawler.drops import count_drop
from crawler.items import ArticleItem
from crawler.warc.middleware import ARTICLE_META
from storage.config import resolve_database_url
from storage.crawl_queries import CrawlQueries
from storage.recheck import RecheckTiers, tiers_from_seconds
from viva_militer_archive.crawl_stats.keys import ARTICLES_KNOWN, ARTICLES_SEEN

DUPLICATE_IN_RUN = "duplicate in run"
"""Drop reason of a second item of one article id in a run."""
SKIP_IF_KNOWN = "skip_if_known"
"""Request meta flag of an article found by discovery: fetched only if neither archived nor
already scheduled in this run (a re-check or a ``urls=`` article is fetched regardless)."""


def known_articles(crawler: Crawler) -> KnownArticlesMiddleware | None:
    """The run's middleware, or None when it is off (ask once the engine exists)."""
    return crawler.get_spider_middleware(KnownArticlesMiddleware)


class KnownArticlesMiddleware:
    """Skips known and already scheduled articles, de-duplicates items; see the module."""

    def __init__(
        self, queries: CrawlQueries, stats: StatsCollector | None, tiers: RecheckTiers
    ) -> None:
        self.queries = queries
        self.stats = stats
        self.tiers = tiers
        self.scheduled: set[int] = set()
        """Article ids requested in this run (or landed on by a redirect)."""
        self.emitted: set[int] = set()
        """Article ids whose item has gone on to the pipelines."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.getbool("KNOWN_ARTICLES_ENABLED", True):
            raise NotConfigured("KNOWN_ARTICLES_ENABLED is off: discovery fetches every article")
        queries = CrawlQueries(
            resolve_database_url(settings.get("DATABASE_URL")),
            captures_required=settings.getbool("WARC_ENABLED", True),
        )
        return cls(queries, crawler.stats, tiers_from_seconds(settings.getlist("RECHECK_TIERS")))

    async def archived_to_recheck(
        self, window: tuple[datetime, datetime] | None
    ) -> list[tuple[int, str]]:
        """Live archived articles to fetch again, newest first, as (id, canonical URL): those
        published in ``window``, else those their age tier says are due."""
        if window is not None:
            return await asyncio.to_thread(self.queries.published_between, *window)
        due = functools.partial(self.queries.due_for_recheck, tiers=self.tiers)
        return await asyncio.to_thread(due)

    async def latest_captures(self, article_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
        """The WARC records of each article's current revision, for the articles fetched
        again (an unchanged page is then written as a revisit record)."""
        return await asyncio.to_thread(self.queries.latest_captures, article_ids)

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for entry in start:
            if self._passes(entry):
                yield entry

    async def process_spider_output(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        discovered: list[Request] = []
        async for entry in result:
            if isinstance(entry, Request) and entry.meta.get(SKIP_IF_KNOWN):
                discovered.append(entry)  # asked about together, after the rest
            elif self._passes(entry):
                yield entry
        for request in await self._unknown(discovered):
            yield request

    def _passes(self, entry: Any) -> bool:
        """Record a request's or item's article as scheduled; an item passes once per id."""
        if isinstance(entry, Request) and entry.meta.get(ARTICLE_META):
            self.scheduled.add(entry.meta[ARTICLE_META]["id"])
        elif isinstance(entry, ArticleItem):
            if entry.article_id in self.emitted:
                count_drop(self.stats, DUPLICATE_IN_RUN, entry.url)
                return False
            self.emitted.add(entry.article_id)
            self.scheduled.add(entry.article_id)  # a redirect may have landed on it
        return True

    async def _unknown(self, requests: Iterable[Request]) -> list[Request]:
        """The requests among ``requests`` for articles neither archived nor scheduled."""
        candidates: dict[int, Request] = {}
        for request in requests:
            article_id = request.meta[ARTICLE_META]["id"]
            if article_id not in self.scheduled:
                candidates.setdefault(article_id, request)
        if not candidates:
            return []
        known = await asyncio.to_thread(self.queries.known_article_ids, candidates)
        if self.stats is not None:
            self.stats.inc_value(ARTICLES_SEEN, len(candidates))
            self.stats.inc_value(ARTICLES_KNOWN, len(known))
        # Checked again after the query: another page's links may have been scheduled meanwhile.
        fresh = [
            request
            for article_id, request in candidates.items()
            if article_id not in known and article_id not in self.scheduled
        ]
        self.scheduled.update(request.meta[ARTICLE_META]["id"] for request in fresh)
        return fresh
