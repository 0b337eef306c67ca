"""Validate an item: an article without title, body or publication date is dropped, with reason."""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from crawler.drops import drop
from crawler.urls import article_id_from_url

REQUIRED = ("title", "body", "published_at")


class ValidatePipeline:
    """Refuses incomplete or inconsistent items before they reach the archive."""

    def __init__(self, stats: StatsCollector | None) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidatePipeline:
        return cls(crawler.stats)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        url = adapter.get("url") or "?"
        for name in REQUIRED:
            if not adapter.get(name):
                raise drop(self.stats, f"missing {name}", url)
        if article_id_from_url(url) != adapter.get("article_id"):
            raise drop(self.stats, "article id does not match url", url)
        return item
