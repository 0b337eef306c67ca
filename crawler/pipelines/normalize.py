"""Normalize an item: canonical URL on the configured site root, clean text, consistent counts."""

from __future__ import annotations

import unicodedata
from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler

from crawler.extraction import content_hash
from crawler.urls import canonical_article_url

TEXT_FIELDS = ("title", "description", "editor", "subchannel")


def clean_text(value: str | None) -> str | None:
    """NFC, single spaces, trimmed; empty becomes None."""
    if value is None:
        return None
    text = " ".join(unicodedata.normalize("NFC", value).split())
    return text or None


def clean_body(body: str) -> str:
    """NFC paragraphs, each whitespace-folded, separated by exactly one blank line."""
    paragraphs = (" ".join(p.split()) for p in unicodedata.normalize("NFC", body).split("\n\n"))
    return "\n\n".join(p for p in paragraphs if p)


def unique(values: list[str] | None) -> list[str]:
    """Cleaned, non-empty values in first-seen order."""
    cleaned = (clean_text(v) for v in values or [])
    return list(dict.fromkeys(v for v in cleaned if v))


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
        adapter["body"] = clean_body(adapter.get("body") or "")
        adapter["authors"] = unique(adapter.get("authors"))
        adapter["tags"] = unique(adapter.get("tags"))
        adapter["word_count"] = len(adapter["body"].split())
        adapter["content_hash"] = content_hash(adapter["title"], adapter["body"])
        return item
