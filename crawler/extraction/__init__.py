"""VIVA Militer article parser: ``(url, pages) -> ArticleItem``, no Scrapy needed.

Modules, one job each: :mod:`~.dom` (parsing, compiled selectors, text lines), :mod:`~.text`
(normalization, content hash), :mod:`~.jsonld` (structured data), :mod:`~.images` (pictures,
captions, credits), :mod:`~.body` (clean paragraphs, page merge), :mod:`~.pages` (page count),
:mod:`~.warnings` (fallback/missing bookkeeping), :mod:`~.article` (the item).
"""

from crawler.extraction.article import NotAnArticle, parse_article
from crawler.extraction.pages import PageInfo, page_info
from crawler.extraction.text import content_hash
from crawler.extraction.warnings import EXTRACT_WARNING_KINDS, warning_stat_key

__all__ = [
    "EXTRACT_WARNING_KINDS",
    "NotAnArticle",
    "PageInfo",
    "content_hash",
    "page_info",
    "parse_article",
    "warning_stat_key",
]
