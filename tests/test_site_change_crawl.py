"""Real crawls of a sample site that changed under the archive (six days, 29 articles): listing
rows redesigned (discovery by URL shape), bot challenges on article pages and everywhere, and a
real article that merely talks about captchas. On SQLite and on PostgreSQL."""

from __future__ import annotations

import subprocess
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from urllib.parse import urlsplit

import pytest

from crawler.arguments import WIB
from tests.cli_helpers import viva
from tests.crawling import articles, crawl, describe, last_run, stat
from tests.test_site_change_blocking import MENTIONS
from viva_militer_archive.crawl_stats import keys
from viva_militer_archive.sample_site.catalog import generated_articles, make_article
from viva_militer_archive.sample_site.render import ArticleSpec
from viva_militer_archive.sample_site.server import SampleSite

pytestmark = pytest.mark.slow

DAYS, LIVE = 6, 29
FIRST_ID = 1_950_000
FAST_BACKOFF = {"BACKOFF_BASE_DELAY": "0.05"}


@pytest.fixture
def yesterday() -> date:
    return datetime.now(WIB).date() - timedelta(days=1)


def six_days(yesterday: date) -> list[ArticleSpec]:
    """29 articles over the six days up to yesterday, and three of today (outside the
    backfill, but in the redesigned listings' popular sidebar)."""
    today = datetime.combine(yesterday + timedelta(days=1), time(0, 5), WIB)
    return [
        *generated_articles(LIVE, yesterday, per_day=5, first_id=FIRST_ID),
        *(make_article(FIRST_ID + 100 + n, today + timedelta(minutes=n)) for n in range(3)),
    ]


@pytest.fixture
def sample(yesterday: date) -> Iterator[SampleSite]:
    site = SampleSite(six_days(yesterday), today=yesterday + timedelta(days=1), index_page_size=2)
    with site:
        yield site


def backfill(
    site: SampleSite, database_url: str, yesterday: date, mode: str = "backfill"
) -> subprocess.CompletedProcess[str]:
    """A crawl of the six days up to yesterday (``mode=backfill``, or ``recheck`` of them)."""
    since = (yesterday - timedelta(days=DAYS - 1)).isoformat()
    return crawl(
        site.base_url,
        database_url,
        f"mode={mode}",
        f"since={since}",
        f"until={yesterday.isoformat()}",
        settings=FAST_BACKOFF,
    )


def in_range(site: SampleSite) -> set[int]:
    return {i for i in site.articles if i < FIRST_ID + LIVE}


def test_listing_redesign_backfill_finds_the_days_articles_by_url_shape(
    sample: SampleSite, database_url: str, yesterday: date
) -> None:
    sample.redesign = "listing"
    done = backfill(sample, database_url, yesterday)
    assert "Traceback" not in done.stderr, describe(done)
    archived = set(articles(database_url))
    assert len(archived) >= 27, describe(done)
    assert archived == in_range(sample), "exactly the days' articles: none from the sidebar"
    run = last_run(database_url)
    assert stat(run, keys.DISCOVERY_URL_SHAPE_PAGES) >= DAYS
    assert not stat(run, keys.DISCOVERY_ROW_PAGES)
    assert not stat(run, keys.DISCOVERY_EMPTY_PAGES)
    assert stat(run, keys.DISCOVERY_URL_SHAPE_PAGES) == stat(run, keys.LISTING_PAGES)
    assert {h.query for h in sample.hits if h.path.startswith("/indeks/")} >= {"page=2", "page=3"}
    assert done.stderr.count("Listing markup may have changed") == 1, "logged once, then counted"


def test_unchanged_listings_count_row_pages_and_empty_days(
    sample: SampleSite, database_url: str, yesterday: date
) -> None:
    for spec in [s for s in sample.articles.values() if s.published_at.date() == yesterday]:
        sample.remove(spec.article_id)  # yesterday is now an empty day
    done = backfill(sample, database_url, yesterday)
    assert done.returncode == 0, describe(done)
    run = last_run(database_url)
    assert stat(run, keys.DISCOVERY_EMPTY_PAGES) == 1
    assert stat(run, keys.DISCOVERY_ROW_PAGES) == stat(run, keys.LISTING_PAGES) - 1
    assert not stat(run, keys.DISCOVERY_URL_SHAPE_PAGES)


