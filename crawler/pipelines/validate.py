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


class Refused(ValueError):
    """An item the archive must not take: ``reason`` is fit for a counted drop reason (or an
    import's rejection), ``detail`` says what is wrong with the value."""

    def __init__(self, reason: str, detail: str | None = None) -> None:
        super().__init__(reason if detail is None else f"{reason}: {detail}")
        self.reason, self.detail = reason, detail


def validated(item: Any) -> list[str]:
    """Check ``item`` (any item type) and make it storable in place; the ``invalid:<field>``
    warnings added are returned. :class:`Refused` says why it cannot be archived."""
    adapter = ItemAdapter(item)
    for name in REQUIRED:
        if not adapter.get(name):
            raise Refused(f"missing {name}")
    if article_id_from_url(adapter.get("url") or "") != adapter.get("article_id"):
        raise Refused("article id does not match url")
    try:
        return clean_item(adapter)
    except InvalidItem as exc:
        raise Refused(exc.reason, exc.detail) from None


class ValidatePipeline:
    """Refuses incomplete, inconsistent or unstorable items before they reach the archive."""

    def __init__(self, stats: StatsCollector | None) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidatePipeline:
        return cls(crawler.stats)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        had_warnings = bool(adapter.get("extraction_warnings"))
        try:
            added = validated(item)
        except Refused as exc:
            url = adapter.get("url") or "?"
            raise drop(self.stats, exc.reason, url, detail=exc.detail) from None
        if self.stats is not None and added:
            for warning in added:
                self.stats.inc_value(warning_stat_key(warning))
            if not had_warnings:
                self.stats.inc_value(ITEMS_WITH_WARNINGS)
        return item
