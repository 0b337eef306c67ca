"""``parse_article``: one VIVA Militer article (all its pages) becomes one ``ArticleItem``.

The fields are read by :class:`~crawler.extraction.page.ArticlePage` (JSON-LD and meta tags
first, the DOM as fallback, generic sources last); this module only assembles them and computes
the derived fields (word count, content hash) once. Every fallback or absence is
recorded in ``extraction_warnings``; a malformed page never raises.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from crawler import site
from crawler.dates import format_datetime, utc_isoformat
from crawler.extraction.page import ArticlePage
from crawler.extraction.text import content_hash
from crawler.extraction.warnings import FieldLog
from crawler.items import ArticleItem
from crawler.urls import article_page_url, article_parts, canonical_article_url


class NotAnArticle(ValueError):
    """The URL is not a VIVA Militer article URL (nothing to parse)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def parse_article(
    url: str,
    pages: Sequence[str | ArticlePage],
    *,
    base_url: str = site.DEFAULT_BASE_URL,
    fetched_at: datetime | None = None,
    page_class: type[ArticlePage] = ArticlePage,
) -> ArticleItem:
    """The article from ``pages[0]`` (``?page=all`` or page 1) and pages 2..N after it.

    ``pages`` are HTML (parsed here with ``page_class``) or pages already parsed, as the crawl
    passes them so that no page is parsed twice."""
    requested = canonical_article_url(url, base_url)
    if requested is None:
        raise NotAnArticle(f"not a VIVA Militer article URL: {url!r}")
    parsed = [
        page if isinstance(page, ArticlePage) else page_class(page, article_page_url(requested, n))
        for n, page in enumerate(pages, start=1)
    ] or [page_class("", requested)]
    first = parsed[0]
    canonical = _page_canonical(first, requested, base_url)
    sub, article_id, _ = article_parts(canonical, base_url) or ("", 0, "")
    log = FieldLog()

    title = log.pick("title", first.title_sources()) or ""
    description = log.pick("description", first.description_sources())
    published = log.pick("published_at", first.published_sources())
    modified = log.pick("modified_at", first.modified_sources(), required=False)
    authors, editor = first.people(log)
    tags = log.pick("tags", first.tag_sources()) or []
    lead = log.pick("lead_image", first.lead_image_sources())
    found = log.pick("body", first.body_sources(parsed))
    body = found.text if found else ""
    return ArticleItem(
        url=canonical,
        article_id=article_id,
        section=site.SECTION,
        subchannel=sub or None,
        title=title,
        description=description,
        published_at=format_datetime(published),
        modified_at=format_datetime(modified),
        authors=authors,
        editor=editor,
        tags=tags,
        lead_image=lead,
        images=found.images if found else [],
        body=body,
        page_count=max(len(pages), *(page.page_count for page in parsed)),
        word_count=len(body.split()),
        content_hash=content_hash(title, body),
        fetched_at=utc_isoformat(fetched_at),
        extraction_warnings=log.warnings,
    )


def _page_canonical(page: ArticlePage, fallback: str, base_url: str) -> str:
    """The page's own canonical URL when it names the same article (fixes stale slugs)."""
    declared = page.canonical()
    own = canonical_article_url(declared, base_url) if declared else None
    if own is None or article_id_of(own, base_url) != article_id_of(fallback, base_url):
        return fallback
    return own


def article_id_of(url: str, base_url: str) -> int | None:
    """Article id of a URL on ``base_url`` (or any VIVA host)."""
    parts = article_parts(url, base_url)
    return None if parts is None else parts[1]


__all__ = ["ArticlePage", "NotAnArticle", "parse_article"]
