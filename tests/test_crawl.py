"""End-to-end crawls: real Scrapy in a child process, the sample site on loopback, a real
archive on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from datetime import time as dt_time
from pathlib import Path

import pytest

from crawler.arguments import WIB
from storage.locks import NamedLock
from tests.crawling import (
    articles,
    crawl,
    crawl_command,
    crawl_env,
    describe,
    last_run,
    revisions,
    runs,
    stat,
)
from viva_militer_archive.sample_site.catalog import make_article, sample_articles
from viva_militer_archive.sample_site.render import expected_fields
from viva_militer_archive.sample_site.server import SampleSite

pytestmark = pytest.mark.slow  # real subprocess crawls of the sample site

BROKEN_PAGE = (
    "<html><head><title>VIVA</title></head><body><div class='main-content-detail'>"
    "<p>VIVA – Halaman ini rusak dan tidak memiliki judul.</p></div></body></html>"
)


@pytest.fixture
def now() -> datetime:
    return datetime.now(WIB).replace(microsecond=0)


@pytest.fixture
def sample(now: datetime) -> Iterator[SampleSite]:
    site = SampleSite(sample_articles(now), today=now.date(), listing_size=3, index_page_size=2)
    with site:
        yield site


def day(value: datetime) -> str:
    return value.astimezone(WIB).date().isoformat()


def latest_expected(site: SampleSite) -> set[int]:
    """What a latest run should find: the news sitemap's days plus the top of each listing."""
    first_day = site.today - timedelta(days=site.news_days - 1)
    recent = {a.article_id for a in site.live() if a.published_at.date() >= first_day}
    tops = set()
    for sub in ("militer-dunia", "militer-indonesia"):
        listed = [a.article_id for a in site.live() if a.subchannel == sub]
        tops |= set(listed[: site.listing_size])
    return recent | tops


