"""The parser on a redesigned article template: every class renamed, URLs, JSON-LD and meta
tags unchanged. The site's selectors find nothing; the generic fallbacks must still give the
article, with its body found by text and link density and every fallback recorded."""

from __future__ import annotations

import dataclasses
import itertools
import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler import site
from crawler.dates import WIB
from crawler.extraction import ArticlePage, parse_article
from crawler.extraction.dom import css_any, element_text, parse_html
from crawler.extraction.generic import extract_generic_body
from crawler.extraction.text import normalize_text, split_paragraphs
from crawler.urls import article_page_url
from tests.redesigned_fixtures import ORIGINAL, REDESIGNED, redesigned_pages
from tests.test_extraction import NAMES, SPEC, expected, fixture_pages, pages_to_fetch
from viva_militer_archive.crawl_stats.keys import GENERIC_SOURCE
from viva_militer_archive.sample_site.catalog import sample_articles
from viva_militer_archive.sample_site.expected import expected_fields
from viva_militer_archive.sample_site.redesign import (
    ARTICLE_CLASS_RENAMES,
    paragraph_scores,
    rename_classes,
)
from viva_militer_archive.sample_site.render import render_article_pages
from viva_militer_archive.sample_site.spec import ArticleSpec

GENERIC_BODY = f"fallback:body:{GENERIC_SOURCE}"
WHEN = datetime(2026, 1, 1, tzinfo=UTC)
CLASS_RE = re.compile(r"""\sclass\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)


def redesigned(name: str) -> list[str]:
    """The saved redesigned pages of fixture ``name`` (``.html`` then ``.pageN.html``)."""
    return [
        (REDESIGNED / path.name).read_text(encoding="utf-8")
        for path in [ORIGINAL / f"{name}.html", *sorted(ORIGINAL.glob(f"{name}.page*.html"))]
    ]


def parse_redesigned(name: str) -> dict[str, Any]:
    url = article_page_url(expected(name)["url"], "all")
    return dataclasses.asdict(parse_article(url, redesigned(name), fetched_at=WHEN))


def noise_texts(html: str) -> set[str]:
    """Texts the original template marks as noise (related boxes, widgets, the sidebar) and
    the captions and credits of its pictures: none of them is a body paragraph."""
    root = parse_html(html)
    assert root is not None
    boxes = css_any((*site.BODY_NOISE, "aside", site.LEAD_IMAGE_CONTAINER))(root)
    texts = {normalize_text(element_text(a)) for box in boxes for a in box.iter("a", "p", "h3")}
    return {text for text in texts if len(text) >= 15}


def test_saved_redesigned_fixtures_are_what_the_script_makes() -> None:
    made = redesigned_pages()
    assert sorted(made) == sorted(path.name for path in REDESIGNED.glob("*.html"))
    for name, html in made.items():
        assert (REDESIGNED / name).read_text(encoding="utf-8") == html, name


@pytest.mark.parametrize("name", sorted(redesigned_pages()))
def test_no_class_of_the_old_template_is_left(name: str) -> None:
    html = (REDESIGNED / name).read_text(encoding="utf-8")
    tokens = {t for match in CLASS_RE.finditer(html) for t in (match[1] or match[2]).split()}
    assert tokens and not tokens & set(ARTICLE_CLASS_RENAMES)
    original = (ORIGINAL / name).read_text(encoding="utf-8")
    assert ArticlePage(original, "").body.found and not ArticlePage(html, "").body.found


def test_rename_classes_touches_only_class_and_id_values() -> None:
    html = """<div class='a  b' id=a data-class="a">class="a" <p CLASS="c a">a</p></div>"""
    assert rename_classes(html, {"a": "x"}) == (
        """<div class='x b' id=x data-class="a">class="a" <p CLASS="c x">a</p></div>"""
    )


@pytest.mark.parametrize("name", NAMES)
def test_redesigned_fixture_gives_the_original_article(name: str) -> None:
    want = expected(name)
    item = parse_redesigned(name)
    precision, recall = paragraph_scores(item["body"], want["body"])
    assert precision >= 0.9 and recall >= 0.9, (precision, recall)
    assert GENERIC_BODY in item["extraction_warnings"]
    # on the saved fixtures every field comes back as the site's selectors read it
    for key in sorted(set(want) - {"extraction_warnings", "fetched_at"}):
        assert item[key] == want[key], key


@pytest.mark.parametrize("name", NAMES)
def test_no_related_headline_caption_or_credit_enters_the_generic_body(name: str) -> None:
    paragraphs = split_paragraphs(parse_redesigned(name)["body"])
    assert not any(
        site.CAPTION_PREFIX_RE.match(p)
        or site.CREDIT_LABEL_RE.match(p)
        or site.BACA_JUGA_RE.match(p)
        for p in paragraphs
    )
    assert not set().union(*map(noise_texts, fixture_pages(name))) & set(paragraphs)


def test_the_fixtures_do_carry_related_headlines_and_captions() -> None:
    """The check above is not vacuous: most fixtures hold noise a body must not take."""
    assert sum(bool(noise_texts(fixture_pages(name)[0])) for name in NAMES) >= len(NAMES) - 2


@pytest.mark.parametrize("name", NAMES)
def test_original_fixtures_never_use_a_generic_source(name: str) -> None:
    url = article_page_url(expected(name)["url"], "all")
    item = parse_article(url, fixture_pages(name), fetched_at=WHEN)
    assert not [w for w in item.extraction_warnings if w.endswith(f":{GENERIC_SOURCE}")]


def test_fields_the_redesign_hides_fall_back_to_generic_sources() -> None:
    """Without JSON-LD, the title, the date and the authors come from any ``h1``, the first
    dateline and the author-page links; the lead image keeps its caption through og:image."""
    want = expected("no_jsonld")
    pages = [
        re.sub(r"<meta property=[\"']og:title[^>]*>", "", page) for page in redesigned("no_jsonld")
    ]
    pages = [re.sub(r"<meta property=[\"']article:published_time[^>]*>", "", p) for p in pages]
    item = parse_article(want["url"], pages, fetched_at=WHEN)
    assert item.title == want["title"] and item.published_at == want["published_at"]
    assert item.authors == want["authors"]
    assert item.lead_image is not None and item.lead_image.caption == want["lead_image"]["caption"]
    for field in ("title", "published_at", "authors", "body"):
        assert f"fallback:{field}:{GENERIC_SOURCE}" in item.extraction_warnings


def test_lead_image_without_structured_data_is_the_captioned_picture_above_the_body() -> None:
    want = expected("caption_credit_shapes")
    item = parse_redesigned("caption_credit_shapes")
    assert item["lead_image"] == want["lead_image"]
    assert f"fallback:lead_image:{GENERIC_SOURCE}" in item["extraction_warnings"]


def test_logos_and_uncaptioned_pictures_are_no_lead_image() -> None:
    text = "<p>" + "Kalimat isi berita yang panjang. " * 5 + "</p>"
    html = (
        "<body><div><a href='/'><img src='https://x.id/logo.png'></a>"
        "<div><img src='https://x.id/ikon.png'></div>"
        f"<div>{text}<div><img src='https://x.id/isi.jpg'><p>VIVA Militer: Isi</p></div>{text}"
        "</div></div></body>"
    )
    item = parse_article("https://www.viva.co.id/militer/militer-dunia/1-x", [html])
    assert item.lead_image is None and [i.url for i in item.images] == ["https://x.id/isi.jpg"]


def test_editor_falls_back_to_the_editor_page_link() -> None:
    want = expected("two_authors_editor")
    page = re.sub(r'"editor":\s*\{[^}]*\},?', "", redesigned("two_authors_editor")[0])
    assert '"editor"' not in page
    assert parse_article(want["url"], [page]).editor == want["editor"]


def with_article_body(html: str, text: str) -> str:
    """``html`` whose JSON-LD ``NewsArticle`` carries ``articleBody``."""
    return html.replace(
        '"@type": "NewsArticle",', f'"@type": "NewsArticle", "articleBody": {json.dumps(text)},', 1
    )


def test_generic_body_comes_before_jsonld_article_body() -> None:
    """JSON-LD ``articleBody`` is one string: often without paragraph breaks, never with the
    pictures; the generic body keeps both, so it is tried first."""
    want = expected("simple")
    flat = " ".join(split_paragraphs(want["body"]))
    page = with_article_body(redesigned("simple")[0], flat)
    assert ArticlePage(page, "").jsonld_body() == flat
    item = parse_article(want["url"], [page])
    assert item.body == want["body"] and GENERIC_BODY in item.extraction_warnings


def test_jsonld_article_body_when_the_generic_extraction_finds_nothing() -> None:
    want = expected("simple")
    page = with_article_body(redesigned("simple")[0], want["body"])
    page = re.sub(r"<body>.*</body>", "<body><p>Kosong</p></body>", page, flags=re.DOTALL)
    item = parse_article(want["url"], [page])
    assert item.body == want["body"] and "fallback:body:jsonld" in item.extraction_warnings


SAMPLE = sample_articles(datetime(2026, 3, 1, 12, tzinfo=WIB))


@pytest.mark.parametrize("spec", SAMPLE, ids=[str(s.article_id) for s in SAMPLE])
def test_redesigned_sample_site_articles_keep_their_body(spec: ArticleSpec) -> None:
    """The sample site's articles (one page, partial ``?page=all`` with pages 2..N, whole
    ``?page=all``), renamed: same body, same in-body pictures."""
    for variant in range(3):
        spec = dataclasses.replace(spec, variant=variant)
        rendered = {
            key: rename_classes(html, ARTICLE_CLASS_RENAMES)
            for key, html in render_article_pages(spec).items()
        }
        first = ArticlePage(rendered["all"], "")
        pages = [rendered["all"]] + [rendered[n] for n in pages_to_fetch(first)]
        item = parse_article(spec.canonical + "?page=all", pages)
        want = expected_fields(spec)
        assert item.body == want["body"], variant
        assert [dataclasses.asdict(i) for i in item.images] == want["images"]
        assert GENERIC_BODY in item.extraction_warnings


HOSTILE = {
    "empty body": "<html><head><title>x</title></head><body></body></html>",
    "only links": "<html><body>"
    + "".join(
        f'<div><a href="/militer/militer-dunia/{n}-judul">Judul berita yang cukup panjang {n}'
        f"</a></div><p><a href='/x/{n}'>Berita lain yang juga cukup panjang nomor {n}</a></p>"
        for n in range(500)
    )
    + "</body></html>",
    # libxml2 keeps 255 levels: what lies deeper is not in the document at all
    "nested divs": "<html><body>" + "<div>" * 20_000 + "<p>" + "kata " * 50 + "</p>" + "</body>",
    "nested inline": "<p>" + "<span><a>" * 5000 + "teks " * 40,
    "chrome only": "<body><header><p>"
    + "kata " * 100
    + "</p></header><footer><p>"
    + "kata " * 100
    + "</p></footer><nav><p>"
    + "kata " * 100
    + "</p></nav></body>",
    "image gallery": "<body><div>"
    + "".join(f"<span><img src='https://x.id/{n}.jpg'></span>" for n in range(5000))
    + "</div><p>Foto</p></body>",
    "sign-up box only": "<body><div><p>Dapatkan berita militer terbaru setiap hari di kotak"
    " masuk Anda.</p><form><input name='email'><button>Daftar</button></form></div></body>",
    "form box": "<body><div><form><p>" + "isi formulir " * 40 + "</p><input></form></div></body>",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_pages_give_no_generic_body_and_never_raise(name: str) -> None:
    html = HOSTILE[name]
    root = parse_html(html)
    body = extract_generic_body(root, "") if root is not None else None
    item = parse_article("https://www.viva.co.id/militer/militer-dunia/1-x", [html])
    assert body is None or not body.paragraphs
    assert item.body == "" and "missing:body" in item.extraction_warnings


def test_deeply_nested_text_is_found() -> None:
    html = "<html><body>" + "<div>" * 240 + "<p>" + "kata " * 50 + "</p>" + "</body>"
    item = parse_article("https://www.viva.co.id/militer/militer-dunia/1-x", [html])
    assert item.body == " ".join(["kata"] * 50)


def test_huge_flat_page_keeps_every_paragraph() -> None:
    """20,000 paragraphs side by side: one pass each way, the whole body back."""
    paragraphs = [f"Paragraf nomor {n} berisi kalimat yang cukup panjang." for n in range(20_000)]
    html = "<html><body><div>" + "".join(f"<p>{p}</p>" for p in paragraphs) + "</div></body>"
    item = parse_article("https://www.viva.co.id/militer/militer-dunia/1-x", [html])
    assert split_paragraphs(item.body) == paragraphs
    assert GENERIC_BODY in item.extraction_warnings


LONG = "Kalimat artikel yang cukup panjang untuk dihitung. "
RELATED_LIST = (
    "<div><ul><li><a href='/a'>Berita terkait satu yang panjang</a></li>"
    "<li><a href='/b'>Berita terkait dua yang panjang</a></li></ul></div>"
)


@pytest.mark.parametrize("body_class", ["main-content-detail", "rd-article-body"])
def test_a_gallery_of_thousands_in_the_body_reads_each_wrapper_once(body_class: str) -> None:
    """5,000 pictures in one wrapper without text: linear (quadratic took minutes)."""
    gallery = "".join(f"<span><img src='https://x.id/{n}.jpg'></span>" for n in range(5000))
    html = f"<body><div class='{body_class}'><p>{LONG * 3}</p><div>{gallery}</div></div></body>"
    item = parse_article("https://www.viva.co.id/militer/militer-dunia/1-x", [html])
    assert item.body == normalize_text(LONG * 3)
    assert len(item.images) == 5000


def generic_paragraphs(html: str) -> list[str]:
    root = parse_html(html)
    assert root is not None
    return extract_generic_body(root, "").paragraphs


def test_body_split_in_blocks_is_joined_without_the_links_between() -> None:
    html = (
        f"<body><div><div><p>Awal {LONG * 3}</p></div><div><p>Tengah {LONG}</p>"
        f"<p>Tengah {LONG * 2}</p></div>{RELATED_LIST}<div><p>Akhir {LONG * 3}</p></div></div>"
        f"<p>Komentar pembaca {LONG}</p></body>"
    )
    assert [p.split()[0] for p in generic_paragraphs(html)] == ["Awal", "Tengah", "Tengah", "Akhir"]


def test_a_second_block_joins_the_best_one_but_not_what_lies_beyond() -> None:
    html = (
        f"<body><div><div><p>Pembuka situs</p></div><div><p>Awal {LONG * 6}</p></div>"
        f"{RELATED_LIST}<div><p>Akhir {LONG * 2}</p></div><div><p>Bagikan</p></div></div></body>"
    )
    assert [p.split()[0] for p in generic_paragraphs(html)] == ["Awal", "Akhir"]


def test_redesigned_multipage_article_merges_as_the_original() -> None:
    """Pages of a few short paragraphs (the last one two words long), in every order the
    crawl may fetch them: one body, teasers and repeated pages removed, as the site's path."""
    pages = {
        key: rename_classes(html, ARTICLE_CLASS_RENAMES)
        for key, html in render_article_pages(SPEC).items()
    }
    want = expected_fields(SPEC)["body"]
    for sequence in (
        [pages[1], pages[2], pages[3]],
        [pages["all"], pages[2], pages[3]],
        [pages["all"]],
        [pages["all"], pages["all"]],
    ):
        item = parse_article(SPEC.canonical + "?page=all", sequence)
        assert item.body == want and GENERIC_BODY in item.extraction_warnings
        assert "..." not in item.body and "Judul Terkait" not in item.body


