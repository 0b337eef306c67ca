"""The test oracle: the item fields the parser must extract from a rendered spec."""

from __future__ import annotations

from typing import Any

from crawler import site
from crawler.dates import format_datetime
from crawler.extraction.text import join_paragraphs
from viva_militer_archive.sample_site.spec import ArticleSpec, ImageSpec, plain


def expected_fields(spec: ArticleSpec) -> dict[str, Any]:
    """The item fields the parser must produce from the rendered pages (no warnings)."""

    def record(image: ImageSpec | None) -> dict[str, Any] | None:
        return (
            None
            if image is None
            else {"url": image.url, "caption": image.caption, "credit": image.credit}
        )

    body = join_paragraphs(plain(p) for page in spec.pages for p in page)
    return {
        "url": spec.canonical,
        "article_id": spec.article_id,
        "section": site.SECTION,
        "subchannel": spec.subchannel,
        "title": spec.title,
        "description": spec.description,
        "published_at": format_datetime(spec.published_at),
        "modified_at": format_datetime(spec.modified_at) if spec.jsonld else None,
        "authors": list(spec.authors),
        "editor": spec.editor,
        "tags": list(spec.tags),
        "lead_image": record(spec.lead_image),
        "images": [record(b.image) for b in sorted(spec.images, key=lambda b: b.after)],
        "body": body,
        "page_count": len(spec.pages),
        "word_count": len(body.split()),
    }
