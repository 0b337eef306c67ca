"""The known-articles middleware (crawler/known_articles.py) in real crawls: discovery skips
what the archive holds and counts it; each article is kept once per run; off, discovery fetches
everything again and a re-check has nothing to ask."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest

from crawler.arguments import WIB
from crawler.known_articles import DUPLICATE_IN_RUN
from tests.crawling import articles, crawl, describe, last_run, stat
from viva_militer_archive.crawl_stats import keys
from viva_militer_archive.sample_site.catalog import sample_articles
from viva_militer_archive.sample_site.server import SampleSite

pytestmark = pytest.mark.slow

OFF = {"KNOWN_ARTICLES_ENABLED": "False"}


@pytest.fixture
def sample() -> Iterator[SampleSite]:
    now = datetime.now(WIB).replace(microsecond=0)
    site = SampleSite(sample_articles(now), today=now.date(), listing_size=3, index_page_size=2)
    with site:
        yield site


def test_discovery_skips_archived_articles_unless_turned_off(
    sample: SampleSite, database_url: str
) -> None:
    first = crawl(sample.base_url, database_url, "mode=latest")
    assert first.returncode == 0, describe(first)
    archived = set(articles(database_url))
    run = last_run(database_url)
    assert stat(run, keys.ARTICLES_SEEN) == len(archived) and stat(run, keys.ARTICLES_KNOWN) == 0

    sample.hits.clear()
    again = crawl(sample.base_url, database_url, "mode=latest")
    assert again.returncode == 0, describe(again)
    assert sample.article_hits() == []
    run = last_run(database_url)
    # Counted per page of links: an archived article listed twice is asked about twice.
    assert stat(run, keys.ARTICLES_SEEN) == stat(run, keys.ARTICLES_KNOWN) >= len(archived)

    sample.hits.clear()
    everything = crawl(sample.base_url, database_url, "mode=latest", settings=OFF)
    assert everything.returncode == 0, describe(everything)
    fetched = {hit.path for hit in sample.article_hits()}
    assert len(fetched) == len(archived), "off: every discovered article is fetched again"
    run = last_run(database_url)
    assert (run.articles_new, run.articles_unchanged) == (0, len(archived))
    assert stat(run, keys.ARTICLES_SEEN) is None


def test_one_item_per_article_in_a_run(sample: SampleSite, database_url: str) -> None:
    spec = sample.live()[0]
    two_slugs = [spec.canonical, spec.canonical + "-salinan"]  # the site serves any slug
    done = crawl(sample.base_url, database_url, "urls=" + ",".join(two_slugs))
    assert done.returncode == 0, describe(done)
    assert len(sample.article_hits()) == 2, "both URLs fetched: the id repeats only in the item"
    assert set(articles(database_url)) == {spec.article_id}
    run = last_run(database_url)
    assert run.articles_new == 1
    assert stat(run, keys.dropped_key(DUPLICATE_IN_RUN)) == 1


def test_recheck_without_the_middleware_asks_nothing(sample: SampleSite, database_url: str) -> None:
    assert crawl(sample.base_url, database_url, "mode=latest").returncode == 0
    sample.hits.clear()
    done = crawl(sample.base_url, database_url, "mode=recheck", "since=2020-01-01", settings=OFF)
    assert "mode=recheck reads the archive: KNOWN_ARTICLES_ENABLED is off" in done.stderr
    assert sample.article_hits() == []
