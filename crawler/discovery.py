"""Reading discovery pages: sitemap index, news sitemap, channel listings and date indexes.

Pure functions of a page's text; the spider decides what to fetch from what they return."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from parsel import Selector
from scrapy.utils.sitemap import Sitemap

from crawler import site
from crawler.urls import RejectedUrl, article_link, page_number, to_base_url


def sitemap_locations(body: bytes) -> tuple[str, list[str]]:
    """The sitemap's type (``sitemapindex`` or ``urlset``) and its ``<loc>`` values in order."""
    try:
        sitemap = Sitemap(body)
    except Exception:  # lxml refuses the document: not a sitemap at all
        return "", []
    return sitemap.type, [entry["loc"] for entry in sitemap if entry.get("loc")]


def news_sitemaps(locations: list[str], base_url: str) -> list[str]:
    """The militer news sitemaps an index lists, mapped onto ``base_url``."""
    mapped = (to_base_url(loc, base_url) for loc in locations)
    return [url for url in mapped if url and urlsplit(url).path == site.NEWS_SITEMAP_PATH]


def listing_links(html: str, page_url: str) -> list[str]:
    """Article links of a channel listing or date index, in page order, absolute when they can
    be made so (a malformed one is kept as written, for :func:`article_links` to reject)."""
    selector = Selector(text=html)
    rows = selector.css(site.LISTING_ROW)
    links = rows.css(f"{site.LISTING_LINK}::attr(href)").getall() if rows else []
    return [_join(page_url, link.strip()) or link.strip() for link in links if link.strip()]


@dataclass(slots=True)
class ArticleLinks:
    """A discovery page's links sorted out: articles to consider and links rejected, with why."""

    articles: dict[int, str] = field(default_factory=dict)
    """Article id -> canonical URL, in page order (the first link of an id wins)."""
    rejected: list[tuple[str, str]] = field(default_factory=list)
    """(link, reason) of each link that is no article of ours: malformed url, not http,
    offsite host, not an article, article id out of range."""


def article_links(urls: Iterable[str], base_url: str) -> ArticleLinks:
    """Sort links one by one, so that a bad link costs only itself."""
    found = ArticleLinks()
    for url in urls:
        try:
            canonical, article_id = article_link(url, base_url)
        except RejectedUrl as rejected:
            found.rejected.append((url, rejected.reason))
            continue
        found.articles.setdefault(article_id, canonical)
    return found


def next_listing_page(html: str, page_url: str, base_url: str) -> str | None:
    """The link to page N+1 of the same listing, when the page has one."""
    current_path, wanted = urlsplit(page_url).path, (page_number(page_url) or 1) + 1
    for href in Selector(text=html).css(site.PAGE_LINKS).getall():
        joined = _join(page_url, href)
        url = to_base_url(joined, base_url) if joined else None
        if url and urlsplit(url).path == current_path and page_number(url) == wanted:
            return url
    return None


def _join(page_url: str, href: str) -> str | None:
    """``href`` made absolute against the page, or None when it is too malformed to join."""
    try:
        return urljoin(page_url, href)
    except ValueError:
        return None
