"""Normalize an item from outside the parser (an imported line): canonical URL on the site root,
clean text fields, de-duplicated authors and tags.

The crawl has no such step: the parser computes every field once, normalized (see
:func:`crawler.extraction.parse_article`), and this normalization leaves a parsed item unchanged
(``tests/test_fuzz_parser.py`` checks it on mutated pages)."""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter

from crawler.extraction.text import normalize_text, unique
from crawler.urls import canonical_article_url

TEXT_FIELDS = ("title", "description", "editor", "subchannel")


def clean_text(value: str | None) -> str | None:
    """The parser's text normalization (:func:`normalize_text`); empty becomes None."""
    if value is None:
        return None
    return normalize_text(value) or None


def normalize_item(item: Any, base_url: str) -> Any:
    """``item`` (any item type) made to look as the parser would have made it, in place."""
    adapter = ItemAdapter(item)
    adapter["url"] = canonical_article_url(adapter["url"], base_url) or adapter["url"]
    for name in TEXT_FIELDS:
        adapter[name] = clean_text(adapter.get(name))
    adapter["title"] = adapter["title"] or ""
    adapter["authors"] = unique(adapter.get("authors") or [])
    adapter["tags"] = unique(adapter.get("tags") or [])
    return item
