"""Saved-page tests of the article parser: what is kept, what is dropped, what is stable."""

from __future__ import annotations

import dataclasses
import itertools
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.dates import WIB
from crawler.extraction import (
    EXTRACT_WARNING_KINDS,
    ArticlePage,
    NotAnArticle,
    content_hash,
    parse_article,
    warning_stat_key,
)
from crawler.extraction.images import split_caption
from crawler.extraction.page import Source
from crawler.urls import article_page_url
from viva_militer_archive.sample_site.expected import expected_fields
from viva_militer_archive.sample_site.render import render_article_pages
from viva_militer_archive.sample_site.spec import ArticleSpec, BodyImage, ImageSpec

FIXTURES = Path(__file__).parent / "fixtures" / "articles"
NAMES = sorted(p.name.removesuffix(".expected.json") for p in FIXTURES.glob("*.expected.json"))
SEED = Path(__file__).parent / "fixtures" / "seed" / "viva_militer_sample.txt"
RELATED_HEADLINES = (
    "AS Gelontorkan Lagi Rp 420 Triliun Lebih untuk Perang Israel di Gaza",
    "Di Tengah Pertempuran Rusia-Ukraina, Wakil Menteri Pertahanan Rusia Ditangkap Karena "
    "Terima Suap",
    "Rusia Makin Gencar Menyerang, AS Janji Secepatnya Akan Kirim Senjata ke Ukraina",
)


def fixture_pages(name: str) -> list[str]:
    """``<name>.html`` then ``<name>.page2.html``, ``<name>.page3.html``... in order."""
    extra = sorted(FIXTURES.glob(f"{name}.page*.html"), key=lambda p: int(p.suffixes[0][5:]))
    return [p.read_text(encoding="utf-8") for p in [FIXTURES / f"{name}.html", *extra]]


