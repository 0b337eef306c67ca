"""Redesigns of the site's markup: class and id names renamed, everything else unchanged.

A real redesign renames the template's CSS classes while the URLs, JSON-LD and meta tags (the
SEO markup) stay as they were. :func:`rename_classes` applies such a renaming to saved or
rendered HTML, so tests and benchmarks can show what the parser does when ``crawler/site.py``
no longer matches the page; :func:`paragraph_scores` says how close it came. Pure functions
only: no I/O, no state.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

from crawler.extraction.text import split_paragraphs

ARTICLE_CLASS_RENAMES: Mapping[str, str] = MappingProxyType(
    {
        # page frame
        "header": "rd-masthead",
        "nav": "rd-topnav",
        "logo": "rd-brand",
        "footer": "rd-colophon",
        "sidebar": "rd-rail",
        # article head
        "main-content": "rd-article",
        "main-content-top": "rd-article-head",
        "main-content-title": "rd-headline",
        "main-content-author": "rd-byline",
        "main-content-date": "rd-dateline",
        "main-content-share": "rd-social",
        "share-facebook": "rd-social-fb",
        "share-twitter": "rd-social-x",
        "share-whatsapp": "rd-social-wa",
        "breadcrumb": "rd-trail",
        "breadcrumb-step": "rd-trail-item",
        # lead image
        "main-content-image": "rd-hero",
        "mci-frame": "rd-hero-frame",
        "mci-caption": "rd-hero-text",
        "mci-desc": "rd-hero-desc",
        "mci-source": "rd-hero-origin",
        # body
        "main-content-detail": "rd-article-body",
        "content-image": "rd-figure",
        "ci-frame": "rd-figure-frame",
        "ci-desc": "rd-figure-desc",
        "ci-source": "rd-figure-origin",
        "inbody-image": "rd-inline-figure",
        "inbody-image-caption": "rd-inline-figure-text",
        "inbody-image-source": "rd-inline-figure-origin",
        "lazy": "rd-deferred",
        # injected boxes (new names avoid the old keywords: no "share", "ads-", "related")
        "widget-other-article": "rd-more-stories",
        "recommended-article": "rd-picks",
        "recommended-article-inline": "rd-picks-inline",
        "ra-title": "rd-picks-heading",
        "ra-thumb": "rd-picks-thumb",
        "woa-label": "rd-more-label",
        "title": "rd-box-heading",
        "label": "rd-box-label",
        "bullet": "rd-dot",
        "ads-inarticle": "rd-promo-slot",
        "newsletter-box": "rd-mailing",
        "newsletter-subscribe": "rd-mailing-join",
        # pagination
        "next-page-teaser": "rd-continue",
        "next-page-link": "rd-continue-link",
        "halaman-selanjutnya": "rd-continue-label",
        "btn-halaman": "rd-continue-button",
        "page-pagination": "rd-pager",
        "pagination-article": "rd-pager-list",
        "pagination": "rd-pager-nav",
        "page-article": "rd-pager-item",
        "active": "rd-current",
        # tags
        "topic-list-container": "rd-topics",
    }
)
"""The article template's classes and their names after the redesign (every class the saved
article fixtures and the sample site's article pages use; listing rows are not included)."""

_ATTRIBUTE_RE = re.compile(
    r"""(?P<lead>\s(?:class|id)\s*=\s*)(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[^\s"'=<>`]+))""",
    re.IGNORECASE,
)


def rename_classes(html: str, mapping: Mapping[str, str]) -> str:
    """``html`` with every ``class`` token and ``id`` value found in ``mapping`` renamed.

    Tokens not in ``mapping`` stay as they are; text, URLs, scripts' JSON-LD and meta tags are
    untouched (only ``class=`` / ``id=`` attribute values change)."""

    def rename(match: re.Match[str]) -> str:
        quote = '"' if match["dq"] is not None else "'" if match["sq"] is not None else ""
        value = match["dq"] if match["dq"] is not None else match["sq"] or match["bare"] or ""
        renamed = " ".join(mapping.get(token, token) for token in value.split())
        return f"{match['lead']}{quote}{renamed}{quote}"

    return _ATTRIBUTE_RE.sub(rename, html)


def paragraph_scores(got: str, want: str) -> tuple[float, float]:
    """Precision and recall of the paragraphs of body ``got`` against body ``want`` (exact
    matches of normalized paragraphs): how much of the original parser's body the parser
    recovers from a redesigned page, and how much it adds. 1.0/1.0 when both are empty."""
    got_paragraphs, want_paragraphs = split_paragraphs(got), set(split_paragraphs(want))
    hits = sum(p in want_paragraphs for p in got_paragraphs)
    precision = hits / len(got_paragraphs) if got_paragraphs else float(not want_paragraphs)
    recall = (
        len(want_paragraphs & set(got_paragraphs)) / len(want_paragraphs)
        if want_paragraphs
        else float(not got_paragraphs)
    )
    return precision, recall


__all__ = ["ARTICLE_CLASS_RENAMES", "paragraph_scores", "rename_classes"]
