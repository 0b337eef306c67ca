"""The archived article record, as the parser emits it and the pipelines store it."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any


@dataclass(slots=True)
class ImageRecord:
    """One image of an article (lead or in-body)."""

    url: str
    """Absolute image URL (the real one from ``data-original`` when the image is lazy)."""
    caption: str | None = None
    """Caption text without the ``VIVA Militer:`` prefix, or None."""
    credit: str | None = None
    """Bare source of the picture (``rferl.org``), from ``Sumber :`` / ``Photo :``, or None."""


@dataclass(slots=True)
class ArticleItem:
    """One VIVA Militer article, all pages merged; the JSON written by ``-O out.jsonl``."""

    url: str
    """Canonical URL: ``VIVA_BASE_URL`` + path, no query, no fragment."""
    article_id: int
    """Numeric VIVA article id, taken from the URL path (``/militer/<sub>/<id>-<slug>``)."""
    section: str
    """Site section, always ``"militer"``."""
    subchannel: str | None
    """Subchannel slug, e.g. ``"militer-dunia"``; None when unknown."""
    title: str
    """Headline, whitespace-normalized, NFC."""
    description: str | None
    """Summary from JSON-LD / ``og:description`` / meta description, or None."""
    published_at: str | None
    """Publication time, ISO 8601 with offset (WIB is ``+07:00``); None when unparsable."""
    modified_at: str | None
    """Last modification time from JSON-LD ``dateModified`` (ISO 8601 with offset), or None."""
    authors: list[str]
    """Author names in page order, de-duplicated."""
    editor: str | None
    """Editor's name when the page labels one, else None."""
    tags: list[str]
    """Topic tags in page order, de-duplicated."""
    lead_image: ImageRecord | None
    """The picture above the body, or None."""
    images: list[ImageRecord]
    """In-body images in page order."""
    body: str
    """Plain text, paragraphs separated by one blank line, injected blocks removed."""
    page_count: int
    """How many pages the article has on the site (1 for a single-page article)."""
    word_count: int
    """Whitespace-separated words in ``body``."""
    content_hash: str
    """sha256 hex of the normalized title and body (stable across widget/ad/whitespace noise)."""
    fetched_at: str
    """When the first page was fetched, ISO 8601 in UTC (``...+00:00``)."""
    extraction_warnings: list[str] = field(default_factory=list)
    """``fallback:<field>[:source]`` (found by a later source), ``missing:<field>`` (absent) or
    ``invalid:<field>`` (a value the archive cannot hold, set aside by the validate pipeline)."""


@dataclass(slots=True)
class CrawledArticle(ArticleItem):
    """An article as the archive records it: the parsed item plus its provenance (the parser
    knows nothing of these; the crawl and re-extraction add them)."""

    parser_version: str | None = None
    """``PARSER_VERSION`` of the extraction code that produced the item (``2026.11.1``)."""
    warc_records: list[dict[str, Any]] = field(default_factory=list)
    """Where the fetched pages are kept, in page order: ``{"file", "offset", "length", "uri"}``
    (``file`` relative to ``ARCHIVE_DIR``); empty when WARC writing is off."""

    @classmethod
    def of(
        cls, item: ArticleItem, *, parser_version: str, warc_records: list[dict[str, Any]]
    ) -> CrawledArticle:
        """``item`` with its provenance."""
        parsed = {f.name: getattr(item, f.name) for f in fields(ArticleItem)}
        return cls(**parsed, parser_version=parser_version, warc_records=warc_records)
