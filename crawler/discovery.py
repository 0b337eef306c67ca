"""Reading discovery pages: sitemap index, news sitemap, channel listings and date indexes.

Pure functions of a page's text; the spider decides what to fetch from what they return."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from lxml import etree
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


ROWS, URL_SHAPE, EMPTY = "rows", "url_shape", "empty"
"""How a listing page's links were found: by its row selectors, by their URL shape (the rows'
markup changed), or not at all (an empty day)."""


@dataclass(frozen=True, slots=True)
class ListingLinks:
    """A listing page's article links and how they were found (:data:`ROWS`, ...)."""

    links: list[str]
    found_by: str


def discover_listing(html: str, page_url: str, base_url: str) -> ListingLinks:
    """The links of a channel listing or date index: its rows' links, else (the row markup
    changed) the article-shaped links of its main content."""
    rows = listing_links(html, page_url)
    if rows:
        return ListingLinks(rows, ROWS)
    shaped = url_shape_links(html, page_url, base_url)
    return ListingLinks(shaped, URL_SHAPE if shaped else EMPTY)


def url_shape_links(html: str, page_url: str, base_url: str) -> list[str]:
    """Links of the page's main content, outside its header, navigation, footer and boxes of
    other articles (popular, related...), that are articles of this site by their URL shape;
    in page order. Other links are left out silently: most links of a page are no article."""
    selector = Selector(text=html)
    main = selector.css(site.MAIN_CONTENT)
    scope = (main[0] if main else selector).root
    for element in [*scope.xpath(site.PAGE_CHROME_XPATH), *_boxes_of_other_articles(scope)]:
        parent = element.getparent()
        if parent is not None:
            parent.remove(element)  # the page's own parsed tree: nothing else reads it
    found = []
    for href in scope.xpath(".//a/@href"):
        joined = _join(page_url, str(href).strip())
        if joined and _is_article(joined, base_url):
            found.append(joined)
    return found


def _boxes_of_other_articles(scope: etree._Element) -> list[etree._Element]:
    """Elements below ``scope`` whose class or id names a sidebar, popular or related box."""
    boxes = []
    for element in scope.iterdescendants():
        if not isinstance(element.tag, str) or element.tag == "body":
            continue
        marker = f"{element.get('class', '')} {element.get('id', '')}"
        if site.SIDEBAR_CLASS_RE.search(marker):
            boxes.append(element)
    return boxes


def _is_article(url: str, base_url: str) -> bool:
    try:
        article_link(url, base_url)
    except RejectedUrl:
        return False
    return True


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