def expected(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.expected.json").read_text(encoding="utf-8"))


def parse_fixture(name: str, pages: list[str] | None = None) -> dict[str, Any]:
    """The item of a fixture as a dict, parsed from its ``?page=all`` URL with tracking noise."""
    url = article_page_url(expected(name)["url"], "all") + "&utm_source=test#komentar"
    item = parse_article(url, pages or fixture_pages(name), fetched_at=datetime(2026, 1, 1))
    return dataclasses.asdict(item)


def test_a_page_without_a_title_is_kept_with_its_warnings() -> None:
    """A broken template is archived (body, date, author from the page) and says what it
    lacks, rather than being dropped."""
    item = parse_fixture("broken_no_title")
    assert item["title"] == "" and item["body"].startswith("VIVA – ")
    assert item["published_at"] == "2025-06-05T14:30:00+07:00"
    assert {"missing:title", "fallback:published_at:dom"} <= set(item["extraction_warnings"])


@pytest.mark.parametrize("name", ["seed_nato_keroyok_rusia", "partial_page_all"])
def test_an_article_over_several_pages_comes_out_whole_in_page_order(name: str) -> None:
    """Every page's paragraphs, the first page's first, each once."""
    pages = fixture_pages(name)
    whole, first = parse_fixture(name), parse_fixture(name, pages[:1])
    assert len(pages) > 1 and whole["page_count"] == len(pages)
    assert whole["body"].startswith(first["body"]) and whole["word_count"] > first["word_count"]
    paragraphs = whole["body"].split("\n\n")
    assert len(paragraphs) == len(set(paragraphs))


@pytest.mark.parametrize("name", NAMES)
def test_fixture_matches_expected_item(name: str) -> None:
    item = parse_fixture(name)
    assert item.pop("fetched_at") == "2026-01-01T00:00:00+00:00"
    assert item == expected(name)


@pytest.mark.parametrize("name", NAMES)
def test_body_format(name: str) -> None:
    body = parse_fixture(name)["body"]
    assert "\n\n\n" not in body and body == body.strip()
    assert all(p == " ".join(p.split()) for p in body.split("\n\n"))


def test_seed_keeps_exactly_the_real_paragraphs() -> None:
    item = parse_fixture("seed_nato_keroyok_rusia")
    body = item["body"]
    for line in SEED.read_text(encoding="utf-8").splitlines()[1:]:
        line = line.strip()
        if line in RELATED_HEADLINES or not line:
            assert line not in body.split("\n\n")
    assert body.startswith("VIVA – Pakta Pertahanan Atlantik Utara (NATO)")
    assert body.endswith('untuk membela dan melindungi semua sekutu," katanya.')
    assert body.count("Ada tiga hal yang yang menjadi perhatian NATO") == 1  # teaser dropped
    for noise in (
        *RELATED_HEADLINES,
        "VIVA Militer:",
        "Sumber :",
        "Photo :",
        "rferl.org",
        "kyivpost.com",
        "Halaman Selanjutnya",
        "Baca Juga",
        "googletag",
        "Langganan",
        "Dapatkan berita",
        "Tampilkan Semua",
        "#NATO",
        "Facebook",
    ):
        assert noise not in body, noise
    assert "“Pembangunan militer Rusia" in body and "Euro-Atlantik,” ucap" in body  # quotes as is
    assert item["lead_image"]["credit"] == "rferl.org"
    assert [i["credit"] for i in item["images"]] == ["kyivpost.com"]
    assert item["page_count"] == 2


def test_roundup_keeps_link_text_inside_paragraphs() -> None:
    body = parse_fixture("roundup_terpopuler")["body"]
    assert "1. Kapal Selam Scorpene Pertama Indonesia Mulai Dirakit di Surabaya" in body
    assert "dipimpin TNI AD dan US Army" in body
    assert "Kapal Induk AS Merapat ke Laut China Selatan" not in body  # injected related block


def test_lazy_images_use_data_original() -> None:
    item = parse_fixture("lazy_images")
    assert len(item["images"]) == 2
    assert all(i["url"].startswith("https://thumb.viva.co.id/") for i in item["images"])
    assert not any("data:" in i["url"] or "_665_374.jpg" not in i["url"] for i in item["images"])
    assert all(i["caption"] and not i["caption"].startswith("VIVA") for i in item["images"])


def test_credits_hold_whatever_markup_splits_label_and_value() -> None:
    """``<br>``, list items, spans, bullets alone on a line, captions and credits in sibling
    paragraphs: every source is its picture's credit and none reaches the body."""
    item = parse_fixture("caption_credit_shapes")
    assert item["lead_image"]["credit"] == "koarmada1.tnial.mil.id"
    credits = [image["credit"] for image in item["images"]]
    assert credits == ["Dispenal", "tnial.mil.id", "antaranews.com", "reuters.com"]
    assert item["images"][2]["caption"] == "Awak KRI Bung Tomo-357 di anjungan"
    for noise in ("Sumber :", "Photo", "Foto", "•", "·", "antaranews", "reuters", "VIVA Militer"):
        assert noise not in item["body"]
    assert item["body"].count("\n\n") == 4
    assert item["body"].endswith("seperti ini, kata juru bicara."), "'Sumber daya' is body text"


@pytest.mark.parametrize(
    ("lines", "credit"),
    [
        (["Sumber : • rferl.org"], "rferl.org"),
        (["Sumber :", "• rferl.org"], "rferl.org"),
        (["Sumber :", "•", "rferl.org"], "rferl.org"),
        (["Photo :", "·", "·", "kyivpost.com"], "kyivpost.com"),
        (["Foto:•Dispenad"], "Dispenad"),
        (["VIVA Militer: Latihan", "Sumber :", "- Puspen TNI"], "Puspen TNI"),
    ],
)
def test_split_caption_credit_shapes(lines: list[str], credit: str) -> None:
    parts = split_caption(lines)
    assert (parts.credit, parts.other, parts.awaiting_credit) == (credit, 0, False)


def test_text_after_a_lone_credit_label_is_not_taken_for_a_credit() -> None:
    sentence = "Latihan itu melibatkan lebih dari 400 prajurit dan tiga kapal pendukung."
    parts = split_caption(["Sumber :", sentence])
    assert (parts.credit, parts.other) == (None, 1)
    parts = split_caption(["Sumber :", "VIVA Militer: Latihan"])
    assert (parts.credit, parts.caption, parts.awaiting_credit) == (None, "Latihan", False)


def test_missing_jsonld_records_fallbacks() -> None:
    warnings = parse_fixture("no_jsonld")["extraction_warnings"]
    assert {w.split(":")[0] for w in warnings} == {"fallback"}
    assert {warning_stat_key(w) for w in warnings} == {
        "extract/fallback/title",
        "extract/fallback/description",
        "extract/fallback/published_at",
        "extract/fallback/authors",
    }
    assert set(EXTRACT_WARNING_KINDS) == {"missing", "fallback"}


def test_broken_and_garbage_pages_never_raise() -> None:
    url = "https://www.viva.co.id/militer/militer-dunia/1-x"
    for pages in ([""], [], ["<html>"], ["\x00\ufffd<<<"], ["<?xml version='1.0'?><a/>"]):
        item = parse_article(url, pages)
        assert item.title == "" and item.body == "" and item.published_at is None
        assert {"missing:title", "missing:body", "missing:published_at"} <= set(
            item.extraction_warnings
        )


@settings(max_examples=50, deadline=None)
@given(st.text())
def test_arbitrary_text_never_raises(html: str) -> None:
    item = parse_article("https://viva.co.id/militer/militer-indonesia/5-a", [html, html])
    assert item.article_id == 5


def test_not_an_article_url() -> None:
    for url in (
        "https://www.viva.co.id/militer/militer-dunia",
        "https://example.com/militer/militer-dunia/1-a",
        "https://www.viva.co.id/berita/dunia/1-a",
    ):
        with pytest.raises(NotAnArticle):
            parse_article(url, ["<html></html>"])


def _strip_related(html: str) -> str:
    """Remove every injected related-article block from a page (lxml, not regex)."""
    root = lxml.html.document_fromstring(html)
    for block in root.xpath(
        "//div[contains(@class, 'recommended-article') or contains(@class, 'widget-other-article')]"
    ):
        block.drop_tree()
    return lxml.html.tostring(root, encoding="unicode")


def test_content_hash_ignores_related_ads_and_whitespace() -> None:
    pages = fixture_pages("seed_nato_keroyok_rusia")
    reference = parse_fixture("seed_nato_keroyok_rusia")["content_hash"]
    variants = [
        [_strip_related(p) for p in pages],
        [re.sub(r"<div id=\"div-gpt-ad[^>]*>.*?</div>", "", p, flags=re.S) for p in pages],
        [p.replace("<p>", "<p>\n   \t").replace(" ", "  ") for p in pages],
        [p.replace("Rusia Makin Gencar", "Israel Kembali Serang") for p in pages],
    ]
    for variant in variants:
        assert parse_fixture("seed_nato_keroyok_rusia", variant)["content_hash"] == reference
    edited = [p.replace("120 ribu personel", "130 ribu personel") for p in pages]
    assert parse_fixture("seed_nato_keroyok_rusia", edited)["content_hash"] != reference


def test_content_hash_function() -> None:
    assert content_hash("Judul", "a\n\nb") == content_hash(" Judul ", "a \n\n\n b\n")
    assert content_hash("Judul", "a\n\nb") != content_hash("Judul", "a b")
    assert content_hash("Judul", "a") != content_hash("Judul 2", "a")
    assert len(content_hash("", "")) == 64


SPEC = ArticleSpec(
    article_id=1900001,
    subchannel="militer-dunia",
    slug="uji-render",
    title="Uji Render Artikel Tiga Halaman",
    pages=(
        ("VIVA – Satu [dua](https://www.viva.co.id/tag/dua) tiga.", "Empat lima."),
        ("Enam tujuh delapan sembilan sepuluh sebelas dua belas tiga belas empat belas.",),
        ("Lima belas.", "Enam belas."),
    ),
    published_at=datetime(2025, 7, 22, 17, 20, tzinfo=WIB),
    authors=("Satu Penulis",),
    tags=("Uji",),
    related=("Judul Terkait Pertama", "Judul Terkait Kedua", "Judul Terkait Ketiga"),
    images=(BodyImage(3, ImageSpec("https://thumb.viva.co.id/x.jpg", "Gambar", "viva.co.id")),),
)


def test_multipage_merge_without_duplicates() -> None:
    pages = render_article_pages(SPEC)
    want = expected_fields(SPEC)["body"]
    for sequence in (
        [pages[1], pages[2], pages[3]],
        [pages["all"], pages[2], pages[3]],
        [pages["all"]],
        [pages["all"], pages["all"]],
    ):
        item = parse_article(SPEC.canonical + "?page=all", sequence)
        assert item.body == want
        assert item.page_count == 3
        assert "..." not in item.body and "Judul Terkait" not in item.body


def pages_to_fetch(page: ArticlePage) -> list[int]:
    """Page numbers still to fetch after a ``?page=all`` (or page 1) response."""
    return list(range(2, max(page.page_count, 2) + 1)) if page.has_next else []


def test_a_page_tells_which_pages_to_fetch() -> None:
    partial = ArticlePage(fixture_pages("partial_page_all")[0], "")
    assert partial.has_next and partial.page_count == 3 and pages_to_fetch(partial) == [2, 3]
    full = ArticlePage(fixture_pages("multipage_all")[0], "")
    assert not full.has_next and full.page_count == 3 and pages_to_fetch(full) == []
    seed = ArticlePage(
        fixture_pages("seed_nato_keroyok_rusia")[0],
        "https://viva.co.id/militer/militer-dunia/1443817-nato?page=all",
    )
    assert seed.has_next and pages_to_fetch(seed) == [2] and len(seed.body.paragraphs) == 6
    assert ArticlePage("", "").page_count == 1


def test_parsed_pages_give_the_same_item_as_their_html() -> None:
    """The crawl hands ``parse_article`` the pages it already parsed: same item, no re-parse."""
    url, pages = expected("partial_page_all")["url"], fixture_pages("partial_page_all")
    parsed = [ArticlePage(html, article_page_url(url, n)) for n, html in enumerate(pages, 1)]
    assert [p.has_next for p in parsed] == [True, True, False]
    assert [p.page_count for p in parsed] == [3, 3, 3]
    when = datetime(2026, 1, 1, tzinfo=UTC)
    from_pages = parse_article(url, parsed, fetched_at=when)
    assert from_pages == parse_article(url, pages, fetched_at=when)
    assert from_pages.body == expected("partial_page_all")["body"]


class NoTagsPage(ArticlePage):
    """An older parser whose tag selectors no longer match."""

    def tag_sources(self) -> list[Source]:
        return []


def test_page_class_changes_how_one_field_is_read() -> None:
    url, pages = expected("simple")["url"], fixture_pages("simple")
    when = datetime(2026, 1, 1, tzinfo=UTC)
    today = parse_article(url, pages, fetched_at=when)
    older = parse_article(url, pages, fetched_at=when, page_class=NoTagsPage)
    assert today.tags and not today.extraction_warnings
    assert older.tags == [] and older.extraction_warnings == ["missing:tags"]
    assert dataclasses.replace(older, tags=today.tags, extraction_warnings=[]) == today


def test_related_variants_render_same_article() -> None:
    hashes = set()
    for variant in range(3):
        spec = dataclasses.replace(SPEC, variant=variant, related=SPEC.related[variant:])
        item = parse_article(spec.canonical, [render_article_pages(spec)["all"]])
        hashes.add(item.content_hash)
    assert len(hashes) == 1


_WORDS = st.sampled_from(
    [
        "prajurit",
        "kapal",
        "rudal",
        "latihan",
        "pasukan",
        "udara",
        "laut",
        "darat",
        "NATO",
        "TNI",
        "menyatakan",
        "bahwa",
        "pada",
        "hari",
        "2025",
        "“siap”",
        "dan,",
        "itu.",
    ]
)
_PARAGRAPH = st.lists(_WORDS, min_size=3, max_size=25).map(" ".join)
_NAME = st.lists(
    st.sampled_from(["Andi", "Budi", "Citra", "Dewi", "Eko", "Fitri", "Gita"]),
    min_size=2,
    max_size=3,
    unique=True,
).map(" ".join)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    paragraphs=st.lists(_PARAGRAPH, min_size=1, max_size=12, unique=True),
    cuts=st.lists(st.integers(1, 11), max_size=3, unique=True),
    authors=st.lists(_NAME, min_size=1, max_size=3, unique=True),
    tags=st.lists(_NAME, max_size=4, unique=True),
    published=st.datetimes(datetime(2015, 1, 1), datetime(2030, 1, 1), timezones=st.just(UTC)),
    jsonld=st.booleans(),
    partial=st.booleans(),
    variant=st.integers(0, 5),
)
def test_rendered_pages_round_trip(
    paragraphs: list[str],
    cuts: list[int],
    authors: list[str],
    tags: list[str],
    published: datetime,
    jsonld: bool,
    partial: bool,
    variant: int,
) -> None:
    bounds = [0, *sorted(c for c in cuts if c < len(paragraphs)), len(paragraphs)]
    spec = ArticleSpec(
        article_id=1800000 + variant,
        subchannel="militer-indonesia",
        slug="uji-properti",
        title=("Judul " + paragraphs[0][:40]).strip(),
        pages=tuple(tuple(paragraphs[a:b]) for a, b in itertools.pairwise(bounds)),
        published_at=published.replace(second=0, microsecond=0).astimezone(WIB),
        authors=tuple(authors),
        tags=tuple(tags),
        related=("Judul Terkait A", "Judul Terkait B"),
        jsonld=jsonld,
        partial_all=partial,
        variant=variant,
    )
    rendered = render_article_pages(spec)
    count = len(spec.pages)
    first = ArticlePage(rendered["all"], "")
    pages = [rendered["all"]] + [rendered[n] for n in pages_to_fetch(first)]
    item = dataclasses.asdict(parse_article(spec.canonical + "?page=all", pages))
    want = expected_fields(spec)
    for key in ("url", "title", "body", "authors", "tags", "published_at", "page_count"):
        assert item[key] == want[key], key
    assert first.has_next == (partial and count > 1)
