"""Cross-process crawl locks and the crawl-runs journal, on both databases."""

from __future__ import annotations

import logging
import subprocess
import sys
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import update

from storage.engine import get_session_factory
from storage.locks import LockBusyError, NamedLock
from storage.models import CrawlRun
from storage.processes import current_process, is_running, process_started_at
from storage.runs import RunJournal
from tests.locking import take_lock_away


def test_second_holder_is_refused_until_release(archive_url: str) -> None:
    with NamedLock(archive_url, "crawl-latest"):
        with pytest.raises(LockBusyError), NamedLock(archive_url, "crawl-latest"):
            pass
        with NamedLock(archive_url, "crawl-backfill"):
            pass  # other names are independent
    with NamedLock(archive_url, "crawl-latest"):
        pass


def test_lock_dies_with_a_killed_process(archive_url: str) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from storage.locks import NamedLock; "
            f"lock = NamedLock({archive_url!r}, 'crawl-latest'); lock.acquire(); "
            "print('held', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(LockBusyError), NamedLock(archive_url, "crawl-latest"):
            pass
    finally:
        holder.kill()
        holder.wait()
    with NamedLock(archive_url, "crawl-latest"):
        pass


def test_a_lock_taken_away_is_noticed_and_released_quietly(
    archive_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    lock = NamedLock(archive_url, "crawl-latest")
    lock.acquire()
    assert lock.is_held()
    take_lock_away(archive_url, "crawl-latest")
    assert not lock.is_held()
    lock.release()  # the lock went with its connection (or file): no error
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info]
    with NamedLock(archive_url, "crawl-latest") as again:
        assert again.is_held()


def test_runs_are_opened_closed_and_repaired(archive_url: str) -> None:
    journal = RunJournal(archive_url)
    run_id = journal.start("latest", {"mode": "latest"})
    journal.finish(
        run_id,
        status="finished",
        reason="finished",
        counters={"requests": 5, "articles_new": 2, "unknown": 9},
        dropped_reasons={"missing title": 1},
    )
    stale = journal.start("backfill", {"since": "2026-11-01"})
    other = journal.start("latest", {})
    set_process(archive_url, stale, pid=dead_pid())
    assert journal.mark_interrupted() == [stale]
    runs = {run.id: run for run in journal.recent()}
    assert (runs[run_id].status, runs[run_id].requests, runs[run_id].articles_new) == (
        "finished", 5, 2,
    )  # fmt: skip
    assert runs[run_id].dropped_reasons == {"missing title": 1}
    assert runs[stale].status == "interrupted" and runs[stale].finished_at is not None
    assert runs[other].status == "running", "a live process's run is left alone"
    journal.finish(stale, status="finished", reason="finished")
    assert journal.recent(limit=1, mode="backfill")[0].status == "interrupted"


def dead_pid() -> int:
    """The pid of a process that has ended (and been reaped)."""
    done = subprocess.Popen([sys.executable, "-c", "pass"])
    done.wait()
    return done.pid


def set_process(url: str, run_id: int, **values: object) -> None:
    with get_session_factory(url).begin() as session:
        session.execute(update(CrawlRun).where(CrawlRun.id == run_id).values(**values))


def test_a_run_is_interrupted_only_when_its_process_is_gone(archive_url: str) -> None:
    journal = RunJournal(archive_url)
    alive = journal.start("latest", {})
    own = current_process()
    assert own.started_at is not None, "this host's /proc tells process start times"
    dead = journal.start("latest", {})
    set_process(archive_url, dead, pid=dead_pid())
    reused = journal.start("latest", {})  # our pid, but a process that started an hour earlier
    set_process(archive_url, reused, process_started_at=own.started_at - timedelta(hours=1))
    elsewhere = journal.start("latest", {})
    set_process(archive_url, elsewhere, pid=dead_pid(), hostname="another-host")
    legacy = journal.start("latest", {})  # recorded before start times were: pid alone decides
    set_process(archive_url, legacy, process_started_at=None)
    # Holding the mode's lock proves nothing about the other runs of that mode.
    with NamedLock(archive_url, "crawl-latest"):
        assert sorted(journal.mark_interrupted()) == sorted([dead, reused])
    status = {run.id: run.status for run in journal.recent()}
    assert status == {
        alive: "running",
        dead: "interrupted",
        reused: "interrupted",
        elsewhere: "running",
        legacy: "running",
    }


def test_process_start_time_tells_a_reused_pid() -> None:
    own = current_process()
    assert is_running(own) is True
    assert own.started_at is not None
    assert is_running(replace(own, started_at=own.started_at + timedelta(minutes=5))) is False
    assert is_running(replace(own, pid=dead_pid())) is False
    assert is_running(replace(own, hostname="another-host")) is None
    assert process_started_at(dead_pid()) is None
