"""Reading discovery pages: sitemap index, news sitemap, channel listings and date indexes.

Pure functions of a page's text; the spider decides what to fetch from what they return."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from parsel import Selector
from scrapy.utils.sitemap import Sitemap

from crawler import site
from crawler.urls import page_number, to_base_url


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
    """Absolute article links of a channel listing or date index, in page order."""
    selector = Selector(text=html)
    rows = selector.css(site.LISTING_ROW)
    links = rows.css(f"{site.LISTING_LINK}::attr(href)").getall() if rows else []
    return [urljoin(page_url, link.strip()) for link in links if link.strip()]


def next_listing_page(html: str, page_url: str, base_url: str) -> str | None:
    """The link to page N+1 of the same listing, when the page has one."""
    current_path, wanted = urlsplit(page_url).path, (page_number(page_url) or 1) + 1
    for href in Selector(text=html).css(site.PAGE_LINKS).getall():
        url = to_base_url(urljoin(page_url, href), base_url)
        if url and urlsplit(url).path == current_path and page_number(url) == wanted:
            return url
    return None