def test_challenge_on_article_pages_is_counted_blocked_never_parsed(
    sample: SampleSite, database_url: str, yesterday: date
) -> None:
    sample.redesign = "challenge"
    done = backfill(sample, database_url, yesterday)
    assert "Traceback" not in done.stderr, describe(done)
    assert articles(database_url) == {}
    run = last_run(database_url)
    assert stat(run, keys.BLOCKED_ARTICLE_PAGES) == LIVE, "every article page, once"
    assert stat(run, keys.blocked_kind_key("challenge")) == LIVE
    assert not stat(run, keys.BLOCKED_DISCOVERY_PAGES)
    assert stat(run, keys.DISCOVERY_OK) and not stat(run, keys.discovery_failed_key("blocked"))
    assert stat(run, "backoff_retry/count") == 2 * LIVE, "each retried twice with backoff"
    assert stat(run, "backoff_retry/reason_count/blocked challenge") == 2 * LIVE
    assert not stat(run, keys.ARTICLES_PARSED), "a challenge is never parsed as an article"
    assert run.dropped_reasons == {} and run.articles_gone == 0
    asked = Counter(h.path for h in sample.article_hits())
    assert len(asked) == LIVE and set(asked.values()) == {3}
    assert done.stderr.count("Blocked: ") == 1, "logged once per kind, then counted"


def test_a_challenge_on_recheck_marks_nothing_gone(
    sample: SampleSite, database_url: str, yesterday: date
) -> None:
    assert backfill(sample, database_url, yesterday).returncode == 0
    assert set(articles(database_url)) == in_range(sample)
    removed = min(in_range(sample))
    sample.remove(removed)
    for redesign, status in (("challenge", 200), ("challenge-all", 403)):
        sample.redesign = redesign
        sample.hits.clear()
        done = backfill(sample, database_url, yesterday, "recheck")
        assert "Traceback" not in done.stderr, describe(done)
        assert {h.status for h in sample.article_hits()} == {status}
        run = last_run(database_url)
        assert stat(run, keys.BLOCKED_ARTICLE_PAGES) == LIVE, redesign
        assert run.articles_gone == 0 and run.articles_updated == 0, redesign
        assert {a.status for a in articles(database_url).values()} == {"live"}, redesign
    sample.redesign = None
    assert backfill(sample, database_url, yesterday, "recheck").returncode == 0
    assert articles(database_url)[removed].status == "gone", "once the site answers, it is seen"


def test_a_challenge_everywhere_is_no_successful_discovery(
    sample: SampleSite, database_url: str
) -> None:
    sample.redesign = "challenge-all"
    done = crawl(sample.base_url, database_url, "mode=latest", settings=FAST_BACKOFF)
    assert done.returncode != 0, describe(done)
    assert "Traceback" not in done.stderr
    run = last_run(database_url)
    assert run.status != "finished"
    discovery = [h for h in sample.hits if h.path != "/robots.txt"]
    assert {h.status for h in discovery} == {403}
    pages = len({(h.path, h.query) for h in discovery})
    assert stat(run, keys.BLOCKED_DISCOVERY_PAGES) == pages == 4  # sitemaps and two listings
    assert stat(run, keys.discovery_failed_key("blocked")) == pages
    assert not stat(run, keys.DISCOVERY_OK)
    assert articles(database_url) == {}


def test_an_article_about_captchas_and_cloudflare_is_archived(
    sample: SampleSite, database_url: str
) -> None:
    spec = sample.articles[FIRST_ID]
    first, *rest = spec.pages[0]
    talk = replace(
        spec,
        title="Situs TNI Pasang Captcha Cloudflare: Just a Moment Bikin Warganet Bingung",
        pages=((MENTIONS, first, *rest),),
    )
    sample.add(talk)
    done = crawl(sample.base_url, database_url, f"urls={talk.canonical}")
    assert done.returncode == 0, describe(done)
    assert articles(database_url)[FIRST_ID].title == talk.title
    run = last_run(database_url)
    assert not any(key.startswith(keys.BLOCKED_PREFIX) for key in run.stats or {})
    assert [urlsplit(talk.canonical).path] == [h.path for h in sample.article_hits()]


def test_without_retries_a_challenge_is_counted_blocked_at_once(
    sample: SampleSite, database_url: str
) -> None:
    sample.redesign = "challenge"
    wanted = [sample.articles[FIRST_ID + n] for n in range(2)]
    done = crawl(
        sample.base_url,
        database_url,
        "urls=" + ",".join(spec.canonical for spec in wanted),
        settings={"RETRY_ENABLED": "0"},
    )
    assert "Traceback" not in done.stderr, describe(done)
    run = last_run(database_url)
    assert stat(run, keys.BLOCKED_ARTICLE_PAGES) == 2 and not stat(run, "backoff_retry/count")
    assert len(sample.article_hits()) == 2 and articles(database_url) == {}


