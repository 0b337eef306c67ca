"""``parse_article``: one VIVA Militer article (all its pages) becomes one ``ArticleItem``.

Fields come from JSON-LD ``NewsArticle`` and meta tags first and fall back to the DOM (the body,
tags and lead image are read from the DOM first: it is the richer source there). Every fallback
or absence is recorded in ``extraction_warnings``; a malformed page never raises.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from lxml.html import HtmlElement

from crawler import site
from crawler.dates import (
    format_datetime,
    parse_indonesian_datetime,
    parse_iso_datetime,
    utc_isoformat,
)
from crawler.extraction import jsonld
from crawler.extraction.body import PageBody, extract_body, merge_pages
from crawler.extraction.dom import css, element_text, first_value, parse_html, text_lines
from crawler.extraction.images import lead_image
from crawler.extraction.pages import page_count_of
from crawler.extraction.text import content_hash, join_paragraphs, split_paragraphs, unique
from crawler.extraction.warnings import FieldLog
from crawler.items import ArticleItem, ImageRecord
from crawler.urls import article_page_url, article_parts, canonical_article_url


class NotAnArticle(ValueError):
    """The URL is not a VIVA Militer article URL (nothing to parse)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def parse_article(
    url: str,
    pages: Sequence[str],
    *,
    base_url: str = site.DEFAULT_BASE_URL,
    fetched_at: datetime | None = None,
) -> ArticleItem:
    """Parse an article from ``pages[0]`` (``?page=all`` or page 1) and pages 2..N after it."""
    canonical = canonical_article_url(url, base_url)
    if canonical is None:
        raise NotAnArticle(f"not a VIVA Militer article URL: {url!r}")
    roots = [parse_html(html) for html in pages]
    first = roots[0] if roots else None
    page = _Page(first, jsonld.find_article(first) if first is not None else None)
    canonical = _page_canonical(page, canonical, base_url)
    sub, article_id, _ = article_parts(canonical, base_url) or ("", 0, "")
    log = FieldLog()

    title = log.pick("title", page.title_sources()) or ""
    description = log.pick("description", page.description_sources())
    published = log.pick("published_at", page.published_sources())
    modified = log.pick("modified_at", page.modified_sources(), required=False)
    authors, editor = page.people(log)
    tags = log.pick("tags", page.tag_sources()) or []
    lead = log.pick("lead_image", page.lead_image_sources(canonical))
    bodies = [
        extract_body(root, article_page_url(canonical, n + 1)) if root is not None else PageBody()
        for n, root in enumerate(roots)
    ]
    dom_body = join_paragraphs(merge_pages(bodies))
    body = log.pick("body", [("dom", lambda: dom_body), ("jsonld", page.jsonld_body)]) or ""
    page_count = max(
        [len(roots), 1]
        + [page_count_of(r, article_page_url(canonical, n + 1))[0]
           for n, r in enumerate(roots) if r is not None]
    )  # fmt: skip
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
        images=[image for b in bodies for image in b.images],
        body=body,
        page_count=page_count,
        word_count=len(body.split()),
        content_hash=content_hash(title, body),
        fetched_at=utc_isoformat(fetched_at),
        extraction_warnings=log.warnings,
    )


def _page_canonical(page: _Page, fallback: str, base_url: str) -> str:
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


Source = tuple[str, Callable[[], Any]]


