"""Discovery by URL shape (crawler/discovery.py): when a listing's rows match no selector, its
article links are found by their URL shape in the main content, not in its header, navigation,
footer or boxes of other articles, and never off the site."""

from __future__ import annotations

from crawler.discovery import EMPTY, ROWS, URL_SHAPE, discover_listing, next_listing_page

BASE = "https://www.viva.co.id"
INDEX = f"{BASE}/indeks/militer/all/2026/11/01"
ARTICLE = "/militer/militer-dunia/{}-nato-siaga"


def link(article_id: int, host: str = "") -> str:
    return f'<a href="{host}{ARTICLE.format(article_id)}?medium=home">Berita {article_id}</a>'


def page(main: str, *, around: str = "") -> str:
    return f"<html><head><title>Indeks</title></head><body>{around}{main}</body></html>"


def test_rows_come_first() -> None:
    html = page(
        f'<div class="article-list-row"><a class="article-list-title" href="{ARTICLE.format(1)}">'
        f"a</a></div><div class='other'>{link(2)}</div>"
    )
    found = discover_listing(html, INDEX, BASE)
    assert (found.found_by, found.links) == (ROWS, [BASE + ARTICLE.format(1)])


def test_without_rows_article_shaped_links_of_the_main_content_are_found() -> None:
    chrome = (
        f"<header>{link(90)}<nav>{link(91)}</nav></header>"
        f'<div class="sidebar">{link(92)}</div><div class="box-popular">{link(93)}</div>'
        f'<section id="related-news">{link(94)}</section><aside>{link(95)}</aside>'
        f'<div role="navigation">{link(96)}</div><footer>{link(97)}</footer>'
    )
    main = (
        f'<div class="feed"><article><header><h2>{link(1)}</h2></header></article>'
        f'<div class="card">{link(2, "https://beta.viva.co.id")}</div>'
        f'<div class="card">{link(3, "https://example.com")}</div>'
        '<a href="/tag/nato">NATO</a><a href="mailto:redaksi@viva.co.id">surel</a>'
        '<a href="http://[::1/x">rusak</a>'
        f'<div class="card">{link(1)}</div><a href="?page=2">2</a></div>'
    )
    found = discover_listing(page(main, around=chrome) + chrome, INDEX, BASE)
    assert found.found_by == URL_SHAPE
    assert found.links == [
        f"{BASE}{ARTICLE.format(1)}?medium=home",
        f"https://beta.viva.co.id{ARTICLE.format(2)}?medium=home",
        f"{BASE}{ARTICLE.format(1)}?medium=home",
    ], "only this site's articles of the main content (duplicates are the spider's to merge)"


def test_a_main_element_scopes_the_search() -> None:
    html = page(f"<main>{link(1)}</main>", around=f"<div class='teaser'>{link(2)}</div>")
    assert discover_listing(html, INDEX, BASE).links == [f"{BASE}{ARTICLE.format(1)}?medium=home"]


def test_a_page_with_neither_rows_nor_article_links_is_empty() -> None:
    html = page(
        "<h1>Indeks</h1><p>Tidak ada berita.</p><a href='/militer/militer-dunia'>Dunia</a>",
        around=f"<aside class='popular'>{link(5)}</aside>",
    )
    found = discover_listing(html, INDEX, BASE)
    assert (found.found_by, found.links) == (EMPTY, [])


def test_pagination_is_read_whatever_the_row_markup() -> None:
    html = page(
        f"<div class='feed'>{link(1)}</div><div class='pager'><a href='?page=2'>2</a></div>"
    )
    assert next_listing_page(html, INDEX, BASE) == f"{INDEX}?page=2"
