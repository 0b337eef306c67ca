"""A parser blind to the site, for tests: a page object whose title and body sources find
nothing, as after a redesign no selector foresaw.

A crawl child loads it with ``-s ARTICLE_PAGE_CLASS=tests.blind_parser.BlindPage``, so every
article is dropped ``missing title``; re-extraction later reads the same WARC records with the
real parser. The module doubles as a Scrapy settings module (``SCRAPY_SETTINGS_MODULE``) whose
``ARTICLE_PAGE_CLASS`` is this class."""

from __future__ import annotations

from crawler.extraction import ArticlePage
from crawler.extraction.body import PageBody
from crawler.extraction.page import Source


class BlindPage(ArticlePage):
    """Finds no title and no body (neither in the DOM nor in JSON-LD); page structure such as
    the next-page link is still read, so a crawl chains the pages of an article as usual."""

    def title_sources(self) -> list[Source]:
        return []

    @property  # type: ignore[override]
    def body(self) -> PageBody:
        return PageBody()

    def jsonld_body(self) -> str | None:
        return None


ARTICLE_PAGE_CLASS = f"{BlindPage.__module__}.{BlindPage.__qualname__}"
SETTINGS = {"ARTICLE_PAGE_CLASS": ARTICLE_PAGE_CLASS}
"""Crawl settings that make the crawl read pages with :class:`BlindPage`."""
