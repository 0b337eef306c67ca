"""Property-based fuzzing with hostile input: mutated real article pages through the parser and
the crawl's item pipelines, hostile URLs through canonicalization.

The parser may raise only :class:`NotAnArticle`; whatever it returns is either dropped by the
validate pipeline with a counted reason or accepted by the store's strict check, so nothing the
databases cannot hold gets past the pipelines. URL functions return None for what they cannot
use; only ``article_page_url`` raises (``ValueError`` for a bad page number)."""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from crawler.extraction import PARSER_VERSION, NotAnArticle, parse_article
from crawler.items import CrawledArticle
from crawler.normalize import normalize_item
from crawler.pipelines.validate import ValidatePipeline
from crawler.site import DEFAULT_BASE_URL
from crawler.urls import (
    article_id_from_url,
    article_page_url,
    article_parts,
    canonical_article_url,
    to_base_url,
)
from storage.validation import check_item
from tests.test_extraction import FIXTURES, NAMES, fixture_pages

FETCHED = datetime(2026, 1, 1, tzinfo=UTC)
FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
OUTCOMES: Counter[str] = Counter()
"""What the hostile inputs came to, by outcome. ``FUZZ_EXAMPLES=2000 python -m pytest -s
tests/test_fuzz_parser.py`` runs more examples and prints this table at the end."""

TOKEN_RE = re.compile(r"<[^>]*>|[^<]+")
ISO_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?(?:[+-]\d{2}:\d{2}|Z)?")
ARTICLE_ID_RE = re.compile(r"(/militer/[a-z0-9-]+/)(\d+)(-)")


@pytest.fixture(scope="module", autouse=True)
def _outcome_report() -> Iterator[None]:
    """With ``FUZZ_EXAMPLES`` set (a long run), print how many hostile inputs came to what."""
    yield
    if os.environ.get("FUZZ_EXAMPLES"):
        print(f"\nhostile inputs by outcome ({sum(OUTCOMES.values())} in all, none unhandled):")
        for outcome, count in OUTCOMES.most_common():
            print(f"  {outcome:<28} {count:>6}")


PAGES = {name: fixture_pages(name) for name in NAMES}
URLS = {
    name: json.loads((FIXTURES / f"{name}.expected.json").read_text(encoding="utf-8"))["url"]
    for name in NAMES
}

HUGE_NUMBERS = st.one_of(
    st.sampled_from([str(2**63 - 1), str(2**63), str(2**64), "9" * 40, "0", "00", "-1"]),
    st.integers(0, 10**30).map(str),
)
OFFSETS = st.integers(-(24 * 60 - 1), 24 * 60 - 1).map(lambda m: timezone(timedelta(minutes=m)))
DATES = st.one_of(
    st.datetimes(datetime(1, 1, 1), datetime(9999, 12, 31, 23, 59), timezones=OFFSETS).map(
        lambda d: d.isoformat()
    ),
    st.sampled_from(
        [
            "0001-01-01T00:30:00+07:00",
            "9999-12-31T23:59:00-12:00",
            "9999-12-31T23:59:59+00:00",
            "1989-12-31T23:59:59Z",
            "2025-02-30T10:00:00+07:00",
            "2025-13-01T00:00:00",
            "2025-03-14T25:61:00+07:00",
            "Senin, 1 Januari 0001 - 00:30 WIB",
            "Jumat, 31 Desember 9999 - 23:59 WIT",
            "Selasa, 22 Juli 2025 - 17:20 WIB",
        ]
    ),
    st.text(max_size=30),
)
ODD_TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=60) | st.sampled_from(
    ["\x00", "\u202e", "\ufeff", "\u0000\u0000", "&#0;", "&#x10FFFF;", "&#99999999;", "\ud7ff"]
)
TAGS = st.sampled_from(
    [
        "<div>", "</div>", "<p>", "</p>", "<br>", "</html>", "<body>", "<!--", "-->",
        "<![CDATA[", "<table><tr><td>", '<h1 class="main-content-title">', "</h1>",
        '<div class="main-content-detail">', '<div class="main-content-date">',
        '<script type="application/ld+json">', "</script>", '<a href="javascript:alert(1)">',
        '<img src="data:,x">', '<img class="lazy" data-original="http://[::1">',
        '<link rel="canonical" href="http://example.com/militer/x/1-a">',
        '<meta property="article:published_time" content="9999-12-31T23:59:00+07:00">',
        '<div class="topic-list-container"><a href="/tag/x">' + "#panjang" * 80 + "</a></div>",
    ]
)  # fmt: skip
DEEP = st.one_of(
    st.integers(10, 3000).map(lambda n: "<div>" * n),
    st.integers(10, 20_000).map(
        lambda n: (
            '<script type="application/ld+json">{"@type": "NewsArticle", "headline": '
            + "[" * n
            + "]" * n
            + "}</script>"
        )
    ),
)
INDEX = st.integers(0, 10**6)
MUTATION = st.one_of(
    st.tuples(st.just("delete"), INDEX),
    st.tuples(st.just("duplicate"), INDEX),
    st.tuples(st.just("swap"), INDEX, INDEX),
    st.tuples(st.just("insert"), INDEX, TAGS | ODD_TEXT | DEEP),
    st.tuples(st.just("date"), INDEX, DATES),
    st.tuples(st.just("id"), HUGE_NUMBERS),
)


