"""A redesign of the site's templates: every CSS class and id renamed, nothing else changed.

Real redesigns keep URLs, JSON-LD and meta tags (search engines read them) and change the
markup's class names; :func:`rename_classes` does exactly that to a rendered page, so a crawl
or an extraction test can meet the site's content in markup our selectors do not know."""

from __future__ import annotations

import re
from collections.abc import Mapping

ATTRIBUTE_RE = re.compile(
    r"""(?<![\w-])(class|id)(\s*=\s*)(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE
)
"""A ``class`` or ``id`` attribute with its quoted value."""

ARTICLE_CLASS_RENAMES: dict[str, str] = {
    "header": "site-masthead",
    "footer": "site-colophon",
    "main-content": "story",
    "main-content-top": "story-head",
    "main-content-title": "story-headline",
    "main-content-author": "story-byline",
    "main-content-date": "story-timestamp",
    "main-content-share": "story-social",
    "main-content-image": "story-hero",
    "main-content-detail": "story-text",
    "mci-frame": "hero-frame",
    "mci-caption": "hero-caption",
    "mci-source": "hero-credit",
    "breadcrumb": "crumbs",
    "breadcrumb-step": "crumbs-item",
    "topic-list-container": "story-topics",
    "inbody-image": "story-figure",
    "inbody-image-caption": "story-figure-caption",
    "inbody-image-source": "story-figure-credit",
    "lazy": "lazyload",
    "recommended-article": "story-related",
    "widget-other-article": "also-read",
    "title": "also-read-label",
    "ads-inarticle": "promo-slot",
    "newsletter-box": "subscribe-panel",
    "next-page-teaser": "continue-teaser",
    "next-page-link": "continue-link",
    "page-pagination": "story-pages",
    **{f"div-gpt-ad-{n}": f"promo-unit-{n}" for n in range(3)},
}
"""Every class and id of the sample site's article template (sample_site/render.py) to a new
name, as a redesign would rename them; URLs, JSON-LD and meta tags stay as they are."""


def rename_classes(html: str, mapping: Mapping[str, str]) -> str:
    """``html`` with each class token and each id found in ``mapping`` renamed (whole tokens
    only: ``main-content`` does not touch ``main-content-title``); the rest unchanged."""

    def rename(match: re.Match[str]) -> str:
        name, equals = match[1], match[2]
        value = match[3] if match[3] is not None else match[4]
        quote = '"' if match[3] is not None else "'"
        if name.lower() == "id":
            renamed = mapping.get(value.strip(), value)
        else:
            renamed = re.sub(r"\S+", lambda token: mapping.get(token[0], token[0]), value)
        return f"{name}{equals}{quote}{renamed}{quote}"

    return ATTRIBUTE_RE.sub(rename, html)
