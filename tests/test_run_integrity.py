"""The runs journal tells the truth: a crawl that loses its lock stops, a live run is never
marked interrupted, a site that answers nothing useful or a WARC disk that fills up gives a
``failed`` run (and the lost captures are taken again), and no password leaks on the way."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from crawler import site
from crawler.arguments import WIB
from crawler.outcome import outcome_from_stats
from crawler.warc.reader import read_page
from storage.config import error_summary, mask_url
from storage.engine import get_session_factory
from storage.models import ArticleRevision, CrawlRun
from tests.crawling import (
    FAST_SETTINGS,
    REPO_ROOT,
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
from tests.databases import postgres_schema_url, skip_without_postgres
from tests.locking import take_lock_away
from viva_militer_archive.crawl_stats.keys import DISCOVERY_FAILED_PREFIX, DISCOVERY_OK, LOST_LOCK
from viva_militer_archive.sample_site.catalog import sample_articles
from viva_militer_archive.sample_site.server import SampleSite
from viva_militer_archive.scheduling.health import HealthPolicy, health_warnings

FAST = [item for key, value in FAST_SETTINGS.items() for item in ("-s", f"{key}={value}")]


@pytest.fixture
def now() -> datetime:
    return datetime.now(WIB).replace(microsecond=0)


@pytest.fixture
def sample(now: datetime) -> Iterator[SampleSite]:
    with SampleSite(
        sample_articles(now), today=now.date(), listing_size=3, index_page_size=2
    ) as served:
        yield served


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A PostgreSQL archive schema (for what only PostgreSQL has: passwords, advisory locks)."""
    skip_without_postgres()
    with postgres_schema_url() as url:
        yield url


def day(value: datetime) -> str:
    return value.astimezone(WIB).date().isoformat()


def path_of(spec_url: str) -> str:
    return spec_url.split("viva.co.id", 1)[1]


def run_articles(url: str, run_id: int) -> int:
    """Revisions a run wrote."""
    with get_session_factory(url)() as session:
        stmt = select(func.count()).where(ArticleRevision.crawl_run_id == run_id)
        return int(session.scalar(stmt) or 0)


# -- the lock is held for real -------------------------------------------------------------------