def mutate(html: str, mutations: list[tuple[Any, ...]]) -> str:
    """``html`` with each mutation applied: tags and text runs deleted, duplicated, swapped or
    inserted; a date or the article ids replaced."""
    for kind, *args in mutations:
        tokens = TOKEN_RE.findall(html) or [""]
        if kind == "date":
            dates = list(ISO_DATE_RE.finditer(html))
            if dates:
                hit = dates[args[0] % len(dates)]
                html = html[: hit.start()] + args[1] + html[hit.end() :]
            continue
        if kind == "id":
            html = ARTICLE_ID_RE.sub(rf"\g<1>{args[0]}\g<3>", html)
            continue
        i = args[0] % len(tokens)
        if kind == "delete":
            del tokens[i]
        elif kind == "duplicate":
            tokens.insert(i, tokens[i])
        elif kind == "swap":
            j = args[1] % len(tokens)
            tokens[i], tokens[j] = tokens[j], tokens[i]
        else:
            tokens.insert(i, args[1])
        html = "".join(tokens)
    return html


def through_pipelines(item: Any) -> str:
    """Validate ``item`` as the crawl does; ``stored`` when the store's strict check accepts
    the result, else the counted drop reason. The crawl does not normalize: normalizing (as an
    import does) must leave a parsed item unchanged."""
    crawled = CrawledArticle.of(item, parser_version=PARSER_VERSION, warc_records=[])
    parsed = ItemAdapter(crawled).asdict()
    assert ItemAdapter(normalize_item(crawled, DEFAULT_BASE_URL)).asdict() == parsed
    try:
        ValidatePipeline(None).process_item(crawled)
    except DropItem as exc:
        reason = str(exc).split(":", 1)[0]
        assert reason.startswith(("missing ", "invalid ", "article id does not match")), exc
        return reason
    check_item(ItemAdapter(crawled).asdict())  # raises InvalidItem: the test fails
    return "stored"


@FUZZ
@given(
    name=st.sampled_from(sorted(URLS)),
    mutations=st.lists(MUTATION, min_size=1, max_size=8),
    url_id=st.none() | HUGE_NUMBERS,
)
def test_mutated_pages_parse_and_pass_or_drop_cleanly(
    name: str, mutations: list[tuple[Any, ...]], url_id: str | None
) -> None:
    url = URLS[name]
    if url_id is not None:
        url = ARTICLE_ID_RE.sub(rf"\g<1>{url_id}\g<3>", url)
    pages = [mutate(page, mutations) for page in PAGES[name]]
    try:
        item = parse_article(url, pages, fetched_at=FETCHED)
    except NotAnArticle:
        OUTCOMES["not an article"] += 1
        return
    OUTCOMES[through_pipelines(item)] += 1


CLASS_ATTR_RE = re.compile(r"""\sclass\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+)""", re.IGNORECASE)


def strip_classes(html: str) -> str:
    """``html`` without any ``class`` attribute: no site selector matches, the generic
    extraction reads every field the JSON-LD and meta tags do not give."""
    return CLASS_ATTR_RE.sub("", html)


