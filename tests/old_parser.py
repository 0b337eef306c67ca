"""A Scrapy extension for tests: the crawl's parser misses every tag, as an older parser whose
tag selectors no longer matched the site would have.

Loaded into a crawl child process with ``-s EXTENSIONS={"tests.old_parser.MissTags": 0}``, so
production code carries no test hook; re-extraction later runs the real parser in the test."""

from __future__ import annotations

from scrapy.crawler import Crawler

from crawler.extraction import article


class MissTags:
    """Replaces the tag sources of the article parser with none."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> MissTags:
        article._Page.tag_sources = lambda self: []  # type: ignore[method-assign]
        return cls()


SETTINGS = {"EXTENSIONS": '{"tests.old_parser.MissTags": 0}'}
"""Crawl settings that load the extension."""
