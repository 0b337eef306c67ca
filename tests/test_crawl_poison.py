"""A real crawl of a site where good articles sit among poisoned ones (impossible dates, an
overlong subchannel, JSON-LD nested thousands of levels deep): every good article is archived
exactly once, each poisoned one costs only itself with a counted reason, and the run finishes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from crawler.arguments import WIB
from crawler.dates import format_datetime
from tests.crawling import articles, crawl, describe, last_run, revisions, stat
from viva_militer_archive.sample_site.catalog import make_article, sample_articles
from viva_militer_archive.sample_site.render import ArticleSpec, render_article_pages
from viva_militer_archive.sample_site.server import SampleSite

pytestmark = pytest.mark.slow  # a real subprocess crawl


def with_dates(value: str) -> Callable[[ArticleSpec, str], str]:
    """The page with ``value`` as its structured publication date (JSON-LD and meta)."""
    return lambda spec, page: page.replace(format_datetime(spec.published_at) or "", value)


def with_deep_jsonld(depth: int, key: str = "about") -> Callable[[ArticleSpec, str], str]:
    """The page's JSON-LD with ``key`` holding ``depth`` nested arrays (placed after the real
    ``author``, so a duplicate key wins)."""
    nested = f'"{key}": ' + "[" * depth + "]" * depth + ", "
    return lambda spec, page: page.replace('"keywords": ', nested + '"keywords": ', 1)


def test_poisoned_articles_cost_only_themselves(database_url: str) -> None:
    now = datetime.now(WIB).replace(microsecond=0)
    good = sample_articles(now)
    poisoned = {
        "year_9999": with_dates("9999-12-31T23:59:00+07:00"),
        "year_0001": with_dates("0001-01-01T00:30:00+07:00"),
        "deep_jsonld": with_deep_jsonld(50_000),
        "deep_jsonld_author": with_deep_jsonld(600, key="author"),
        "modified_9999": lambda spec, page: page,
        "nul_headline": lambda spec, page: page.replace(
            f'"headline": "{spec.title}"', f'"headline": "\\u0000{spec.title}"'
        ),
    }
    specs = {
        name: make_article(1_940_000 + n, now - timedelta(hours=3 + n))
        for n, name in enumerate(poisoned)
    }
    specs["modified_9999"] = replace(
        specs["modified_9999"], modified_at=datetime(9999, 1, 1, tzinfo=WIB)
    )
    long_sub = replace(make_article(1_949_999, now - timedelta(hours=1)), subchannel="x" * 500)
    site = SampleSite([*good, *specs.values(), long_sub], today=now.date(), index_page_size=5)
    with site:
        for name, spec in specs.items():
            page = render_article_pages(replace(spec, base_url=site.base_url))["all"]
            site.set_raw(spec.canonical.split("viva.co.id")[1], poisoned[name](spec, page))
        since = (now - timedelta(days=11)).date().isoformat()
        done = crawl(site.base_url, database_url, "mode=backfill", f"since={since}")

    assert done.returncode == 0, describe(done)
    archived = articles(database_url)
    survivors = {"deep_jsonld", "deep_jsonld_author", "modified_9999", "nul_headline"}
    expected = {a.article_id for a in good} | {specs[name].article_id for name in survivors}
    assert set(archived) == expected
    for article_id in expected:
        assert [r.revision for r in revisions(database_url, article_id)] == [1]
    for name in ("deep_jsonld", "deep_jsonld_author"):
        row = archived[specs[name].article_id]
        assert row.title == specs[name].title, "the DOM gave the article"
        assert "fallback:title:dom" in row.extraction_warnings
        assert row.published_at == specs[name].published_at
    modified = archived[specs["modified_9999"].article_id]
    assert modified.modified_at is None and "invalid:modified_at" in modified.extraction_warnings
    assert archived[specs["nul_headline"].article_id].title == specs["nul_headline"].title
    run = last_run(database_url)
    assert run.dropped_reasons == {"invalid_published_at": 2, "invalid_subchannel": 1}
    assert (run.status, run.articles_new, run.articles_dropped) == ("finished", len(expected), 3)
    assert stat(run, "extract/invalid/modified_at") == 1
    assert stat(run, "archive/store_errors") is None