@FUZZ
@given(
    name=st.sampled_from(sorted(URLS)),
    mutations=st.lists(MUTATION, max_size=8),
    url_id=st.none() | HUGE_NUMBERS,
)
def test_mutated_pages_without_classes_parse_and_pass_or_drop_cleanly(
    name: str, mutations: list[tuple[Any, ...]], url_id: str | None
) -> None:
    url = URLS[name]
    if url_id is not None:
        url = ARTICLE_ID_RE.sub(rf"\g<1>{url_id}\g<3>", url)
    pages = [mutate(strip_classes(page), mutations) for page in PAGES[name]]
    try:
        item = parse_article(url, pages, fetched_at=FETCHED)
    except NotAnArticle:
        OUTCOMES["not an article (no classes)"] += 1
        return
    OUTCOMES[through_pipelines(item) + " (no classes)"] += 1


def test_unmutated_fixtures_are_stored() -> None:
    """The baseline the fuzzing departs from: every fixture passes as it is."""
    for name, url in URLS.items():
        item = parse_article(url, PAGES[name], fetched_at=FETCHED)
        assert through_pipelines(item) in ("stored", "missing title"), name


HOSTS = st.sampled_from(
    [
        "www.viva.co.id", "viva.co.id", "beta.viva.co.id", "WWW.VIVA.CO.ID.", "example.com",
        "www.viva.co.id.evil.com", "user:pass@www.viva.co.id", "[::1", "[::1]", "xn--", "",
        "a" * 300 + ".com", "ｗｗｗ.viva.co.id", "www.viva.co.id:99999", "www.viva.co.id:-1",
        "www.viva.co.id:abc", "www.viva.co.id:0", "%00", "127.0.0.1:8080", "\x00",
    ]
)  # fmt: skip
PATHS = st.one_of(
    st.builds(
        lambda amp, sub, number, slug: f"{amp}/militer/{sub}/{number}-{slug}",
        st.sampled_from(["", "/amp", "/AMP", "//"]),
        st.sampled_from(["militer-dunia", "MILITER-INDONESIA", "x" * 500, "a-", "-"]),
        HUGE_NUMBERS,
        st.sampled_from(["judul-berita", "%2F..%2F", "a/b", "\x00", "?#", "é" * 300])
        | st.text(max_size=20),
    ),
    st.text(max_size=60),
)
HOSTILE_URLS = st.text(max_size=200) | st.builds(
    lambda scheme, host, path, query, fragment: f"{scheme}{host}{path}{query}{fragment}",
    st.sampled_from(
        ["https://", "http://", "HTTP://", "ftp://", "javascript:", "data:", "//", "", "h:"]
    ),
    HOSTS,
    PATHS,
    st.sampled_from(["", "?page=all", "?page=-1", "?page=" + "9" * 40, "?utm_source=x&&"])
    | st.text(max_size=30).map(lambda t: "?" + t),
    st.sampled_from(["", "#x", "#" + "\u202e" * 3]),
)


@FUZZ
@given(url=HOSTILE_URLS, page=st.sampled_from(["all", 1, 2, 0, -1, "x", "9" * 30]))
def test_hostile_urls_give_none_or_a_canonical_url(url: str, page: int | str) -> None:
    canonical = canonical_article_url(url, DEFAULT_BASE_URL)
    assert canonical is None or canonical.startswith(DEFAULT_BASE_URL + "/militer/")
    parts = article_parts(url, DEFAULT_BASE_URL)
    assert (parts is None) == (canonical is None)
    article_id = article_id_from_url(url)
    assert article_id is None or article_id >= 0
    moved = to_base_url(url, DEFAULT_BASE_URL)
    assert moved is None or moved.startswith(DEFAULT_BASE_URL)
    OUTCOMES["url canonical" if canonical else "url refused"] += 1
    if canonical is not None:
        assert canonical_article_url(canonical, DEFAULT_BASE_URL) == canonical  # idempotent
        try:
            paged = article_page_url(canonical, page)
        except ValueError:
            OUTCOMES["page refused"] += 1
        else:
            assert canonical_article_url(paged, DEFAULT_BASE_URL) == canonical