def test_latest_archives_new_articles_then_fetches_nothing(
    sample: SampleSite, database_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "out.jsonl"
    done = crawl(sample.base_url, database_url, "mode=latest", "-O", str(out))
    assert done.returncode == 0, describe(done)
    expected = latest_expected(sample)
    archived = articles(database_url)
    assert set(archived) == expected
    for article_id in expected:
        spec, row = sample.articles[article_id], archived[article_id]
        want = expected_fields(replace(spec, base_url=sample.base_url))
        assert row.url == want["url"]
        assert (row.title, row.body, row.page_count) == (
            want["title"],
            want["body"],
            want["page_count"],
        )
        assert row.authors == want["authors"] and row.tags == want["tags"]
        assert [r.revision for r in revisions(database_url, article_id)] == [1]
    items = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted(item["article_id"] for item in items) == sorted(expected)
    assert all(item["url"].startswith(sample.base_url + "/militer/") for item in items)
    run = last_run(database_url)
    assert (run.mode, run.status, run.finish_reason, run.articles_new) == (
        "latest", "finished", "finished", len(expected),
    )  # fmt: skip
    assert run.requests > 0 and run.responses_2xx > 0 and run.finished_at is not None

    sample.hits.clear()
    again = crawl(sample.base_url, database_url, "mode=latest")
    assert again.returncode == 0, describe(again)
    assert sample.article_hits() == [], "nothing new: no article page may be requested"
    assert {hit.path for hit in sample.hits} >= {"/sitemap.xml", "/sitemap/news/militer.xml"}
    assert last_run(database_url).articles_new == 0


def test_multi_page_articles_are_whole(sample: SampleSite, database_url: str) -> None:
    partial, whole = sorted(sample.articles)[1], sorted(sample.articles)[6]
    targets = f"urls={sample.articles[partial].canonical},{sample.articles[whole].canonical}"
    done = crawl(sample.base_url, database_url, targets)
    assert done.returncode == 0, describe(done)
    archived = articles(database_url)
    for article_id in (partial, whole):
        want = expected_fields(sample.articles[article_id])
        assert archived[article_id].body == want["body"]
        assert archived[article_id].page_count == 2
    fetched = {(h.path, h.query) for h in sample.article_hits()}
    partial_path = sample.articles[partial].canonical.split("viva.co.id")[1]
    whole_path = sample.articles[whole].canonical.split("viva.co.id")[1]
    assert (partial_path, "page=2") in fetched, "a partial ?page=all continues on ?page=2"
    assert {q for p, q in fetched if p == whole_path} == {"page=all"}


@pytest.fixture
def crowded_day(now: datetime) -> Iterator[SampleSite]:
    """The sample site plus three articles on one day three days back (whatever the time of
    day), so that day's index needs a second page (two links a page)."""
    busy = datetime.combine((now - timedelta(days=3)).date(), dt_time(10), WIB)
    extra = [make_article(1_920_100 + n, busy + timedelta(hours=n)) for n in range(3)]
    site = SampleSite(
        [*sample_articles(now), *extra], today=now.date(), listing_size=3, index_page_size=2
    )
    with site:
        yield site


def test_backfill_walks_date_indexes_newest_first_and_resumes(
    crowded_day: SampleSite, database_url: str, now: datetime
) -> None:
    sample = crowded_day
    since, until = now - timedelta(days=5), now - timedelta(days=1)
    in_range = {
        a.article_id for a in sample.live() if day(since) <= day(a.published_at) <= day(until)
    }
    one_at_a_time = {"CONCURRENT_REQUESTS": "1", "CONCURRENT_REQUESTS_PER_DOMAIN": "1"}
    done = crawl(
        sample.base_url, database_url, "mode=backfill", f"since={day(since)}",
        f"until={day(until)}", settings=one_at_a_time,
    )  # fmt: skip
    assert done.returncode == 0, describe(done)
    assert set(articles(database_url)) == in_range
    index_days = [h.path for h in sample.hits if h.path.startswith("/indeks/") and not h.query]
    assert index_days == sorted(index_days, reverse=True), "newest day first"
    assert len(index_days) == 5
    assert any(h.query == "page=2" for h in sample.hits if h.path.startswith("/indeks/"))

    sample.hits.clear()
    wider = crawl(
        sample.base_url, database_url, "mode=backfill", f"since={day(now - timedelta(days=7))}"
    )
    assert wider.returncode == 0, describe(wider)
    refetched = {h.path for h in sample.article_hits()} & {
        sample.articles[i].canonical.split("viva.co.id")[1] for i in in_range
    }
    assert refetched == set(), "archived articles are not fetched again"
    assert set(articles(database_url)) == {
        a.article_id for a in sample.live() if day(a.published_at) >= day(now - timedelta(days=7))
    }


def test_interrupted_backfill_is_marked_and_finished_by_the_next_run(
    sample: SampleSite, database_url: str, now: datetime
) -> None:
    since = day(now - timedelta(days=10))
    slow = {"DOWNLOAD_DELAY": "0.4", "CONCURRENT_REQUESTS": "1", "STORE_BATCH_SIZE": "1"}
    process = subprocess.Popen(
        crawl_command("mode=backfill", f"since={since}", settings=slow),
        env=crawl_env(sample.base_url, database_url),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(articles_or_empty(database_url)) < 2:
            time.sleep(0.2)
    finally:
        process.kill()  # SIGKILL: no chance to clean up
        process.wait()
    stored_before = set(articles(database_url))
    assert 2 <= len(stored_before) < len(sample.articles)
    assert last_run(database_url).status == "running"

    sample.hits.clear()
    done = crawl(sample.base_url, database_url, "mode=backfill", f"since={since}")
    assert done.returncode == 0, describe(done)
    assert set(articles(database_url)) == set(sample.articles)
    refetched = {h.path for h in sample.article_hits()} & {
        sample.articles[i].canonical.split("viva.co.id")[1] for i in stored_before
    }
    assert refetched == set()
    for article_id in sample.articles:
        assert [r.revision for r in revisions(database_url, article_id)] == [1]
    statuses = [run.status for run in runs(database_url)]
    assert statuses == ["interrupted", "finished"]


def articles_or_empty(database_url: str) -> dict[int, object]:
    try:
        return articles(database_url)  # type: ignore[return-value]
    except Exception:  # schema not created yet by the child
        return {}


def test_recheck_records_edits_and_removals(
    sample: SampleSite, database_url: str, now: datetime
) -> None:
    since = day(now - timedelta(days=10))
    assert crawl(sample.base_url, database_url, "mode=backfill", f"since={since}").returncode == 0
    ids = sorted(sample.articles)
    edited_id, removed_id = ids[0], ids[2]
    edited = sample.edit(edited_id, title="Judul Diperbarui: " + sample.articles[edited_id].title)
    sample.remove(removed_id)
    before = articles(database_url)

    nothing_due = crawl(sample.base_url, database_url, "mode=recheck")
    assert nothing_due.returncode == 0, describe(nothing_due)
    assert last_run(database_url).requests <= 1, "just archived: nothing is due yet"

    done = crawl(sample.base_url, database_url, "mode=recheck", f"since={since}")
    assert done.returncode == 0, describe(done)
    after = articles(database_url)
    assert [r.title for r in revisions(database_url, edited_id)] == [
        before[edited_id].title, edited.title,
    ]  # fmt: skip
    assert after[edited_id].revision_count == 2
    assert after[removed_id].status == "gone" and after[removed_id].gone_at is not None
    assert after[removed_id].body == before[removed_id].body, "a gone article keeps its content"
    unchanged = set(ids) - {edited_id, removed_id}
    for article_id in unchanged:
        assert after[article_id].last_checked_at > before[article_id].last_checked_at
        assert after[article_id].revision_count == 1
    run = last_run(database_url)
    assert (run.articles_updated, run.articles_gone, run.articles_unchanged) == (
        1, 1, len(unchanged),
    )  # fmt: skip


def test_urls_mode_takes_any_variant(sample: SampleSite, database_url: str) -> None:
    spec = sample.articles[sorted(sample.articles)[4]]
    path = spec.canonical.split("viva.co.id")[1]
    variants = [
        f"https://viva.co.id{path}?medium=home&link=terbaru",
        f"http://beta.viva.co.id/amp{path}?utm_source=wa#komentar",
    ]
    done = crawl(sample.base_url, database_url, "urls=" + ",".join(variants))
    assert done.returncode == 0, describe(done)
    assert set(articles(database_url)) == {spec.article_id}
    assert [(h.path, h.query) for h in sample.article_hits()] == [(path, "page=all")]


def test_429_and_503_are_retried_with_backoff(sample: SampleSite, database_url: str) -> None:
    first, second = (sample.articles[i] for i in sorted(sample.articles)[:2])
    first_path = first.canonical.split("viva.co.id")[1]
    second_path = second.canonical.split("viva.co.id")[1]
    sample.inject(first_path, 429, Retry_After="1")
    sample.inject(second_path, 503)
    done = crawl(sample.base_url, database_url, f"urls={first.canonical},{second.canonical}")
    assert done.returncode == 0, describe(done)
    assert {first.article_id, second.article_id} <= set(articles(database_url))
    statuses = [(h.path, h.status) for h in sample.hits if h.path in (first_path, second_path)]
    assert statuses.count((first_path, 429)) == 1 and statuses.count((second_path, 503)) == 1
    run = last_run(database_url)
    assert stat(run, "backoff_retry/wait_seconds/429") == 1, "Retry-After: 1 was honoured"
    assert stat(run, "backoff_retry/count") == 2
    assert run.responses_4xx == 1 and run.responses_5xx == 1


def test_broken_page_is_dropped_with_reason_and_crawl_goes_on(
    sample: SampleSite, database_url: str, now: datetime
) -> None:
    broken = make_article(1_930_000, now - timedelta(hours=1))
    sample.add(broken)
    sample.set_raw(broken.canonical.split("viva.co.id")[1], BROKEN_PAGE)
    done = crawl(sample.base_url, database_url, "mode=latest")
    assert done.returncode == 0, describe(done)
    archived = articles(database_url)
    assert broken.article_id not in archived
    assert set(archived) == latest_expected(sample) - {broken.article_id}
    run = last_run(database_url)
    assert run.dropped_reasons.get("missing_title") == 1
    assert run.articles_dropped == 1 and run.status == "finished"
    assert stat(run, "extract/missing/title") == 1


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["mode=sideways"], "unknown mode 'sideways'"),
        (["mode=backfill"], "mode=backfill needs since=YYYY-MM-DD"),
        (["mode=backfill", "since=2026-13-01"], "since='2026-13-01' is not a date"),
        (["mode=backfill", "since=2026-05-02", "until=2026-05-01"], "is after until"),
        (["urls=https://example.com/militer/x/1-a"], "not a VIVA Militer article URL"),
    ],
)
def test_bad_arguments_exit_non_zero_with_one_line(
    arguments: list[str], message: str, tmp_path: Path
) -> None:
    database = f"sqlite:///{tmp_path / 'untouched.sqlite3'}"
    done = crawl("http://127.0.0.1:9", database, *arguments)
    assert done.returncode == 2, describe(done)
    errors = [line for line in done.stderr.splitlines() if "error" in line.lower()]
    assert len(errors) == 1 and message in errors[0], done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "untouched.sqlite3").exists(), "nothing ran"


