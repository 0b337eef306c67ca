"""Cross-process crawl locks and the crawl-runs journal, on both databases."""

from __future__ import annotations

import subprocess
import sys

import pytest

from storage.locks import LockBusyError, NamedLock
from storage.runs import RunJournal


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
    assert journal.mark_interrupted(holding_lock_for="backfill") == [stale]
    runs = {run.id: run for run in journal.recent()}
    assert (runs[run_id].status, runs[run_id].requests, runs[run_id].articles_new) == (
        "finished", 5, 2,
    )  # fmt: skip
    assert runs[run_id].dropped_reasons == {"missing title": 1}
    assert runs[stale].status == "interrupted" and runs[stale].finished_at is not None
    assert runs[other].status == "running", "a live process's run is left alone"
    journal.finish(stale, status="finished", reason="finished")
    assert journal.recent(limit=1, mode="backfill")[0].status == "interrupted"
