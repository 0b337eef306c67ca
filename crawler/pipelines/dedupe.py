"""De-duplicate within one run by article id (host variants and page copies of one article)."""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from crawler.drops import drop


class DedupePipeline:
    """Lets the first item of each article id through, drops the rest."""

    def __init__(self, stats: StatsCollector | None) -> None:
        self.stats = stats
        self.seen: set[int] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupePipeline:
        return cls(crawler.stats)

    def process_item(self, item: Any) -> Any:
        article_id = int(ItemAdapter(item)["article_id"])
        if article_id in self.seen:
            raise drop(self.stats, "duplicate in run", ItemAdapter(item)["url"])
        self.seen.add(article_id)
        return item