def test_second_crawl_of_same_mode_exits_at_once(sample: SampleSite, archive_url: str) -> None:
    with NamedLock(archive_url, "crawl-latest"):
        started = time.monotonic()
        done = crawl(sample.base_url, archive_url, "mode=latest")
        assert done.returncode == 3, describe(done)
        assert "Another latest crawl is already running" in done.stderr
        assert time.monotonic() - started < 30
        assert sample.hits == [] and runs(archive_url) == []
        other = crawl(sample.base_url, archive_url, "urls=" + sample.live()[0].canonical)
        assert other.returncode == 0, "another mode is not blocked"


def test_robots_txt_is_obeyed(now: datetime, database_url: str) -> None:
    specs = sample_articles(now)
    forbidden = specs[0]
    path = forbidden.canonical.split("viva.co.id")[1]
    robots = f"User-agent: *\nDisallow: {path}\n"
    with SampleSite(specs, today=now.date(), listing_size=3, robots=robots) as site:
        done = crawl(site.base_url, database_url, "mode=latest")
        assert done.returncode == 0, describe(done)
        assert path not in {hit.path for hit in site.hits}
        archived = set(articles(database_url))
        assert forbidden.article_id not in archived and archived
    run = last_run(database_url)
    assert stat(run, "robotstxt/forbidden") == 1
    assert run.dropped_reasons == {"request_ignored_robots_txt": 1}
