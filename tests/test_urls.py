"""URL canonicalization: examples from SITE.md and invariance properties."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crawler import site
from crawler.urls import (
    article_id_from_url,
    article_page_url,
    canonical_article_url,
    is_viva_host,
    to_base_url,
)

BASE = site.DEFAULT_BASE_URL
CANON = f"{BASE}/militer/militer-dunia/1678984-alarm-perang-dunia-iii-nato-siagakan-90-ribu"


@pytest.mark.parametrize(
    "url",
    [
        CANON,
        CANON.replace("https://www.", "http://"),
        CANON.replace("www.", "beta."),
        CANON.replace("/militer/", "/amp/militer/", 1),
        CANON + "?page=all&utm_medium=all-page",
        CANON + "?page=all&single=1",
        CANON + "?page=3#komentar",
        CANON + "/?medium=home&link=terbaru",
        CANON + "?medium=jangan-lewatkan&campaign=x&utm_source=fb",
        "/militer/militer-dunia/1678984-alarm-perang-dunia-iii-nato-siagakan-90-ribu",
        "  https://WWW.VIVA.CO.ID:443/militer/militer-dunia/1678984-alarm-perang-dunia-iii-nato"
        "-siagakan-90-ribu  ",
    ],
)
def test_variants_canonicalize_to_one_url(url: str) -> None:
    assert canonical_article_url(url, BASE) == CANON
    assert article_id_from_url(url if url.startswith(("http", " ")) else BASE + url) == 1678984


@pytest.mark.parametrize(
    "url",
    [
        "https://www.viva.co.id/militer/militer-dunia",
        "https://www.viva.co.id/berita/dunia/1678984-x",
        "https://example.com/militer/militer-dunia/1678984-x",
        "https://viva.co.id.evil.com/militer/militer-dunia/1678984-x",
        "ftp://www.viva.co.id/militer/militer-dunia/1678984-x",
        "javascript:alert(1)",
        "https://www.viva.co.id/militer/militer-dunia/abc-x",
        "http://[::1/",
        "",
    ],
)
def test_non_articles(url: str) -> None:
    assert canonical_article_url(url, BASE) is None
    if "/militer/militer-dunia/1678984-" not in url:  # the id lookup ignores the host
        assert article_id_from_url(url) is None


def test_article_id_ignores_host() -> None:
    assert article_id_from_url("http://127.0.0.1:8765/militer/militer-dunia/42-x?page=2") == 42
    assert article_id_from_url("https://www.viva.co.id/militer/militer-dunia") is None


def test_configured_base_url_is_a_host_variant_too() -> None:
    local = "http://127.0.0.1:8765/"
    url = "http://127.0.0.1:8765/militer/militer-indonesia/12-x?page=2&utm_campaign=a"
    assert (
        canonical_article_url(url, local) == "http://127.0.0.1:8765/militer/militer-indonesia/12-x"
    )
    assert canonical_article_url(CANON, local) == "http://127.0.0.1:8765" + CANON[len(BASE) :]
    assert canonical_article_url(url, BASE) is None  # loopback is not VIVA for the real site
    assert is_viva_host("127.0.0.1:8765", local) and not is_viva_host("127.0.0.1:9", local)
    assert is_viva_host("viva.co.id") and is_viva_host("BETA.viva.co.id:443")


def test_article_page_url() -> None:
    assert article_page_url(CANON, "all") == CANON + "?page=all"
    assert article_page_url(CANON, 1) == CANON
    assert article_page_url(CANON, 3) == CANON + "?page=3"
    with pytest.raises(ValueError):
        article_page_url(CANON, 0)


def test_to_base_url() -> None:
    assert to_base_url("https://viva.co.id/indeks/militer/all/2025/07/22?page=2&utm_x=1", BASE) == (
        f"{BASE}/indeks/militer/all/2025/07/22?page=2"
    )
    assert to_base_url("//beta.viva.co.id/sitemap/news/militer.xml", BASE) == (
        f"{BASE}/sitemap/news/militer.xml"
    )
    assert to_base_url("/militer/militer-dunia?medium=home#top", "http://localhost:8000") == (
        "http://localhost:8000/militer/militer-dunia"
    )
    assert to_base_url("https://example.com/sitemap.xml", BASE) is None


HOSTS = st.sampled_from(["www.viva.co.id", "viva.co.id", "beta.viva.co.id", "WWW.Viva.co.id"])
SLUGS = st.from_regex(r"[a-z0-9]{1,10}(-[a-z0-9]{1,10}){0,6}", fullmatch=True)
TRACKING = st.dictionaries(
    st.sampled_from(
        [
            "medium",
            "link",
            "campaign",
            "single",
            "utm_source",
            "utm_medium",
            "utm_campaign",
            "utm_content",
        ]
    ),
    st.text("abcdefghijklmnopqrstuvwxyz-_0123456789", max_size=8),
    max_size=4,
)
PAGES = st.one_of(st.none(), st.just("all"), st.integers(1, 30).map(str))
FRAGMENTS = st.one_of(st.none(), st.text("abcdefghijklmnopqrstuvwxyz-", max_size=10))


@given(
    host=HOSTS,
    scheme=st.sampled_from(["http", "https"]),
    amp=st.booleans(),
    sub=st.sampled_from(site.SUBCHANNELS),
    article_id=st.integers(1, 10**8),
    slug=SLUGS,
    tracking=TRACKING,
    page=PAGES,
    fragment=FRAGMENTS,
    slash=st.booleans(),
)
def test_canonical_invariant_under_variants(
    host: str,
    scheme: str,
    amp: bool,
    sub: str,
    article_id: int,
    slug: str,
    tracking: dict[str, str],
    page: str | None,
    fragment: str | None,
    slash: bool,
) -> None:
    canonical = f"{BASE}/militer/{sub}/{article_id}-{slug}"
    params = dict(tracking) | ({"page": page} if page else {})
    url = f"{scheme}://{host}{'/amp' if amp else ''}/militer/{sub}/{article_id}-{slug}"
    url += ("/" if slash else "") + (f"?{urlencode(params)}" if params else "")
    url += f"#{fragment}" if fragment is not None else ""
    assert canonical_article_url(url, BASE) == canonical
    assert canonical_article_url(canonical, BASE) == canonical  # idempotent
    assert article_id_from_url(url) == article_id
    for number in (page, "all", 2):
        paged = article_page_url(canonical, number or 1)
        assert canonical_article_url(paged, BASE) == canonical
    moved = to_base_url(url, BASE)
    assert moved is not None and moved.startswith(BASE + "/")
    assert "utm_" not in moved and "medium=" not in moved and "#" not in moved
    assert to_base_url(moved, BASE) == moved  # idempotent


@given(st.text())
def test_never_raises_on_arbitrary_text(text: str) -> None:
    result = canonical_article_url(text, BASE)
    assert result is None or result.startswith(BASE + "/militer/")
    moved = to_base_url(text, BASE)
    assert moved is None or moved.startswith(BASE)
