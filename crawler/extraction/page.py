"""``ArticlePage``: one fetched page of an article, parsed once, read field by field.

Each field has one ``<field>_sources()`` method listing where it is read from, in order
(JSON-LD and meta tags first, the DOM as fallback; the DOM first for tags, the lead image and
the body, where it is the richer source; last, a ``generic`` source that needs none of the
site's classes, for a redesigned template); :func:`~crawler.extraction.article.parse_article`
picks the first source that has a value and records fallbacks and absences. The page structure
(body, page count, next-page link) is computed at most once per page, on first use.

To change how one field is read, subclass :class:`ArticlePage`, override its sources method and
pass the class to ``parse_article(page_class=...)`` (the crawl: setting ``ARTICLE_PAGE_CLASS``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

from crawler import site
from crawler.dates import parse_indonesian_datetime, parse_iso_datetime
from crawler.extraction import jsonld
from crawler.extraction.body import ArticleBody, PageBody, extract_body, merged_body
from crawler.extraction.dom import (
    Element,
    css,
    element_text,
    first_value,
    parse_html,
    text_lines,
    xpath,
)
from crawler.extraction.generic import (
    HEADLINE_TAG,
    dateline,
    extract_generic_body,
    in_chrome,
    lead_picture,
)
from crawler.extraction.images import captioned_image, lead_image
from crawler.extraction.pages import page_count_of
from crawler.extraction.text import join_paragraphs, split_paragraphs, unique
from crawler.extraction.warnings import FieldLog
from crawler.items import ImageRecord
from viva_militer_archive.crawl_stats.keys import GENERIC_SOURCE

Source = tuple[str, Callable[[], Any]]
"""A field source: its name in warnings (``jsonld``, ``meta``, ``og``, ``dom``) and a lazy
getter (most fields are found by the first source, so later ones are never run)."""


class ArticlePage:
    """One page of a VIVA Militer article (``?page=all``, page 1 or page N), parsed once.

    ``url`` is where the page was fetched from: relative links and images resolve against it,
    and its ``?page=N`` tells which page this is. An empty or unparsable page has no root and
    no field (every source gives None)."""

    def __init__(self, html: str | bytes, url: str) -> None:
        self.url = url
        self.root: Element | None = parse_html(html)

    # -- page structure ------------------------------------------------------------------------

    @cached_property
    def ld(self) -> dict[str, Any]:
        """The JSON-LD ``NewsArticle`` object, or ``{}``."""
        found = jsonld.find_article(self.root) if self.root is not None else None
        return found or {}

    @cached_property
    def has_next(self) -> bool:
        """A ``Halaman Selanjutnya`` / ``rel=next`` link: the page is not the whole article."""
        return self.root is not None and bool(xpath(site.NEXT_PAGE_XPATH)(self.root))

    @cached_property
    def page_count(self) -> int:
        """Pages of the article as this page links them (the highest ``?page=N`` link, one
        past this page when it has a next-page link); 1 for an empty page."""
        return page_count_of(self.root, self.url, self.has_next) if self.root is not None else 1

    @cached_property
    def body(self) -> PageBody:
        """The clean paragraphs, in-body images and page breaks of this page."""
        return extract_body(self.root, self.url) if self.root is not None else PageBody()

    @cached_property
    def generic_body(self) -> PageBody:
        """The body found by text and link density (:mod:`~crawler.extraction.generic`), for
        when the site's body container is missing; computed only if asked for."""
        return extract_generic_body(self.root, self.url) if self.root is not None else PageBody()

    def _css(self, query: str) -> str | None:
        return first_value(self.root, query) if self.root is not None else None

    def _all(self, query: str) -> list[Element]:
        return css(query)(self.root) if self.root is not None else []

    # -- fields --------------------------------------------------------------------------------

    def canonical(self) -> str | None:
        """``link rel=canonical``, ``og:url``, then JSON-LD ``mainEntityOfPage``."""
        found = (self._css(q) for q in site.CANONICAL_LINKS)
        return next((u for u in found if u), None) or jsonld.url(self.ld.get("mainEntityOfPage"))

    def title_sources(self) -> list[Source]:
        """JSON-LD ``headline``, ``h1.main-content-title``, ``og:title``, any ``<h1>``."""
        return [
            ("jsonld", lambda: jsonld.text(self.ld.get("headline"))),
            ("dom", lambda: next(map(element_text, self._all(site.TITLE)), None)),
            ("og", lambda: self._css(site.META_TITLE)),
            (GENERIC_SOURCE, self._first_headline),
        ]

    def _first_headline(self) -> str | None:
        """Text of the page's first ``<h1>``, whatever its class (the title's last resort)."""
        if self.root is None:
            return None
        return next(filter(None, map(element_text, self.root.iter(HEADLINE_TAG))), None)

    def description_sources(self) -> list[Source]:
        """JSON-LD ``description``, ``og:description``, meta description."""
        return [
            ("jsonld", lambda: jsonld.text(self.ld.get("description"))),
            *(("meta", lambda q=q: self._css(q)) for q in site.META_DESCRIPTIONS),
        ]

    def published_sources(self) -> list[Source]:
        """JSON-LD ``datePublished``, ``article:published_time``, the Indonesian DOM date, then
        the first such date anywhere outside the page chrome (generic)."""
        return [
            ("jsonld", lambda: parse_iso_datetime(self.ld.get("datePublished"))),
            ("meta", lambda: parse_iso_datetime(self._css(site.META_PUBLISHED))),
            ("dom", self._dom_date),
            (GENERIC_SOURCE, lambda: dateline(self.root) if self.root is not None else None),
        ]

    def modified_sources(self) -> list[Source]:
        """JSON-LD ``dateModified``, ``article:modified_time`` (optional field)."""
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

    def author_sources(self) -> list[Source]:
        """JSON-LD ``author`` (object, list or string), the DOM author block, then links to
        author pages anywhere outside the page chrome (generic)."""
        return [
            ("jsonld", lambda: unique(jsonld.names(self.ld.get("author")))),
            ("dom", lambda: self.dom_people.authors),
            (GENERIC_SOURCE, lambda: self._linked_names(site.AUTHOR_PAGE_LINKS)),
        ]

    def editor(self) -> str | None:
        """JSON-LD ``editor``, else the name the DOM author block labels ``Editor``, else (only
        when that block is gone: the usual page pays nothing) the first editor's page link."""
        found = next(iter(jsonld.names(self.ld.get("editor"))), None) or self.dom_people.editor
        if found or self.dom_people.authors:
            return found
        return next(iter(self._linked_names(site.EDITOR_PAGE_LINKS)), None)

    def _linked_names(self, query: str) -> list[str]:
        """Texts of the links ``query`` finds outside the page chrome, de-duplicated."""
        return unique(element_text(a) for a in self._all(query) if not in_chrome(a))

    def tag_sources(self) -> list[Source]:
        """Topic links, meta ``news_keywords``, JSON-LD ``keywords``."""
        return [
            ("dom", lambda: unique(element_text(a).lstrip("#") for a in self._all(site.TAGS))),
            ("meta", lambda: unique(jsonld.keywords(self._css(site.META_KEYWORDS)))),
            ("jsonld", lambda: unique(jsonld.keywords(self.ld.get("keywords")))),
        ]

    def lead_image_sources(self) -> list[Source]:
        """``div.main-content-image`` (with caption and credit), JSON-LD ``image``, og:image;
        a URL-only image takes the caption and credit of its picture when the page shows it;
        last, the first captioned picture above the body (generic)."""

        def from_url(value: str | None) -> ImageRecord | None:
            if not value:
                return None
            found = captioned_image(self.root, value, self.url) if self.root is not None else None
            return found or ImageRecord(url=value)

        return [
            ("dom", lambda: lead_image(self.root, self.url) if self.root is not None else None),
            ("jsonld", lambda: from_url(jsonld.url(self.ld.get("image")))),
            ("og", lambda: from_url(self._css(site.META_IMAGE))),
            (
                GENERIC_SOURCE,
                lambda: lead_picture(self.root, self.url) if self.root is not None else None,
            ),
        ]

    def body_sources(self, pages: Sequence[ArticlePage] = ()) -> list[Source]:
        """The body of the article made of ``pages`` (this page alone by default; ``self`` is
        their first page): the site's body container, the generic extraction, then JSON-LD
        ``articleBody`` (often absent, and without paragraphs or pictures when present).

        Each source merges the bodies it reads from every page; the generic pass runs only
        when the site's container gave no text, so the usual page costs what it did."""
        parsed = list(pages) or [self]

        def from_jsonld() -> ArticleBody:
            images = [image for page in parsed for image in page.body.images]
            return ArticleBody(self.jsonld_body() or "", images)

        return [
            ("dom", lambda: merged_body([page.body for page in parsed])),
            (GENERIC_SOURCE, lambda: merged_body([page.generic_body for page in parsed])),
            ("jsonld", from_jsonld),
        ]

    def jsonld_body(self) -> str | None:
        """JSON-LD ``articleBody`` split into paragraphs (the body's fallback source)."""
        text = self.ld.get("articleBody")
        return join_paragraphs(split_paragraphs(text)) if isinstance(text, str) else None

    @cached_property
    def dom_people(self) -> People:
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
        return People(unique(authors), editor)

    def people(self, log: FieldLog) -> tuple[list[str], str | None]:
        """Authors (warnings recorded in ``log``) and the editor."""
        return log.pick("authors", self.author_sources()) or [], self.editor()


@dataclass(frozen=True, slots=True)
class People:
    """Authors and editor as the DOM author block lists them."""

    authors: list[str]
    editor: str | None


__all__ = ["ArticlePage", "People", "Source"]
