"""Did discovery reach the site? Counts how each discovery request (sitemaps, listings, date
indexes) ended after its retries, so a run whose every discovery request failed (5xx, timeouts,
connection refused) is judged ``failed`` rather than "finished, nothing new"."""

from __future__ import annotations

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.statscollectors import StatsCollector

from crawler.warc.middleware import ARTICLE_META
from viva_militer_archive.crawl_stats.keys import DISCOVERY_OK, discovery_failed_key


def is_discovery(request: Request) -> bool:
    """A request for a discovery page: not an article page, not robots.txt."""
    return not request.meta.get(ARTICLE_META) and not request.meta.get("dont_obey_robotstxt")


class DiscoveryOutcomeMiddleware:
    """Downloader middleware placed before (outside) the retry middlewares: it sees each
    discovery request's final answer or exception, once, and counts it."""

    def __init__(self, stats: StatsCollector | None) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DiscoveryOutcomeMiddleware:
        return cls(crawler.stats)

    def process_response(self, request: Request, response: Response) -> Response:
        if is_discovery(request):
            ok = response.status < 500 and response.status != 429
            self._inc(DISCOVERY_OK if ok else discovery_failed_key(response.status))
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        if is_discovery(request):
            self._inc(discovery_failed_key(type(exception).__name__))

    def _inc(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(key)
