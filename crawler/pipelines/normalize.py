"""Normalize an item: canonical URL on the configured site root, clean text, consistent counts."""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler

from crawler.extraction.text import (
    content_hash,
    join_paragraphs,
    normalize_text,
    split_paragraphs,
    unique,
)
from crawler.urls import canonical_article_url

TEXT_FIELDS = ("title", "description", "editor", "subchannel")


def clean_text(value: str | None) -> str | None:
    """The parser's text normalization (:func:`normalize_text`); empty becomes None."""
    if value is None:
        return None
    return normalize_text(value) or None


class NormalizePipeline:
    """Makes every stored item look the same whatever the page variant it came from."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> NormalizePipeline:
        return cls(crawler.settings.get("VIVA_BASE_URL"))

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        adapter["url"] = canonical_article_url(adapter["url"], self.base_url) or adapter["url"]
        for name in TEXT_FIELDS:
            adapter[name] = clean_text(adapter.get(name))
        adapter["title"] = adapter["title"] or ""
        adapter["body"] = join_paragraphs(split_paragraphs(adapter.get("body") or ""))
        adapter["authors"] = unique(adapter.get("authors") or [])
        adapter["tags"] = unique(adapter.get("tags") or [])
        adapter["word_count"] = len(adapter["body"].split())
        adapter["content_hash"] = content_hash(adapter["title"], adapter["body"])
        return item