class _Page:
    """Field sources of the first page, each a lazy getter (most pages need only the first)."""

    def __init__(self, root: HtmlElement | None, article: dict[str, Any] | None) -> None:
        self.root = root
        self.ld: dict[str, Any] = article or {}

    def _css(self, query: str) -> str | None:
        return first_value(self.root, query) if self.root is not None else None

    def _all(self, query: str) -> list[HtmlElement]:
        return css(query)(self.root) if self.root is not None else []

    def canonical(self) -> str | None:
        """``link rel=canonical``, ``og:url``, then JSON-LD ``mainEntityOfPage``."""
        found = (self._css(q) for q in site.CANONICAL_LINKS)
        return next((u for u in found if u), None) or jsonld.url(self.ld.get("mainEntityOfPage"))

    def title_sources(self) -> list[Source]:
        return [
            ("jsonld", lambda: jsonld.text(self.ld.get("headline"))),
            ("dom", lambda: next(map(element_text, self._all(site.TITLE)), None)),
            ("og", lambda: self._css(site.META_TITLE)),
        ]

    def description_sources(self) -> list[Source]:
        return [
            ("jsonld", lambda: jsonld.text(self.ld.get("description"))),
            *(("meta", lambda q=q: self._css(q)) for q in site.META_DESCRIPTIONS),
        ]

    def published_sources(self) -> list[Source]:
        return [
            ("jsonld", lambda: parse_iso_datetime(self.ld.get("datePublished"))),
            ("meta", lambda: parse_iso_datetime(self._css(site.META_PUBLISHED))),
            ("dom", self._dom_date),
        ]

    def modified_sources(self) -> list[Source]:
        return [
            ("jsonld", lambda: parse_iso_datetime(self.ld.get("dateModified"))),
            ("meta", lambda: parse_iso_datetime(self._css(site.META_MODIFIED))),
        ]

    def _dom_date(self) -> datetime | None:
        """``div.main-content-date``, whole text first, then each of its lines."""
        for node in self._all(site.DATE):
            for text in (element_text(node), *text_lines(node)):
                if (parsed := parse_indonesian_datetime(text)) is not None:
                    return parsed
        return None

    def tag_sources(self) -> list[Source]:
        return [
            ("dom", lambda: unique(element_text(a).lstrip("#") for a in self._all(site.TAGS))),
            ("meta", lambda: unique(jsonld.keywords(self._css(site.META_KEYWORDS)))),
            ("jsonld", lambda: unique(jsonld.keywords(self.ld.get("keywords")))),
        ]

    def lead_image_sources(self, page_url: str) -> list[Source]:
        def from_url(value: str | None) -> ImageRecord | None:
            return ImageRecord(url=value) if value else None

        return [
            ("dom", lambda: lead_image(self.root, page_url) if self.root is not None else None),
            ("jsonld", lambda: from_url(jsonld.url(self.ld.get("image")))),
            ("og", lambda: from_url(self._css(site.META_IMAGE))),
        ]

    def jsonld_body(self) -> str | None:
        """JSON-LD ``articleBody`` split into paragraphs (only used without a DOM body)."""
        text = self.ld.get("articleBody")
        return join_paragraphs(split_paragraphs(text)) if isinstance(text, str) else None

    def people(self, log: FieldLog) -> tuple[list[str], str | None]:
        """Authors (JSON-LD, then the DOM author block) and the editor the DOM labels."""
        dom_authors, dom_editor = self._dom_people()
        authors = log.pick(
            "authors",
            [("jsonld", lambda: unique(jsonld.names(self.ld.get("author")))),
             ("dom", lambda: dom_authors)],
        )  # fmt: skip
        editor = next(iter(jsonld.names(self.ld.get("editor"))), None) or dom_editor
        return authors or [], editor

    def _dom_people(self) -> tuple[list[str], str | None]:
        """Names in ``div.main-content-author``, split by ``Penulis`` / ``Editor`` labels."""
        authors: list[str] = []
        editor: str | None = None
        items = self._all(site.AUTHOR_ITEMS) or self._all(site.AUTHOR_LINKS)
        for item in items:
            label = element_text(item)
            names = [element_text(a) for a in item.iter("a")] or [
                site.AUTHOR_LABEL_RE.sub("", site.EDITOR_LABEL_RE.sub("", label))
            ]
            if site.EDITOR_LABEL_RE.match(label):
                editor = editor or next(iter(unique(names)), None)
            else:
                authors.extend(site.AUTHOR_LABEL_RE.sub("", name) for name in names)
        return unique(authors), editor


__all__ = ["NotAnArticle", "parse_article"]
