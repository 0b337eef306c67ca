"""The ``viva_militer`` spider: decides what to fetch; extraction and storage live elsewhere.

Modes (``-a mode=...``): ``latest`` (news sitemap + first listing pages, unknown articles
only), ``backfill since= [until=]`` (date indexes newest day first, unknown articles only),
``recheck [since= until=]`` (archived articles due by age, or all in a period), and
``urls=U1,U2`` (exactly these articles)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Iterable
from datetime import UTC, datetime
from typing import Any

import scrapy
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.misc import load_object
from twisted.python.failure import Failure

from crawler import site
from crawler.arguments import CrawlArguments, parse_arguments
from crawler.discovery import (
    EMPTY,
    ROWS,
    URL_SHAPE,
    ListingLinks,
    article_links,
    discover_listing,
    news_sitemaps,
    next_listing_page,
    sitemap_locations,
)
from crawler.drops import DroppedRequest, count_drop
from crawler.extraction import PARSER_VERSION, ArticlePage, parse_article, warning_stat_key
from crawler.items import ArticleItem, CrawledArticle
from crawler.known_articles import SKIP_IF_KNOWN, known_articles
from crawler.redirects import article_landing
from crawler.signals import article_gone
from crawler.urls import article_id_from_url, article_page_url
from crawler.warc import PREVIOUS_CAPTURE, WARC_RECORD_META
from crawler.warc.middleware import ARTICLE_META
from viva_militer_archive.crawl_stats import keys

MAX_PAGES = 30
"""Upper bound of pages followed for one article (a loop guard, far above real articles)."""
GONE_STATUSES = (404, 410)
LISTING_KEYS = {
    ROWS: keys.DISCOVERY_ROW_PAGES,
    URL_SHAPE: keys.DISCOVERY_URL_SHAPE_PAGES,
    EMPTY: keys.DISCOVERY_EMPTY_PAGES,
}
"""Stats key of a listing page by how its links were found."""


class VivaMiliterSpider(scrapy.Spider):
    """Routes requests for one crawl mode; see the module docstring."""

    name = "viva_militer"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.raw_arguments = {
            key: str(kwargs.pop(key)) for key in ("mode", "since", "until", "urls") if key in kwargs
        }
        super().__init__(*args, **kwargs)
        self.arguments = CrawlArguments()
        self.base_url = site.DEFAULT_BASE_URL
        self.page_class: type[ArticlePage] = ArticlePage
        self.url_shape_logged = False

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> VivaMiliterSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.base_url = settings.get("VIVA_BASE_URL").rstrip("/")
        spider.arguments = parse_arguments(spider.raw_arguments, spider.base_url)
        spider.page_class = load_object(settings.get("ARTICLE_PAGE_CLASS", ArticlePage))
        return spider

    # -- starting points ---------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        mode = self.arguments.mode
        if mode == "latest":
            yield scrapy.Request(
                self.base_url + site.SITEMAP_INDEX_PATH,
                callback=self.parse_sitemap_index,
                errback=self.sitemap_index_failed,
            )
            for path in site.LISTING_PATHS:
                yield scrapy.Request(self.base_url + path, callback=self.parse_listing)
        elif mode == "backfill":
            for offset, day in enumerate(self.arguments.days_newest_first()):
                path = site.DATE_INDEX_PATH.format(year=day.year, month=day.month, day=day.day)
                yield scrapy.Request(
                    self.base_url + path,
                    callback=self.parse_listing,
                    cb_kwargs={"follow_pages": True},
                    priority=-10 * offset,
                )
        else:  # recheck, urls: archived articles fetched again
            pairs = await self._archived_to_fetch_again()
            archive = known_articles(self.crawler)
            ids = [article_id for article_id, _ in pairs]
            previous = await archive.latest_captures(ids) if archive is not None else {}
            for article_id, url in pairs:
                yield self.article_request(
                    url, article_id, recheck=True, previous=previous.get(article_id)
                )

    async def _archived_to_fetch_again(self) -> list[tuple[int, str]]:
        if self.arguments.mode == "recheck":
            return await self._archived_to_recheck()
        pairs = [(article_id_from_url(url), url) for url in self.arguments.urls]
        return [(i, url) for i, url in pairs if i is not None]  # parse_arguments checked them

    async def _archived_to_recheck(self) -> list[tuple[int, str]]:
        """Asked of :mod:`crawler.known_articles`, the crawl's one reader of the archive."""
        archive = known_articles(self.crawler)
        if archive is None:
            self.logger.error("mode=recheck reads the archive: KNOWN_ARTICLES_ENABLED is off")
            return []
        return await archive.archived_to_recheck(
            self.arguments.window() if self.arguments.since else None
        )

    # -- discovery -----------------------------------------------------------------------------

    async def parse_sitemap_index(self, response: Response) -> AsyncIterator[Any]:
        kind, locations = sitemap_locations(response.body) if response.status == 200 else ("", [])
        found = news_sitemaps(locations, self.base_url) if kind == "sitemapindex" else []
        for url in found or [self.base_url + site.NEWS_SITEMAP_PATH]:
            yield scrapy.Request(url, callback=self.parse_news_sitemap)

    def sitemap_index_failed(self, failure: Failure) -> scrapy.Request:
        self.logger.info("No sitemap index (%s); using the news sitemap", failure.value)
        return scrapy.Request(
            self.base_url + site.NEWS_SITEMAP_PATH, callback=self.parse_news_sitemap
        )

    async def parse_news_sitemap(self, response: Response) -> AsyncIterator[Any]:
        if response.status != 200:
            count_drop(
                self.crawler.stats, keys.answered(response.status, "news sitemap"), response.url
            )
            return
        _, locations = sitemap_locations(response.body)
        for request in self.discovered_articles(locations, priority=10):
            yield request

    async def parse_listing(
        self, response: Response, follow_pages: bool = False
    ) -> AsyncIterator[Any]:
        if response.status != 200 or not isinstance(response, TextResponse):
            count_drop(self.crawler.stats, keys.answered(response.status, "listing"), response.url)
            return
        found = discover_listing(response.text, response.url, self.base_url)
        self._count_listing(found, response.url)
        priority = response.request.priority + 5
        for request in self.discovered_articles(found.links, priority=priority):
            yield request
        if follow_pages:
            next_url = next_listing_page(response.text, response.url, self.base_url)
            if next_url:
                yield response.follow(
                    next_url,
                    callback=self.parse_listing,
                    cb_kwargs={"follow_pages": True},
                    priority=response.request.priority,
                )

    def _count_listing(self, found: ListingLinks, url: str) -> None:
        """Count a listing page by how its links were found; the first page read by URL shape
        is logged (the listing markup changed), the others only counted."""
        stats = self.crawler.stats
        stats.inc_value(keys.LISTING_PAGES)
        stats.inc_value(LISTING_KEYS[found.found_by])
        if found.found_by == URL_SHAPE and not self.url_shape_logged:
            self.url_shape_logged = True
            self.logger.warning(
                "Listing markup may have changed: no row matched %s on %s; found %d article "
                "links by their URL shape (later pages counted in %s)",
                site.LISTING_ROW,
                url,
                len(found.links),
                keys.DISCOVERY_URL_SHAPE_PAGES,
            )

    def discovered_articles(self, urls: Iterable[str], priority: int) -> list[scrapy.Request]:
        """Requests for the articles among ``urls``, flagged to be skipped when archived or
        scheduled already (:mod:`crawler.known_articles`); a link that is no article of ours is
        a counted drop and costs only itself."""
        links = article_links(urls, self.base_url)
        for url, reason in links.rejected:
            count_drop(self.crawler.stats, f"discovery {reason}", url)
        return [
            self.article_request(url, article_id, recheck=False, priority=priority)
            for article_id, url in links.articles.items()
        ]

    # -- articles ------------------------------------------------------------------------------

    def article_request(
        self,
        canonical: str,
        article_id: int,
        *,
        recheck: bool,
        priority: int = 0,
        previous: list[dict[str, Any]] | None = None,
    ) -> scrapy.Request:
        """The ``?page=all`` request of an article; later pages are chained from it.
        ``previous``: the WARC records of its current revision, for the WARC middleware to
        write a page fetched again unchanged as a revisit (:data:`PREVIOUS_CAPTURE`)."""
        article = {"url": canonical, "id": article_id, "recheck": recheck}
        if previous:
            article[PREVIOUS_CAPTURE] = previous
        return scrapy.Request(
            article_page_url(canonical, site.PAGE_ALL),
            callback=self.parse_article_page,
            errback=self.article_failed,
            priority=priority,
            meta={ARTICLE_META: article, SKIP_IF_KNOWN: not recheck},
            cb_kwargs={"pages": [], "page": 1, "records": []},
        )

    def parse_article_page(
        self,
        response: Response,
        pages: list[ArticlePage],
        page: int,
        records: list[dict[str, Any]] | None = None,
    ) -> Iterable[Any]:
        """One page of an article; ``pages`` (parsed) and ``records`` (their WARC locations,
        see :mod:`crawler.warc`) hold the pages fetched before it. Each page is parsed once,
        here; the parser reads the same parsed pages."""
        article = response.meta[ARTICLE_META]
        if response.meta.get("redirect_urls"):  # it may have landed on another article
            article = self._landed_article(response, article, page)
            if article is None:
                return
        if response.status in GONE_STATUSES:
            yield from self._article_missing(response, article, page)
            return
        if not isinstance(response, TextResponse):
            count_drop(self.crawler.stats, "not an html page", response.url)
            return
        try:
            parsed = self.page_class(response.text, response.url)
        except Exception as exc:  # a parser bug must cost one page, not the crawl
            self.logger.exception("Parser failed on %s", response.url)
            count_drop(self.crawler.stats, keys.parser_error(exc), response.url)
            return
        pages = [*pages, parsed]
        stored = response.meta.get(WARC_RECORD_META)
        records = [*(records or []), *([stored] if stored else [])]
        # ?page=all normally holds everything; a next-page link says this copy is partial.
        if parsed.has_next and page < MAX_PAGES:
            self.crawler.stats.inc_value(keys.EXTRA_PAGES)
            yield response.follow(
                article_page_url(article["url"], page + 1),
                callback=self.parse_article_page,
                errback=self.article_failed,
                meta={ARTICLE_META: article},
                cb_kwargs={"pages": pages, "page": page + 1, "records": records},
                priority=response.request.priority + 1,
            )
            return
        item = self._extract(article, pages)
        if item is not None:
            complete = len(records) == len(pages)  # a page missing from the WARC: no capture
            yield CrawledArticle.of(
                item, parser_version=PARSER_VERSION, warc_records=records if complete else []
            )

    def _landed_article(
        self, response: Response, article: dict[str, Any], page: int
    ) -> dict[str, Any] | None:
        """The article a redirected page really is (see :mod:`crawler.redirects`), or None."""
        archive = known_articles(self.crawler)
        scheduled: Collection[int] = archive.scheduled if archive is not None else ()
        landed, reason = article_landing(
            article, response.url, page=page, base_url=self.base_url, scheduled=scheduled
        )
        if reason:
            count_drop(self.crawler.stats, reason, f"{article['url']} -> {response.url}")
        return landed  # scheduled by the middleware as the page's item or next page goes by

    def _article_missing(
        self, response: Response, article: dict[str, Any], page: int
    ) -> Iterable[Any]:
        if page == 1 and article["recheck"]:
            self.crawler.signals.send_catch_log(
                signal=article_gone, article_id=article["id"], url=article["url"]
            )
            self.logger.info(
                "Article %s answers %s: marking it gone", article["url"], response.status
            )
        else:
            count_drop(
                self.crawler.stats, keys.answered(response.status, f"page {page}"), response.url
            )
        return ()

    def _extract(self, article: dict[str, Any], pages: list[ArticlePage]) -> ArticleItem | None:
        stats = self.crawler.stats
        try:
            item = parse_article(
                article["url"], pages, base_url=self.base_url, fetched_at=datetime.now(UTC)
            )
        except Exception as exc:  # a parser bug must cost one page, not the crawl
            self.logger.exception("Parser failed on %s", article["url"])
            count_drop(stats, keys.parser_error(exc), article["url"])
            return None
        for warning in item.extraction_warnings:
            stats.inc_value(warning_stat_key(warning))
        if item.extraction_warnings:
            stats.inc_value(keys.ITEMS_WITH_WARNINGS)
        stats.inc_value(keys.ARTICLES_PARSED)
        return item

    def article_failed(self, failure: Failure) -> None:
        """Count an article page that could not be had (after the retries)."""
        request = getattr(failure, "request", None)
        url = request.url if request is not None else "?"
        if failure.check(DroppedRequest):
            # Counted by the middleware that refused it (redirect policy, size limit, or a bot
            # challenge: crawler.blocking). A challenge is never parsed and never marks gone.
            return
        if failure.check(HttpError):
            reason = keys.answered(failure.value.response.status)
        elif failure.check(IgnoreRequest):
            robots = "robots.txt" in str(failure.value)
            reason = "request ignored (robots.txt)" if robots else "request ignored"
        else:
            reason = f"download failed {type(failure.value).__name__}"
        count_drop(self.crawler.stats, reason, url)