@pytest.mark.slow
def test_a_crawl_that_loses_its_lock_stops_and_a_second_crawl_leaves_it_alone(
    sample: SampleSite, archive_url: str, now: datetime, tmp_path: Path
) -> None:
    since = day(now - timedelta(days=10))
    sample.latency = 0.5  # the whole backfill would take ~20 s: it is stopped long before
    log = tmp_path / "first.log"
    slow = {"CONCURRENT_REQUESTS": "1", "STORE_BATCH_SIZE": "1"}
    with log.open("w") as out:
        first = subprocess.Popen(
            crawl_command("mode=backfill", f"since={since}", settings=slow),
            env=crawl_env(sample.base_url, archive_url),
            cwd=REPO_ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while not articles(archive_url) and first.poll() is None:
            assert time.monotonic() < deadline, "the first crawl stored nothing"
            time.sleep(0.1)
        take_lock_away(archive_url, "crawl-backfill")
        # A second crawl of the same mode gets the lock meanwhile; the first run is alive.
        second = crawl(sample.base_url, archive_url, "mode=backfill", f"since={day(now)}")
        first.wait(timeout=120)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    output = log.read_text()
    assert first.returncode == 1, output[-3000:]
    assert "Traceback" not in output, output[-3000:]
    assert second.returncode == 0, describe(second)
    assert "as interrupted" not in second.stderr, "the first crawl's process was alive"
    first_run, second_run = runs(archive_url)
    assert (first_run.status, first_run.finish_reason) == ("failed", LOST_LOCK)
    assert (second_run.status, second_run.finish_reason) == ("finished", "finished")
    # The first run's counters are recorded, and it stopped before fetching everything.
    assert first_run.requests > 0 and first_run.articles_new >= 1
    assert first_run.articles_new == run_articles(archive_url, first_run.id)
    assert first_run.articles_new < len(sample.articles)

    sample.latency = 0
    done = crawl(sample.base_url, archive_url, "mode=backfill", f"since={since}")
    assert done.returncode == 0, describe(done)
    assert set(articles(archive_url)) == set(sample.articles)
    for article_id in sample.articles:
        assert [r.revision for r in revisions(archive_url, article_id)] == [1]
    assert "interrupted" not in {run.status for run in runs(archive_url)}


# -- outcome truth ------------------------------------------------------------------------------


class _AlwaysFails(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(500)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def failing_site() -> Iterator[str]:
    """A loopback site answering 500 to every request."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _AlwaysFails)
    server.daemon_threads = True
    Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.slow
def test_a_site_answering_500_everywhere_fails_the_run_with_a_health_warning(
    failing_site: str, database_url: str
) -> None:
    daemon = subprocess.run(
        [sys.executable, "scheduler.py", "--once", "--jobs", "latest", "--max-failures", "1",
         *FAST],
        cwd=REPO_ROOT,
        env={**os.environ, "VIVA_BASE_URL": failing_site, "DATABASE_URL": database_url},
        capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert daemon.returncode == 1, daemon.stderr[-3000:]
    discovery = 2 + len(site.LISTING_PATHS)  # sitemap index, news sitemap, the listings
    (run,) = runs(database_url)
    assert (run.status, run.finish_reason) == (
        "failed",
        f"site unreachable: no discovery request succeeded (500 x {discovery})",
    )
    assert run.articles_new == 0 and run.responses_5xx > 0
    assert "Health: 1 latest runs failed in a row" in daemon.stderr


def test_outcome_follows_what_happened() -> None:
    answered = {"finish_reason": "finished", "downloader/response_count": 9}
    assert outcome_from_stats({**answered, DISCOVERY_OK: 1}).status == "finished"
    mixed = {**answered, DISCOVERY_OK: 1, f"{DISCOVERY_FAILED_PREFIX}500": 3}
    assert outcome_from_stats(mixed).status == "finished", "one listing answered: not unreachable"
    nothing = {
        **answered,
        f"{DISCOVERY_FAILED_PREFIX}503": 2,
        f"{DISCOVERY_FAILED_PREFIX}TimeoutError": 1,
    }
    failed = outcome_from_stats(nothing)
    assert (failed.status, failed.exit_code, failed.reason) == (
        "failed", 1, "site unreachable: no discovery request succeeded (503 x 2, TimeoutError x 1)",
    )  # fmt: skip
    lost = outcome_from_stats({**answered, DISCOVERY_OK: 2, "warc/errors": 3})
    assert (lost.status, lost.exit_code) == ("failed", 1)
    assert lost.reason.startswith("WARC write errors: 3 pages not captured")


def test_health_warns_on_a_finished_run_with_many_errors() -> None:
    now = datetime(2026, 11, 25, 12, tzinfo=UTC)
    policy = HealthPolicy(error_share=0.2)

    def finished(errors: int, requests: int, status: str = "finished") -> CrawlRun:
        return CrawlRun(
            id=7, mode="recheck", status=status, articles_new=1, started_at=now, stats={},
            extraction_warnings=0, errors=errors, requests=requests,
        )  # fmt: skip

    noisy = finished(errors=30, requests=100)
    assert health_warnings([noisy], noisy, policy, now) == [
        "run 7 finished with 30 errors in 100 requests (30%)"
    ]
    quiet = finished(errors=20, requests=100)
    assert health_warnings([quiet], quiet, policy, now) == []
    assert health_warnings([quiet], quiet, HealthPolicy(error_share=0.1), now) != []
    idle = finished(errors=0, requests=0)
    assert health_warnings([idle], idle, policy, now) == []


@pytest.fixture
def small_warc_disk(tmp_path: Path) -> Iterator[Path]:
    """``$ARCHIVE_DIR`` on a 200 KiB tmpfs filled up but for about five article pages; the
    filler is removed by the test to "free the disk"."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs for the disk-full test needs root")
    warc_dir = Path(os.environ["ARCHIVE_DIR"])
    warc_dir.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=200k", "tmpfs", str(warc_dir)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        (warc_dir / "filler").write_bytes(b"\0" * (200 - 16) * 1024)
        yield warc_dir
    finally:
        subprocess.run(["umount", str(warc_dir)], check=True)


@pytest.mark.slow
def test_warc_disk_full_fails_the_run_and_the_next_run_completes_the_captures(
    sample: SampleSite, database_url: str, now: datetime, small_warc_disk: Path
) -> None:
    since = day(now - timedelta(days=10))
    done = crawl(sample.base_url, database_url, "mode=backfill", f"since={since}")
    assert done.returncode == 1, describe(done)
    run = last_run(database_url)
    assert run.status == "failed" and run.finish_reason.startswith("WARC write errors: ")
    assert stat(run, "warc/errors") > 0
    assert set(articles(database_url)) == set(sample.articles), "content is stored all the same"
    captured = {
        article_id: revisions(database_url, article_id)[0].warc_records
        for article_id in sample.articles
    }
    missing = {article_id for article_id, records in captured.items() if not records}
    assert missing and missing != set(sample.articles), "the disk filled up mid-run"

    (small_warc_disk / "filler").unlink()
    sample.hits.clear()
    again = crawl(sample.base_url, database_url, "mode=backfill", f"since={since}")
    assert again.returncode == 0, describe(again)
    assert last_run(database_url).status == "finished"
    refetched = {hit.path for hit in sample.article_hits()}
    assert refetched == {path_of(sample.articles[i].canonical) for i in missing}
    for article_id in sample.articles:
        (revision,) = revisions(database_url, article_id)  # no extra revision
        assert revision.warc_records, f"article {article_id} still has no capture"
        for location in revision.warc_records:
            assert read_page(small_warc_disk, location).html


# -- no secret in argv or output ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("postgresql+psycopg://u:pw@h/db", "postgresql+psycopg://u:***@h/db"),
        ("postgresql://h/db?password=pw", "postgresql://h/db?password=***"),
        ("postgresql://u@h/db?sslpassword=pw&sslmode=require", "sslpassword=***"),
        ("postgresql://u@h/db?Token=pw", "Token=***"),
        ("postgresql://u@h/db?api_key=pw", "api_key=***"),
        ("postgresql://u@h/db?client_secret=pw", "client_secret=***"),
        ("postgresql://u@h/db?passwd=pw&pwd=pw", "passwd=***&pwd=***"),
        ("no url at all://u:pw@h?secret=pw", "no url at all://u:***@h?secret=***"),
        ("sqlite:///data/archive.sqlite3", "sqlite:///data/archive.sqlite3"),
    ],
)
def test_mask_url_hides_every_password_form(url: str, masked: str) -> None:
    assert masked in mask_url(url)
    assert "pw" not in mask_url(url).replace("pwd", "")


