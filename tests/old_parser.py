"""An older parser for tests: a page object whose tag selectors no longer match the site.

A crawl child loads it with ``-s ARTICLE_PAGE_CLASS=tests.old_parser.MissTagsPage`` (the
documented seam for how pages are read), so production code carries no test hook;
re-extraction later runs the real parser in the test."""

from __future__ import annotations

from crawler.extraction import ArticlePage
from crawler.extraction.page import Source


class MissTagsPage(ArticlePage):
    """Reads every field as today's parser does, except tags: none of their sources."""

    def tag_sources(self) -> list[Source]:
        return []


SETTINGS = {"ARTICLE_PAGE_CLASS": f"{MissTagsPage.__module__}.{MissTagsPage.__qualname__}"}
"""Crawl settings that make the crawl read pages with :class:`MissTagsPage`."""
