"""Validate an item: an article without title, body or publication date, or with a value the
archive cannot hold, is dropped with a counted reason; an impossible optional value (a date) is
set to None with an ``invalid:<field>`` extraction warning."""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from crawler.drops import drop
from crawler.extraction import warning_stat_key
from crawler.urls import article_id_from_url
from storage.validation import InvalidItem, clean_item
from viva_militer_archive.crawl_stats.keys import ITEMS_WITH_WARNINGS

REQUIRED = ("title", "body", "published_at")


class ValidatePipeline:
    """Refuses incomplete, inconsistent or unstorable items before they reach the archive."""

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
        had_warnings = bool(adapter.get("extraction_warnings"))
        try:
            added = clean_item(adapter)
        except InvalidItem as exc:
            raise drop(self.stats, exc.reason, url, detail=exc.detail) from None
        if self.stats is not None and added:
            for warning in added:
                self.stats.inc_value(warning_stat_key(warning))
            if not had_warnings:
                self.stats.inc_value(ITEMS_WITH_WARNINGS)
        return item
