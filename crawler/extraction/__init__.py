"""VIVA Militer article parser: ``(url, pages) -> ArticleItem``, no Scrapy needed.

Modules, one job each: :mod:`~.dom` (parsing, compiled selectors, text lines), :mod:`~.text`
(normalization, content hash), :mod:`~.jsonld` (structured data), :mod:`~.images` (pictures,
captions, credits), :mod:`~.body` (clean paragraphs, page merge), :mod:`~.generic` (body and
dateline by page structure alone, when the site's selectors miss), :mod:`~.pages` (page count),
:mod:`~.warnings` (fallback/missing bookkeeping), :mod:`~.page` (``ArticlePage``: one parsed
page, its fields with their sources), :mod:`~.article` (the item assembled from the pages).
"""

from crawler.extraction.article import NotAnArticle, parse_article
from crawler.extraction.page import ArticlePage
from crawler.extraction.text import content_hash
from crawler.extraction.warnings import EXTRACT_WARNING_KINDS, warning_stat_key

PARSER_VERSION = "2026.12.1"
"""Version of the extraction rules, stamped on every revision they produce. Bump it with any
change that can alter what is extracted, so ``viva-archive reextract`` can tell old from new."""

__all__ = [
    "EXTRACT_WARNING_KINDS",
    "PARSER_VERSION",
    "ArticlePage",
    "NotAnArticle",
    "content_hash",
    "parse_article",
    "warning_stat_key",
]
