"""Pagination links: how many pages an article has, as one of its pages links them."""

from __future__ import annotations

from urllib.parse import urljoin

from crawler import site
from crawler.extraction.dom import Element, css, first_value
from crawler.urls import article_id_from_url, page_number


def page_count_of(root: Element, url: str, has_next: bool) -> int:
    """Page count of a parsed page fetched from ``url`` (may be empty): the highest
    ``?page=N`` link to the same article, one past the current page when ``has_next``."""
    ref = url or first_value(root, site.CANONICAL_LINKS[0]) or ""
    current = page_number(url) or 1
    numbers = [n for href in css(site.PAGE_LINKS)(root) if (n := _link_page(str(href), ref))]
    return max([1, *numbers, current + 1 if has_next else 1])


def _link_page(href: str, ref: str) -> int | None:
    """Page number of a pagination link pointing at the same article as ``ref``."""
    href = href.strip()
    if not href.startswith("?"):
        try:
            target = article_id_from_url(urljoin(ref or site.DEFAULT_BASE_URL, href))
        except ValueError:  # unparsable link (``http://[::1``): not a page of this article
            return None
        if target is None or target != article_id_from_url(ref):
            return None
    return page_number(href)