_WORDS = st.sampled_from(
    ["prajurit", "kapal", "rudal", "latihan", "pasukan", "udara", "menyatakan", "bahwa", "TNI"]
)
_PARAGRAPH = st.lists(_WORDS, min_size=8, max_size=25).map(" ".join)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    paragraphs=st.lists(_PARAGRAPH, min_size=2, max_size=12, unique=True),
    cuts=st.lists(st.integers(1, 11), max_size=3, unique=True),
    partial=st.booleans(),
    variant=st.integers(0, 5),
)
def test_redesigned_rendered_pages_round_trip(
    paragraphs: list[str], cuts: list[int], partial: bool, variant: int
) -> None:
    """Any article the sample site renders, split over pages any way, renamed: same body."""
    bounds = [0, *sorted(c for c in cuts if c < len(paragraphs)), len(paragraphs)]
    spec = ArticleSpec(
        article_id=1800000 + variant,
        subchannel="militer-indonesia",
        slug="uji-properti",
        title="Judul Uji",
        pages=tuple(tuple(paragraphs[a:b]) for a, b in itertools.pairwise(bounds)),
        published_at=datetime(2025, 7, 22, 17, 20, tzinfo=WIB),
        related=("Judul Terkait Pertama Yang Panjang", "Judul Terkait Kedua Yang Panjang"),
        partial_all=partial,
        variant=variant,
    )
    rendered = {
        k: rename_classes(v, ARTICLE_CLASS_RENAMES) for k, v in render_article_pages(spec).items()
    }
    first = ArticlePage(rendered["all"], "")
    pages = [rendered["all"]] + [rendered[n] for n in pages_to_fetch(first)]
    item = parse_article(spec.canonical + "?page=all", pages)
    assert item.body == expected_fields(spec)["body"]
