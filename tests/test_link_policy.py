"""What a link or a redirect may lead to, decided without Scrapy running: discovery links sorted
one by one, the 64-bit id bound, the redirect policy and where a redirected article landed."""

from __future__ import annotations

import pytest

from crawler.discovery import article_links, listing_links, next_listing_page, page_number
from crawler.redirects import (
    LOOP,
    OFFSITE,
    REDIRECTED,
    TO_DUPLICATE,
    TO_NON_ARTICLE,
    article_landing,
    redirect_problem,
)
from crawler.urls import (
    MAX_ARTICLE_ID,
    article_id_from_url,
    article_parts,
    canonical_article_url,
)

BASE = "http://127.0.0.1:8000"
ARTICLE = f"{BASE}/militer/militer-dunia/1920001-nato-siaga"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (f"/militer/militer-dunia/{MAX_ARTICLE_ID}-batas", MAX_ARTICLE_ID),
        (f"/militer/militer-dunia/{MAX_ARTICLE_ID + 1}-lewat", None),
        ("/militer/militer-dunia/99999999999999999999999999999999-raksasa", None),
        ("/militer/militer-dunia/0000000000000000000000001920001-nol", 1_920_001),
    ],
)
def test_ids_beyond_64_bits_are_no_article(url: str, expected: int | None) -> None:
    assert article_id_from_url(BASE + url) == expected
    parts = article_parts(BASE + url, BASE)
    assert (parts[1] if parts else None) == expected
    assert (canonical_article_url(BASE + url, BASE) is None) == (expected is None)


def test_each_bad_link_is_rejected_with_its_reason_and_the_rest_kept() -> None:
    links = [
        "/militer/militer-dunia/1920001-nato-siaga?utm_source=x",
        f"/militer/militer-dunia/{10**25}-raksasa",
        "http://[::1/militer/militer-dunia/1920002-rusak",
        "javascript:void(0)",
        "mailto:redaksi@viva.co.id",
        "http://127.0.0.2:8000/militer/militer-dunia/1920003-asing",
        "/militer/militer-dunia",
        "https://beta.viva.co.id/militer/militer-indonesia/1920004-tni-al",
        "/militer/militer-dunia/1920001-nato-siaga-judul-lain",
    ]
    found = article_links(links, BASE)
    assert found.articles == {
        1_920_001: ARTICLE,
        1_920_004: f"{BASE}/militer/militer-indonesia/1920004-tni-al",
    }
    assert [reason for _, reason in found.rejected] == [
        "article id out of range",
        "malformed url",
        "not http",
        "not http",
        "offsite host",
        "not an article",
    ]


def test_listing_keeps_a_malformed_link_for_rejection_instead_of_failing() -> None:
    html = (
        '<div class="article-list-row"><a class="article-list-title" href="http://[::1/x">a</a>'
        '</div><div class="article-list-row"><a class="article-list-title" '
        'href="/militer/militer-dunia/1920001-nato-siaga">b</a></div>'
    )
    assert listing_links(html, BASE + "/indeks/militer/all/2026/11/01") == [
        "http://[::1/x",
        ARTICLE,
    ]


def test_next_listing_page_survives_a_malformed_page_link() -> None:
    index = f"{BASE}/indeks/militer/all/2026/11/01"
    html = (
        '<a href="http://[::1/x?page=2">2</a><a href="/indeks/militer/all/2026/11/01?page=2">2</a>'
    )
    assert next_listing_page(html, index, BASE) == f"{index}?page=2"


@pytest.mark.parametrize(
    ("query", "number"), [("page=3", 3), ("page=²", None), ("page=x", None), ("page=all", None)]
)
def test_page_number_of_odd_queries(query: str, number: int | None) -> None:
    assert page_number(f"{BASE}/indeks/militer/all/2026/11/01?{query}") == number


@pytest.mark.parametrize(
    ("target", "problem"),
    [
        (f"{ARTICLE}-judul-baru?page=all", None),  # same site, new slug
        ("https://www.viva.co.id/militer/militer-dunia/1920001-nato-siaga", None),  # variant
        ("http://127.0.0.2:8000/militer/militer-dunia/1920001-nato-siaga", OFFSITE),
        ("http://127.0.0.1:8001/militer/militer-dunia/1920001-nato-siaga", OFFSITE),  # port
        ("ftp://127.0.0.1/x", OFFSITE),
        ("javascript:alert(1)", OFFSITE),
        (f"{ARTICLE}?page=all", LOOP),
        (f"{BASE}/militer/militer-dunia/1920001-nato-siaga?page=all", LOOP),
    ],
)
def test_redirect_problem(target: str, problem: str | None) -> None:
    chain = [f"{ARTICLE}?page=all", f"{BASE}/pindah/1"]
    assert redirect_problem(chain, target, BASE) == problem


def test_where_a_redirected_article_landed() -> None:
    article = {"url": ARTICLE, "id": 1_920_001, "recheck": True}
    other = f"{BASE}/militer/militer-indonesia/1920009-kapal-baru?page=all"

    def land(url: str, *, page: int = 1, scheduled: frozenset[int] = frozenset()) -> object:
        return article_landing(article, url, page=page, base_url=BASE, scheduled=scheduled)

    assert land(f"{ARTICLE}-slug-baru") == (article, None)
    assert land(other) == (
        {"url": other.split("?")[0], "id": 1_920_009, "recheck": False},
        REDIRECTED,
    )
    assert land(other, scheduled=frozenset({1_920_009})) == (None, TO_DUPLICATE)
    assert land(other, page=2) == (None, REDIRECTED)
    assert land(f"{BASE}/militer") == (None, TO_NON_ARTICLE)
