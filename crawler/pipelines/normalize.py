"""Normalize an item: canonical URL on the configured site root, clean text fields.

Derived fields (body paragraphs, word count, content hash, timestamps) are the parser's: it
computes each once (see :func:`crawler.extraction.parse_article`), so nothing here recomputes
them. Text cleaning is the parser's own normalization, which leaves a parsed item unchanged."""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler

from crawler.extraction.text import normalize_text, unique
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
        adapter["authors"] = unique(adapter.get("authors") or [])
        adapter["tags"] = unique(adapter.get("tags") or [])
        return item