# -- the same run says so: the runs journal, /healthz -------------------------------------------


def health(database_url: str) -> tuple[int, list[str]]:
    """``/healthz`` of the web reader on this archive: status code and warnings."""
    from fastapi.testclient import TestClient

    from viva_militer_archive.web.app import create_app

    response = TestClient(create_app(database_url)).get("/healthz")
    return response.status_code, response.json()["warnings"]


def test_listing_redesign_makes_healthz_name_discovery_in_the_same_run(
    sample: SampleSite, database_url: str, yesterday: date
) -> None:
    sample.redesign = "listing"
    done = backfill(sample, database_url, yesterday)
    assert done.returncode == 0, describe(done)
    run = last_run(database_url)
    assert run.status == "finished" and run.articles_new >= 27
    status, warnings = health(database_url)
    assert status == 503, "the fallback found everything, but someone must update the selectors"
    assert any("listing markup changed: discovery by URL shape on" in w for w in warnings)
    assert "listing markup changed: discovery by URL shape" in done.stderr


def test_challenge_on_article_pages_fails_the_run_with_the_reason(
    sample: SampleSite, database_url: str, yesterday: date
) -> None:
    sample.redesign = "challenge"
    done = backfill(sample, database_url, yesterday)
    assert done.returncode == 1, describe(done)
    run = last_run(database_url)
    assert run.status == "failed"
    assert run.finish_reason == (
        f"blocked: {LIVE} of {LIVE} article pages answered a bot challenge (challenge {LIVE})"
    )
    status, warnings = health(database_url)
    assert status == 503
    assert any(f"blocked: {LIVE} of {LIVE} article pages" in w for w in warnings)
    assert {a.status for a in articles(database_url).values()} <= {"live"}


def test_article_redesign_archives_through_fallbacks_and_says_so_in_the_same_run(
    sample: SampleSite, database_url: str, yesterday: date
) -> None:
    """Every class of the article template renamed (URLs, JSON-LD, meta tags unchanged): the
    generic fallbacks archive the articles as the site's own selectors would have."""
    from viva_militer_archive.sample_site.expected import expected_fields
    from viva_militer_archive.sample_site.redesign import paragraph_scores

    sample.redesign = "article"
    done = backfill(sample, database_url, yesterday)
    assert done.returncode == 0, describe(done)
    archived = articles(database_url)
    assert len(archived) >= 27, describe(done)
    for article_id, article in archived.items():
        want = expected_fields(sample.articles[article_id])
        assert article.title == want["title"]
        assert article.published_at == sample.articles[article_id].published_at
        precision, recall = paragraph_scores(article.body, want["body"])
        assert recall >= 0.9 and precision >= 0.9, (article_id, precision, recall)
        assert "fallback:body:generic" in article.extraction_warnings
    run = last_run(database_url)
    assert run.status == "finished"
    status, warnings = health(database_url)
    assert status == 503
    assert any("article markup changed: fields read from fallbacks (" in w for w in warnings), (
        warnings
    )
    assert any("body in 2" in w for w in warnings), warnings
    assert "article markup changed" in done.stderr, "the crawl's own log says it too"


def test_combined_redesign_still_archives_and_names_both_changes(
    sample: SampleSite, database_url: str, yesterday: date
) -> None:
    sample.redesign = "combined"
    done = backfill(sample, database_url, yesterday)
    assert done.returncode == 0, describe(done)
    assert len(articles(database_url)) >= 27
    shown = viva("--database-url", database_url, "runs")
    assert "article markup changed" in shown.stdout and "listing markup changed" in shown.stdout


def test_a_broken_parser_fails_the_run_as_markup_changed(
    sample: SampleSite, database_url: str, yesterday: date
) -> None:
    """The first real run with a wrong selector is a redesign too: blind, failed, exit 1."""
    from tests.blind_parser import SETTINGS

    since = (yesterday - timedelta(days=DAYS - 1)).isoformat()
    done = crawl(
        sample.base_url, database_url, "mode=backfill", f"since={since}",
        f"until={yesterday.isoformat()}", settings=SETTINGS,
    )  # fmt: skip
    assert done.returncode == 1, describe(done)
    run = last_run(database_url)
    assert run.status == "failed"
    assert run.finish_reason.startswith(
        f"markup changed: {LIVE} of {LIVE} article pages yielded no article (missing title {LIVE})"
    )
    assert articles(database_url) == {}
