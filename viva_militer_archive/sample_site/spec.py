"""Invented articles for the sample site: what an article is, not how it is rendered.

Paragraphs may hold inline links written ``[text](url)``: the renderer makes them links,
:func:`plain` gives the text the parser must return.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from crawler import site

LINK_RE = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
"""An inline link ``[text](url)`` in a paragraph of a spec."""


@dataclass(frozen=True, slots=True)
class ImageSpec:
    """A picture: URL, caption (without ``VIVA Militer:``) and bare credit domain."""

    url: str
    caption: str
    credit: str


@dataclass(frozen=True, slots=True)
class BodyImage:
    """An in-body picture placed after paragraph ``after`` (0-based, counted over all pages)."""

    after: int
    image: ImageSpec


@dataclass(frozen=True, slots=True)
class ArticleSpec:
    """An invented article and how to render it."""

    article_id: int
    subchannel: str
    slug: str
    title: str
    pages: tuple[tuple[str, ...], ...]
    """Paragraphs of each page; ``[text](url)`` renders a link."""
    published_at: datetime
    authors: tuple[str, ...] = ("Redaksi VIVA",)
    editor: str | None = None
    tags: tuple[str, ...] = ()
    description: str | None = None
    modified_at: datetime | None = None
    lead_image: ImageSpec | None = None
    images: tuple[BodyImage, ...] = ()
    related: tuple[str, ...] = ()
    """Related-article headlines injected between paragraphs (they change per visit)."""
    variant: int = 0
    """Rotates related-block shapes and ad slot ids: same article, different noise."""
    jsonld: bool = True
    jsonld_author_list: bool = False
    """JSON-LD ``author`` as a list even for one author (several authors are always a list)."""
    structured_date: bool = True
    """Put ``datePublished`` in JSON-LD and ``article:published_time`` in meta tags."""
    date_dash: str = "-"
    partial_all: bool = False
    """``?page=all`` serves only page 1 with a next link (the site's partial behaviour)."""
    base_url: str = site.DEFAULT_BASE_URL

    @property
    def canonical(self) -> str:
        """Canonical URL of the article on ``base_url``."""
        path = site.ARTICLE_PATH_TEMPLATE.format(
            sub=self.subchannel, id=self.article_id, slug=self.slug
        )
        return self.base_url.rstrip("/") + path


def plain(paragraph: str) -> str:
    """Paragraph text as the parser must return it (links reduced to their text)."""
    return LINK_RE.sub(r"\1", paragraph)
