"""Runs are known by id, never by pid: the parent (the daemon, ``viva-archive crawl``) opens the
run, names it to the crawl with ``ARCHIVE_RUN_ID``, and settles that run whatever becomes of
the crawl, including a child that dies before writing anything. On SQLite and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime

import pytest

from crawler.arguments import WIB
from storage.locks import NamedLock
from storage.migrate import upgrade
from storage.runs import RunJournal
from tests.cli_helpers import viva
from tests.crawling import FAST_SETTINGS, REPO_ROOT, crawl, describe, runs
from viva_militer_archive.sample_site.catalog import sample_articles
from viva_militer_archive.sample_site.server import SampleSite

FAST = [item for key, value in FAST_SETTINGS.items() for item in ("-s", f"{key}={value}")]


@pytest.fixture
def sample() -> Iterator[SampleSite]:
    now = datetime.now(WIB)
    with SampleSite(sample_articles(now), today=now.date(), listing_size=3) as site:
        yield site


def test_a_crawl_takes_over_the_run_its_parent_opened(archive_url: str) -> None:
    journal = RunJournal(archive_url)
    given = journal.start("latest", {"mode": "latest"})
    other = journal.start("latest", {})
    assert journal.claim(given, "backfill", {"mode": "backfill", "since": "2026-11-01"})
    run = journal.get(given)
    assert run is not None
    assert (run.mode, run.arguments, run.status) == (
        "backfill",
        {"mode": "backfill", "since": "2026-11-01"},
        "running",
    )
    assert run.pid == os.getpid() and run.process_started_at is not None
    journal.finish(given, status="finished", reason="finished")
    assert not journal.claim(given, "latest", {}), "a closed run is not taken over"
    assert not journal.claim(10**6, "latest", {}), "nor one that does not exist"
    assert journal.get(10**6) is None
    journal.withdraw(other)
    journal.withdraw(given)
    assert [r.id for r in journal.recent()] == [given], "only an open run is withdrawn"


@pytest.mark.slow
def test_scrapy_crawl_records_into_the_named_run(sample: SampleSite, archive_url: str) -> None:
    journal = RunJournal(archive_url)
    given = journal.start("latest", {})
    done = crawl(sample.base_url, archive_url, "mode=latest", settings={"ARCHIVE_RUN_ID": given})
    assert done.returncode == 0, describe(done)
    (run,) = runs(archive_url)
    assert (run.id, run.status, run.mode) == (given, "finished", "latest")
    assert run.articles_new > 0
    assert run.pid not in (None, os.getpid()), "the crawl's own process took it over"
    assert f"Crawl run {given} started" in done.stderr


@pytest.mark.slow
def test_a_crawl_named_a_run_that_is_not_open_refuses(sample: SampleSite, archive_url: str) -> None:
    done = crawl(sample.base_url, archive_url, "mode=latest", settings={"ARCHIVE_RUN_ID": "999"})
    assert done.returncode == 1, describe(done)
    assert "Run 999 is not an open run" in done.stderr and "Traceback" not in done.stderr
    assert runs(archive_url) == [] and sample.hits == []


@pytest.mark.slow
def test_a_refused_crawl_withdraws_the_run_it_was_given(
    sample: SampleSite, archive_url: str
) -> None:
    given = RunJournal(archive_url).start("latest", {})
    with NamedLock(archive_url, "crawl-latest"):
        done = crawl(
            sample.base_url, archive_url, "mode=latest", settings={"ARCHIVE_RUN_ID": given}
        )
    assert done.returncode == 3, describe(done)
    assert runs(archive_url) == [], "a skipped crawl leaves no run"


@pytest.mark.slow
def test_daemon_closes_the_run_of_a_child_that_died_before_writing(
    sample: SampleSite, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    upgrade(database_url)
    done = subprocess.run(
        [sys.executable, "scheduler.py", "--once", "--jobs", "latest", *FAST,
         "-s", "ARCHIVE_DIR=/proc/no/warc"],  # the child exits before it touches the archive
        cwd=REPO_ROOT,
        env={**os.environ, "VIVA_BASE_URL": sample.base_url, "DATABASE_URL": database_url},
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert len(runs(database_url)) == 1, done.stdout + done.stderr
    (run,) = runs(database_url)
    assert (run.mode, run.status, run.finish_reason) == ("latest", "failed", "exit code 2")
    assert run.finished_at is not None
    assert f"[run {run.id}]" in done.stderr
    assert sample.hits == []


@pytest.mark.slow
def test_daemon_runs_are_settled_by_id(sample: SampleSite, database_url: str) -> None:
    done = subprocess.run(
        [sys.executable, "scheduler.py", "--once", "--jobs", "latest,recheck", *FAST],
        cwd=REPO_ROOT,
        env={**os.environ, "VIVA_BASE_URL": sample.base_url, "DATABASE_URL": database_url},
        capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    recorded = runs(database_url)
    assert [(r.mode, r.status) for r in recorded] == [
        ("latest", "finished"),
        ("recheck", "finished"),
    ]
    assert len({r.pid for r in recorded}) == 2, "each taken over by its own child"
    for run in recorded:
        assert f"Run {run.mode} ended: finished (finished)" in done.stderr
        assert f"[run {run.id}]" in done.stderr


@pytest.mark.slow
def test_viva_archive_crawl_prints_its_own_run(sample: SampleSite, archive_url: str) -> None:
    settings = [f"-s{name}={value}" for name, value in FAST_SETTINGS.items()]
    env = {"VIVA_BASE_URL": sample.base_url}
    with NamedLock(archive_url, "crawl-latest"):
        refused = viva("--database-url", archive_url, "crawl", *settings, env=env)
    assert refused.returncode == 3, refused.stderr
    assert "crawl run" not in refused.stdout and runs(archive_url) == []
    done = viva("--database-url", archive_url, "crawl", *settings, env=env)
    assert done.returncode == 0, done.stderr
    (run,) = runs(archive_url)
    assert done.stdout.startswith(f"crawl run {run.id} finished")