def test_error_summary_masks_a_quoted_connection_string() -> None:
    error = ValueError("invalid dsn: host=h password='p w' user=u\nmore")
    assert error_summary(error) == "invalid dsn: host=h password=*** user=u"


@pytest.mark.slow
def test_a_password_query_parameter_appears_nowhere_when_the_database_is_unreachable(
    tmp_path: Path,
) -> None:
    secret = f"pw-{uuid.uuid4().hex}"
    url = f"postgresql+psycopg://postgres@127.0.0.1:1/test?password={secret}"
    env = {**os.environ, "DATABASE_URL": url}
    for command in (
        crawl_command("mode=latest"),
        [sys.executable, "-m", "viva_militer_archive.cli.main", "crawl", "--mode", "latest"],
    ):
        done = subprocess.run(
            command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60,
            check=False,
        )  # fmt: skip
        assert done.returncode == 1, done.stderr[-2000:]
        assert secret not in done.stdout + done.stderr
        assert "Traceback" not in done.stderr
        assert "127.0.0.1:1/test?password=***" in done.stderr


@pytest.mark.slow
def test_a_password_query_parameter_is_masked_in_the_run_start_line(
    sample: SampleSite, postgres_url: str
) -> None:
    secret = f"pw-{uuid.uuid4().hex}"  # the test server trusts loopback: any password works
    url = make_url(postgres_url).update_query_dict({"password": secret})
    database_url = url.render_as_string(hide_password=False)
    target = sample.articles[min(sample.articles)].canonical
    done = crawl(sample.base_url, database_url, f"urls={target}")
    assert done.returncode == 0, describe(done)
    assert secret not in done.stdout + done.stderr
    started = next(line for line in done.stderr.splitlines() if "Crawl run 1 started" in line)
    assert "password=***" in started


@pytest.mark.slow
def test_scheduler_children_get_the_database_url_through_the_environment(
    sample: SampleSite, postgres_url: str
) -> None:
    secret = f"pw-{uuid.uuid4().hex}"
    database_url = make_url(postgres_url).set(password=secret).render_as_string(hide_password=False)
    sample.latency = 0.2
    daemon = subprocess.Popen(
        [sys.executable, "scheduler.py", "--once", "--jobs", "latest", *FAST],
        cwd=REPO_ROOT,
        env={**os.environ, "VIVA_BASE_URL": sample.base_url, "DATABASE_URL": database_url},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    seen: set[tuple[int, str]] = set()  # every command line a child showed (before/after exec)
    try:
        while daemon.poll() is None:
            seen.update(children_command_lines(daemon.pid).items())
            time.sleep(0.05)
        output = daemon.communicate(timeout=60)[0]
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait()
    assert daemon.returncode == 0, output[-3000:]
    crawls = [line for _, line in seen if "viva_militer" in line]
    assert crawls, f"no crawl child seen: {seen}"
    assert all(secret not in line for _, line in seen), crawls
    assert "DATABASE_URL" not in " ".join(crawls)
    assert secret not in output
    assert runs(database_url)[0].status == "finished"


def children_command_lines(parent: int) -> dict[int, str]:
    """``{pid: command line}`` of the processes whose parent is ``parent``."""
    found: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rpartition(")")[2].split()[1])
            if ppid == parent:
                found[int(entry.name)] = (
                    (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                )
        except (OSError, ValueError, IndexError):
            continue
    return found
