"""Page structure: how many pages an article has and whether this page has a next one."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, urljoin, urlsplit

from lxml.html import HtmlElement

from crawler import site
from crawler.extraction.body import extract_body
from crawler.extraction.dom import css, first_value, parse_html, xpath
from crawler.urls import article_id_from_url


@dataclass(frozen=True, slots=True)
class PageInfo:
    """What the spider needs after fetching ``?page=all`` to decide on ``?page=2..N``."""

    page_count: int
    """Pages of the article: highest ``?page=N`` link (+1 past current if next)."""
    has_next: bool
    """A ``Halaman Selanjutnya`` / ``rel=next`` link is present: the page is not the whole text."""
    paragraph_count: int
    """Clean body paragraphs on this page."""

    def pages_to_fetch(self) -> list[int]:
        """Page numbers still to fetch after a ``?page=all`` (or page 1) response."""
        return list(range(2, max(self.page_count, 2) + 1)) if self.has_next else []


def page_info(html: str, url: str | None = None) -> PageInfo:
    """Page count, next link and paragraph count of one fetched page (never raises)."""
    root = parse_html(html)
    if root is None:
        return PageInfo(page_count=1, has_next=False, paragraph_count=0)
    return page_info_of(root, url or "")


def page_info_of(root: HtmlElement, url: str) -> PageInfo:
    """:func:`page_info` on an already parsed document."""
    count, has_next = page_count_of(root, url)
    paragraphs = len(extract_body(root, url).paragraphs)
    return PageInfo(page_count=count, has_next=has_next, paragraph_count=paragraphs)


def page_count_of(root: HtmlElement, url: str) -> tuple[int, bool]:
    """(page count, has next link) of a parsed page fetched from ``url`` (may be empty)."""
    ref = url or first_value(root, site.CANONICAL_LINKS[0]) or ""
    has_next = bool(xpath(site.NEXT_PAGE_XPATH)(root))
    current = _page_number(url) or 1
    numbers = [n for href in css(site.PAGE_LINKS)(root) if (n := _link_page(str(href), ref))]
    return max([1, *numbers, current + 1 if has_next else 1]), has_next


def _page_number(url: str) -> int | None:
    """N of ``?page=N`` in ``url``, else None (``all`` and garbage included)."""
    for name, value in parse_qsl(urlsplit(url).query):
        if name == site.PAGE_PARAM and value.isdigit():
            return int(value)
    return None


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
    return _page_number(href)
