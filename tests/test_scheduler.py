"""The scheduler daemon for real: ``python scheduler.py`` against the sample site on loopback."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from crawler.arguments import WIB
from storage.engine import get_session_factory
from storage.migrate import upgrade
from storage.models import CrawlRun
from storage.runs import RunJournal
from tests.crawling import FAST_SETTINGS, REPO_ROOT, runs
from viva_militer_archive.sample_site.catalog import sample_articles
from viva_militer_archive.sample_site.server import SampleSite
from viva_militer_archive.scheduling.health import HealthPolicy, health_warnings

FAST = [item for key, value in FAST_SETTINGS.items() for item in ("-s", f"{key}={value}")]


@pytest.fixture
def sample() -> Iterator[SampleSite]:
    now = datetime.now(WIB)
    with SampleSite(sample_articles(now), today=now.date(), listing_size=3) as site:
        yield site


def start_daemon(base_url: str, database_url: str, *options: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "scheduler.py", *options, *FAST],
        cwd=REPO_ROOT,
        env={**os.environ, "VIVA_BASE_URL": base_url, "DATABASE_URL": database_url},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def run_daemon(base_url: str, database_url: str, *options: str) -> subprocess.CompletedProcess[str]:
    daemon = start_daemon(base_url, database_url, *options)
    out, _ = daemon.communicate(timeout=180)
    return subprocess.CompletedProcess(daemon.args, daemon.returncode, out, "")


def wait_for(condition: Callable[[], bool], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.2)


def safe_runs(database_url: str) -> list[CrawlRun]:
    try:
        return runs(database_url)
    except Exception:  # the daemon has not created the schema yet
        return []


def stop(daemon: subprocess.Popen[str]) -> tuple[int, str, float]:
    started = time.monotonic()
    daemon.send_signal(signal.SIGTERM)
    out, _ = daemon.communicate(timeout=60)
    return daemon.returncode, out, time.monotonic() - started


@pytest.mark.slow
def test_recurring_runs_never_overlap_and_sigterm_ends_cleanly(
    sample: SampleSite, database_url: str
) -> None:
    sample.latency = 0.05
    daemon = start_daemon(sample.base_url, database_url, "--every", "1s", "--jobs", "latest")
    try:
        wait_for(lambda: sum(r.status == "finished" for r in safe_runs(database_url)) >= 3, 90)
    finally:
        code, out, seconds = stop(daemon)
    assert code == 0, out
    assert seconds < 15, f"SIGTERM took {seconds:.1f}s"
    recorded = runs(database_url)
    assert all(run.status != "running" for run in recorded)
    assert recorded[0].articles_new > 0 and all(r.articles_new == 0 for r in recorded[1:3])
    spans = [(r.started_at, r.finished_at) for r in recorded if r.finished_at]
    for (_, end), (start, _) in itertools.pairwise(spans):
        assert start >= end, "two latest runs overlapped"
    assert out.count("Run latest started") >= 3
    assert "Run latest ended: finished (finished)" in out
    assert "Scheduler stopped" in out


@pytest.mark.slow
def test_sigterm_during_a_crawl_stops_it_and_records_it(
    sample: SampleSite, database_url: str
) -> None:
    sample.latency = 1.0
    daemon = start_daemon(sample.base_url, database_url, "--every", "1h", "--jobs", "latest")
    try:
        wait_for(lambda: any(r.status == "running" for r in safe_runs(database_url)))
        wait_for(lambda: len(sample.hits) >= 2)
    finally:
        code, out, seconds = stop(daemon)
    assert code == 0, out
    assert seconds < 20, f"SIGTERM took {seconds:.1f}s"
    (run,) = runs(database_url)
    assert run.status == "interrupted", (run.status, run.finish_reason, out)


@pytest.mark.slow
def test_time_limit_stops_a_hung_crawl_and_records_timeout(
    sample: SampleSite, database_url: str
) -> None:
    sample.latency = 3.0
    done = run_daemon(
        sample.base_url,
        database_url,
        "--once",
        "--jobs",
        "latest",
        "--timeout",
        "4s",
        "--grace",
        "3s",
    )
    assert done.returncode == 124, done.stdout
    (run,) = runs(database_url)
    assert (run.status, run.finish_reason) == ("failed", "timeout")
    assert "exceeded its 4s limit" in done.stdout


@pytest.mark.slow
def test_once_runs_each_job_and_warns_on_markup_drift(
    sample: SampleSite, database_url: str
) -> None:
    for spec in list(sample.articles.values()):
        sample.add(replace(spec, jsonld=False))  # the live site dropped its structured data
    done = run_daemon(sample.base_url, database_url, "--once", "--jobs", "latest,recheck,backfill")
    assert done.returncode == 0, done.stdout
    recorded = runs(database_url)
    assert [r.mode for r in recorded] == ["latest", "recheck", "backfill"]
    assert all(r.status == "finished" for r in recorded)
    assert "extraction warnings (the site's markup may have changed)" in done.stdout


@pytest.mark.slow
def test_failing_runs_exit_non_zero_and_raise_a_health_warning(database_url: str) -> None:
    unreachable = "http://127.0.0.1:9"
    first = run_daemon(
        unreachable, database_url, "--once", "--jobs", "latest", "--max-failures", "2"
    )
    assert first.returncode == 1, first.stdout
    assert "Health:" not in first.stdout
    second = run_daemon(
        unreachable, database_url, "--once", "--jobs", "latest", "--max-failures", "2"
    )
    assert second.returncode == 1
    assert "Health: 2 latest runs failed in a row" in second.stdout
    assert [(r.status, r.finish_reason) for r in runs(database_url)] == [
        ("failed", "site unreachable: no response at all")
    ] * 2


@pytest.mark.slow
def test_a_run_left_by_a_crash_is_marked_interrupted_at_start(
    sample: SampleSite, database_url: str
) -> None:
    upgrade(database_url)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    crashed = RunJournal(database_url).start("latest", {"mode": "latest"})
    with get_session_factory(database_url).begin() as session:
        session.get(CrawlRun, crashed).pid = dead.pid  # type: ignore[union-attr]
    done = run_daemon(sample.base_url, database_url, "--once", "--jobs", "recheck")
    assert done.returncode == 0, done.stdout
    statuses = {r.id: r.status for r in runs(database_url)}
    assert statuses[crashed] == "interrupted"
    assert f"Marked runs [{crashed}] as interrupted" in done.stdout


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--every", "5x"], "--every '5x' is not a duration"),
        (["--cron", "61 * * * *"], "--cron '61 * * * *' is not a cron expression"),
        (["--jobs", "latest,nightly"], "--jobs 'latest,nightly': choose from"),
        (["--timeout", "0s"], "--timeout '0s' is not a duration"),
    ],
)
def test_invalid_schedules_exit_at_once_with_one_line(options: list[str], message: str) -> None:
    done = subprocess.run(
        [sys.executable, "scheduler.py", *options],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and message in done.stderr, done.stderr
    assert done.stdout == ""


def _run(mode: str, status: str, new: int, started: datetime, **extra: object) -> CrawlRun:
    fields: dict[str, object] = {"extraction_warnings": 0, "stats": {}, **extra}
    return CrawlRun(mode=mode, status=status, articles_new=new, started_at=started, **fields)


def test_health_rules() -> None:
    now = datetime(2026, 11, 25, 12, tzinfo=UTC)
    policy = HealthPolicy(max_failures=2, stale_after=timedelta(hours=6))
    quiet = [_run("latest", "finished", 0, now - timedelta(hours=h)) for h in (1, 3, 5)]
    productive = _run("latest", "finished", 4, now - timedelta(hours=7))
    assert health_warnings([*quiet, productive], None, policy, now) == [
        "latest runs have found no new article for 7.0h"
    ]
    assert health_warnings([*quiet[:2], productive], None, policy, now) == [
        "latest runs have found no new article for 7.0h"
    ]
    assert health_warnings([productive], None, policy, now) == []
    failed = [_run("recheck", "failed", 0, now), _run("recheck", "interrupted", 0, now)]
    assert health_warnings([*failed, productive], failed[0], policy, now) == [
        "2 recheck runs failed in a row"
    ]
    drift = _run("latest", "finished", 5, now, id=9, stats={"articles/parsed": 5})
    drift.extraction_warnings = 2
    assert health_warnings([drift], drift, policy, now) == [
        "run 9: 2 of 5 articles had extraction warnings (the site's markup may have changed)"
    ]
