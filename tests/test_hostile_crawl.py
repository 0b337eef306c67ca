"""Real crawls of a hostile loopback site (sample_site/hostile.py): bad links in discovery pages,
every kind of redirect, oversized bodies and a gzip bomb, and no listening socket. Each crawl
must archive every good article exactly once, store nothing foreign, count each hostile input
under its own reason and end ``finished`` with exit 0 (a dropped hostile page is no loss)."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import psutil
import pytest

from crawler.arguments import WIB
from crawler.site import LISTING_PATHS
from crawler.urls import MAX_ARTICLE_ID
from storage.models import CrawlRun
from tests.crawling import (
    REPO_ROOT,
    articles,
    crawl,
    crawl_command,
    crawl_env,
    describe,
    last_run,
    revisions,
)
from viva_militer_archive.sample_site.catalog import make_article, sample_articles
from viva_militer_archive.sample_site.hostile import (
    FOREIGN_TITLE_MARK,
    HostileSite,
    RawAnswer,
    bomb_page,
    foreign_copy,
    oversized_page,
)
from viva_militer_archive.sample_site.render import ArticleSpec
from viva_militer_archive.sample_site.server import SampleSite

pytestmark = pytest.mark.slow  # real subprocess crawls of hostile sites

SUB = "/militer/militer-dunia"
OFFSITE_ID, MOVED_ID, DUPLICATE_ID, CHAIN_ID = 1_930_020, 1_930_021, 1_930_022, 1_930_023
FTP_ID, JS_ID, LOOP_ID, SELF_ID = 1_930_024, 1_930_025, 1_930_026, 1_930_027
REFRESH_ID = 1_930_028
TARGET_ID, SLUG_ID, RECHECK_TARGET_ID = 1_930_050, 1_930_051, 1_930_052


@pytest.fixture
def now() -> datetime:
    return datetime.now(WIB).replace(microsecond=0)


@pytest.fixture
def foreign(now: datetime) -> Iterator[SampleSite]:
    """Another host (127.0.0.2) with other content at the paths of our hostile articles."""
    specs = [make_article(i, now) for i in (OFFSITE_ID, 1_930_012)]
    with foreign_copy(specs, today=now.date()) as site:
        yield site


def path_of(spec: ArticleSpec) -> str:
    return urlsplit(spec.canonical).path


def good_specs(now: datetime) -> list[ArticleSpec]:
    """The twelve sample articles and one whose id is the largest a database holds."""
    return [*sample_articles(now), make_article(MAX_ARTICLE_ID, now - timedelta(hours=3))]


def assert_archived_once(site: HostileSite, database_url: str, expected: set[int]) -> None:
    """Exactly ``expected`` is archived, each once (one revision), with its own content."""
    archived = articles(database_url)
    assert set(archived) == expected
    for article_id, row in archived.items():
        assert row.title == site.articles[article_id].title, "content of another page stored"
        assert not row.title.startswith(FOREIGN_TITLE_MARK)
        assert urlsplit(row.url).path == path_of(site.articles[article_id])
        assert [r.revision for r in revisions(database_url, article_id)] == [1]


def assert_clean_finish(done: subprocess.CompletedProcess[str], run: CrawlRun) -> None:
    """Hostile pages were dropped, nothing good was lost: ``finished``, exit 0, no traceback."""
    assert done.returncode == 0, describe(done)
    assert (run.status, run.finish_reason) == ("finished", "finished")
    assert "Traceback" not in done.stderr, describe(done)


# -- discovery: a bad link costs only itself ---------------------------------------------------

BAD_LINKS = {
    f"{SUB}/99999999999999999999-id-raksasa": "discovery_article_id_out_of_range",
    f"{SUB}/{MAX_ARTICLE_ID + 1}-id-lewat-batas": "discovery_article_id_out_of_range",
    "http://[::1/militer/militer-dunia/1930010-rusak": "discovery_malformed_url",
    "javascript:void(0)": "discovery_not_http",
    "ftp://127.0.0.1/militer/militer-dunia/1930011-ftp": "discovery_not_http",
    "{foreign}/militer/militer-dunia/1930012-asing": "discovery_offsite_host",
    SUB: "discovery_not_an_article",
}
"""Hostile hrefs put on every listing and date index page, with the reason each is dropped."""


def expected_drops(links: dict[str, str], pages: int) -> dict[str, int]:
    counts: dict[str, int] = {}
    for reason in links.values():
        counts[reason] = counts.get(reason, 0) + pages
    return counts


@pytest.mark.parametrize("mode", ["latest", "backfill"])
def test_bad_discovery_links_cost_only_themselves(
    now: datetime, foreign: SampleSite, database_url: str, mode: str
) -> None:
    links = {href.format(foreign=foreign.base_url): why for href, why in BAD_LINKS.items()}
    specs = good_specs(now)
    site = HostileSite(specs, today=now.date(), listing_size=20, index_page_size=4)
    site.hostile_links = list(links)
    huge = f"https://www.viva.co.id{SUB}/{10**30}-id-raksasa"
    site.sitemap_links = [huge, f"{foreign.base_url}{SUB}/1930012-asing"]
    since = f"since={(now - timedelta(days=11)).date().isoformat()}"
    with site:
        done = crawl(site.base_url, database_url, f"mode={mode}", *([since] * (mode == "backfill")))
    run = last_run(database_url)
    assert_clean_finish(done, run)
    assert_archived_once(site, database_url, {s.article_id for s in specs})
    discovery_pages = [
        hit
        for hit in site.hits
        if hit.status == 200 and (hit.path in LISTING_PATHS or hit.path.startswith("/indeks/"))
    ]
    want = expected_drops(links, len(discovery_pages))
    if mode == "latest":
        want["discovery_article_id_out_of_range"] += 1  # the news sitemap's two bad entries
        want["discovery_offsite_host"] += 1
    assert run.dropped_reasons == want
    assert foreign.hits == [], "the foreign host must never be contacted"


# -- redirects: only within the site, and content only under its own id ------------------------


def test_redirect_policy(now: datetime, foreign: SampleSite, database_url: str) -> None:
    good = sample_articles(now)
    duplicate_target = good[0]  # listed as well: fetched in the run anyway
    moved_to = make_article(TARGET_ID, now - timedelta(hours=4))  # reached only by a redirect
    renamed = make_article(SLUG_ID, now - timedelta(hours=5))  # linked by its old slug only
    site = HostileSite(
        [*good, moved_to, renamed],
        today=now.date(),
        listing_size=20,
        unlisted={TARGET_ID, SLUG_ID},
    )
    old_slug = f"{urlsplit(renamed.canonical).path.rsplit('-', 1)[0]}-judul-lama"
    loop_b = f"{SUB}/{LOOP_ID}-putar-b"
    redirects = {
        f"{SUB}/{OFFSITE_ID}-luar": f"{foreign.base_url}{path_of(foreign.articles[OFFSITE_ID])}",
        f"{SUB}/{FTP_ID}-ftp": "ftp://127.0.0.1/militer/berita",
        f"{SUB}/{JS_ID}-skrip": "javascript:alert(1)",
        f"{SUB}/{LOOP_ID}-putar": loop_b,
        loop_b: f"{SUB}/{LOOP_ID}-putar?page=all",
        f"{SUB}/{SELF_ID}-diri": f"{SUB}/{SELF_ID}-diri?page=all",
        f"{SUB}/{CHAIN_ID}-rantai": "/pindah/1",
        **{f"/pindah/{n}": f"/pindah/{n + 1}" for n in range(1, 8)},
        "/pindah/8": path_of(moved_to),
        f"{SUB}/{MOVED_ID}-pindah": f"{{base}}{path_of(moved_to)}",
        f"{SUB}/{DUPLICATE_ID}-ganda": path_of(duplicate_target),
        old_slug: f"{path_of(renamed)}?page=all",
    }
    foreign_page = f"{foreign.base_url}{path_of(foreign.articles[OFFSITE_ID])}"
    refresh = f'<html><head><meta http-equiv="refresh" content="0; url={foreign_page}"></head>'
    site.raw_answers[f"{SUB}/{REFRESH_ID}-segar"] = RawAnswer(refresh.encode())
    entries = [path for path in redirects if path != loop_b and not path.startswith("/pindah/")]
    site.hostile_links = [*entries, f"{SUB}/{REFRESH_ID}-segar"]
    with site:
        for path, location in redirects.items():
            site.redirect(path, location.format(base=site.base_url))
        done = crawl(site.base_url, database_url, "mode=latest")
        run = last_run(database_url)
        assert_clean_finish(done, run)
        assert_archived_once(
            site, database_url, {s.article_id for s in good} | {TARGET_ID, SLUG_ID}
        )
        assert run.dropped_reasons == {
            "redirect_offsite": 4,  # another host (by 301 and by meta refresh), ftp:, javascript:
            "redirect_loop": 2,  # A -> B -> A, and A -> A
            "redirect_too_many": 1,  # 8 hops, 5 allowed
            "article_redirected": 1,  # stored under the id it landed on
            "article_redirected_to_a_duplicate": 1,  # landed on an article the run has already
        }
        assert foreign.hits == [], "an off-site redirect must not be followed"
        # WARC keeps what was fetched: the landing page is the capture of the article stored.
        captured = revisions(database_url, TARGET_ID)[0].warc_records or []
        assert [urlsplit(record["uri"]).path for record in captured] == [path_of(moved_to)]

        # A recheck whose article now redirects to another one is no edit of it.
        recheck_from = good[2]
        elsewhere = make_article(RECHECK_TARGET_ID, now - timedelta(hours=6))
        site.add(elsewhere)
        site.unlisted.add(RECHECK_TARGET_ID)
        site.redirect(path_of(recheck_from), path_of(elsewhere))
        before = articles(database_url)[recheck_from.article_id]
        again = crawl(site.base_url, database_url, f"urls={site.base_url}{path_of(recheck_from)}")
        rerun = last_run(database_url)
    assert_clean_finish(again, rerun)
    assert rerun.dropped_reasons == {"article_redirected": 1}
    after = articles(database_url)
    assert RECHECK_TARGET_ID in after and after[RECHECK_TARGET_ID].title == elsewhere.title
    kept = after[recheck_from.article_id]
    assert (kept.title, kept.body, kept.status) == (before.title, before.body, "live")
    assert [r.revision for r in revisions(database_url, recheck_from.article_id)] == [1]


# -- download limits -----------------------------------------------------------------------------


def test_oversized_bodies_and_gzip_bomb_are_dropped(now: datetime, tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    good = sample_articles(now)[:2]
    site = HostileSite(good, today=now.date())
    hostile = {
        f"{SUB}/1930030-besar": oversized_page(),
        f"{SUB}/1930031-besar-mengalir": oversized_page(streamed=True),
        f"{SUB}/1930032-bom-gzip": bomb_page(),
    }
    site.raw_answers.update(hostile)
    with site:
        targets = [*(path_of(s) for s in good), *hostile]
        urls = "urls=" + ",".join(f"{site.base_url}{path}" for path in targets)
        done = crawl(site.base_url, database_url, urls)
    run = last_run(database_url)
    assert_clean_finish(done, run)
    assert_archived_once(site, database_url, {s.article_id for s in good})
    assert run.dropped_reasons == {"download_too_large": 3}
    for path in hostile:  # counted and logged once each
        assert done.stderr.count(f"{path}?page=all: download too large") == 1, describe(done)


# -- no listening socket -------------------------------------------------------------------------


def listening_while_crawling(site: SampleSite, database_url: str, *settings: str) -> set[str]:
    """Run a crawl, polling its process for sockets; the LISTEN addresses seen while it was
    talking to the site (asserted: the polls saw the crawl at work)."""
    extra = dict(s.split("=", 1) for s in settings)
    command = crawl_command("mode=latest", settings=extra)
    child = subprocess.Popen(
        command,
        env=crawl_env(site.base_url, database_url),
        cwd=REPO_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    listening: set[str] = set()
    talked_to_site = False
    site_port = urlsplit(site.base_url).port
    process = psutil.Process(child.pid)
    while child.poll() is None:
        try:
            for conn in process.net_connections(kind="inet"):
                if conn.status == psutil.CONN_LISTEN:
                    listening.add(f"{conn.laddr.ip}:{conn.laddr.port}")
                talked_to_site |= bool(conn.raddr) and conn.raddr.port == site_port
        except psutil.Error:  # it just ended
            break
        time.sleep(0.02)
    _, log = child.communicate(timeout=60)
    assert child.returncode == 0, log[-3000:]
    assert talked_to_site, "the polls never saw the crawl fetch anything"
    return listening


def test_crawl_opens_no_listening_socket(now: datetime, tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    with SampleSite(sample_articles(now), today=now.date(), latency=0.1) as site:
        assert listening_while_crawling(site, database_url) == set()
        # The probe can fail: with Scrapy's RemoteControl back on, it sees the listener.
        jobs = f"REMOTE_CONTROL_JOBS_DIR={tmp_path / 'jobs'}"
        assert listening_while_crawling(site, database_url, "REMOTE_CONTROL_ENABLED=True", jobs)
