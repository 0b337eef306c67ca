"""The daemon: APScheduler triggers the jobs; each run is a supervised child process (a crawl,
or the weekly ``viva-archive verify``).

The daemon opens each crawl's row itself and names it to the child (``-s ARCHIVE_RUN_ID=N``),
so it settles that run by id whatever becomes of the child: a time limit, a stop, a crash
before the child wrote anything."""

from __future__ import annotations

import logging
import signal
import threading
from datetime import UTC, datetime
from types import FrameType

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.exc import SQLAlchemyError

from crawler.arguments import WIB
from crawler.outcome import EXIT_ALREADY_RUNNING, EXIT_FAILED, EXIT_OK
from storage.config import database_problem
from storage.fixity import FixityLedger
from storage.models import CrawlRun
from storage.runs import RunJournal
from viva_militer_archive.scheduling.child import (
    ChildResult,
    CrawlChild,
    alerts_command,
    crawl_command,
    verify_command,
)
from viva_militer_archive.scheduling.health import health_warnings
from viva_militer_archive.scheduling.jobs import VERIFY_JOB, JobSpec
from viva_militer_archive.scheduling.options import DaemonConfig

log = logging.getLogger("scheduler")

MISFIRE_GRACE_SECONDS = 15 * 60
"""A run that starts up to 15 minutes late still runs (APScheduler's default is 1 second)."""
VERIFY_TIMEOUT_SECONDS = 24 * 3600
"""Time limit of one verification (it reads every WARC file once or twice)."""
ALERTS_TIMEOUT = 10 * 60.0
"""Time limit of one ``alerts deliver`` child (each request has its own, far shorter one)."""
ALERTS_JOB = "alerts"


def worst_exit_code(codes: list[int]) -> int:
    """Failures beat skips (another crawl was running), skips beat success."""
    failures = [code for code in codes if code not in (EXIT_OK, EXIT_ALREADY_RUNNING)]
    if failures:
        return max(failures)
    return EXIT_ALREADY_RUNNING if EXIT_ALREADY_RUNNING in codes else EXIT_OK


class Daemon:
    """Runs jobs as crawl children, records their outcome, warns on bad health, stops cleanly."""

    def __init__(self, config: DaemonConfig, database_url: str) -> None:
        self.config = config
        self.database_url = database_url
        self.journal = RunJournal(database_url)
        self.stopping = threading.Event()
        self._children: set[CrawlChild] = set()
        self._lock = threading.Lock()
        self._delivering = threading.Lock()

    # -- one run -----------------------------------------------------------------------------

    def run_job(self, name: str) -> int:
        """Run job ``name`` once, to the end; returns the crawl's exit code."""
        spec = next(job for job in self.config.jobs if job.name == name)
        if name == VERIFY_JOB:
            return self.run_verification()
        arguments = spec.arguments()
        try:
            run_id = self.journal.start(spec.name, arguments)
        except SQLAlchemyError as exc:
            log.error("Run %s not started: %s", name, database_problem(self.database_url, exc))
            return EXIT_FAILED
        child = self._child(
            crawl_command(arguments, [*self.config.settings, f"ARCHIVE_RUN_ID={run_id}"]),
            self.config.timeout,
        )
        log.info("Run %s started: %s", name, " ".join(f"{k}={v}" for k, v in arguments.items()))
        result = self._supervise(child)
        if result is None:  # the daemon is stopping: the run never began
            self.journal.withdraw(run_id)
            return EXIT_OK
        run = self._settle(result, run_id)
        self._report(spec, result, run)
        self.deliver_alerts()  # what the crawl archived is told at once, not a minute later
        return result.exit_code

    def deliver_alerts(self) -> int:
        """Run ``alerts deliver`` in a child of its own (a crawl never waits on a receiver);
        skipped while another delivery runs."""
        if not self._delivering.acquire(blocking=False):
            return EXIT_OK
        try:
            result = self._supervise(self._child(alerts_command(), ALERTS_TIMEOUT))
        finally:
            self._delivering.release()
        if result is not None and result.exit_code != EXIT_OK:
            log.error("Alert delivery ended with exit code %d", result.exit_code)
        return EXIT_OK if result is None else result.exit_code

    def run_verification(self) -> int:
        """Run ``viva-archive verify`` in a child process (it records its outcome in the
        ``verifications`` history); log one line for its end. Its exit code: 0 clean."""
        child = self._child(verify_command(self.config.settings), VERIFY_TIMEOUT_SECONDS)
        log.info("Verification started")
        result = self._supervise(child)
        if result is None:
            return EXIT_OK
        last = FixityLedger(self.database_url).last_verification()
        if result.exit_code == EXIT_OK and last is not None:
            log.info("Verification ended: no problem in %d files and %d revisions (%.1fs)",
                     last.files_checked, last.revisions_checked, result.seconds)  # fmt: skip
        elif last is not None and last.problems:
            log.error("Verification found %d problems (`viva-archive verify` lists them): %s",
                      last.problems, "; ".join(last.problem_lines[:3]))  # fmt: skip
        else:
            log.error("Verification failed with exit code %d", result.exit_code)
        return result.exit_code

    def _child(self, command: list[str], timeout: float) -> CrawlChild:
        return CrawlChild(
            command,
            timeout=timeout,
            grace=self.config.grace,
            environment={"DATABASE_URL": self.database_url},  # its password stays out of argv
        )

    def _supervise(self, child: CrawlChild) -> ChildResult | None:
        """Run ``child`` to its end as one of the daemon's children; None when stopping."""
        with self._lock:
            if self.stopping.is_set():
                return None
            self._children.add(child)
        try:
            return child.run()
        finally:
            with self._lock:
                self._children.discard(child)

    def _settle(self, result: ChildResult, run_id: int) -> CrawlRun | None:
        """Record what the child could not: a time limit, a stop, a crash (before it wrote
        anything too); None when the child withdrew the run (another crawl was running)."""
        if result.timed_out:
            self.journal.override(run_id, status="failed", reason="timeout")
        else:  # closes only a run the child left open
            reason = "daemon stopped" if result.stopped else f"exit code {result.exit_code}"
            status = "interrupted" if result.stopped else "failed"
            self.journal.finish(run_id, status=status, reason=reason)
        return self.journal.get(run_id)

    def _report(self, spec: JobSpec, result: ChildResult, run: CrawlRun | None) -> None:
        """One line for the run's end, then any health warnings."""
        if result.exit_code == EXIT_ALREADY_RUNNING:
            log.warning("Run %s skipped: another %s crawl is running", spec.name, spec.name)
            return
        if run is None:
            log.error("Run %s ended with exit code %d before it was recorded (%.1fs)",
                      spec.name, result.exit_code, result.seconds)  # fmt: skip
            return
        level = logging.INFO if run.status == "finished" else logging.ERROR
        log.log(
            level,
            "Run %s ended: %s (%s) in %.1fs; %d requests, %d new, %d updated, %d unchanged, "
            "%d gone, %d dropped, %d errors [run %d]",
            spec.name, run.status, run.finish_reason, result.seconds, run.requests,
            run.articles_new, run.articles_updated, run.articles_unchanged, run.articles_gone,
            run.articles_dropped, run.errors, run.id,
        )  # fmt: skip
        recent = self.journal.recent(limit=100)
        for warning in health_warnings(recent, run, self.config.health, datetime.now(UTC)):
            log.warning("Health: %s", warning)

    # -- the recurring schedule -----------------------------------------------------------------

    def serve(self) -> int:
        """Schedule every job until SIGTERM/SIGINT, then stop the crawls and exit 0."""
        scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(max_workers=len(self.config.jobs) + 1)},
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": MISFIRE_GRACE_SECONDS,
            },
            timezone=WIB,
        )
        for spec in self.config.jobs:
            extra = {"next_run_time": datetime.now(WIB)} if spec.run_at_start else {}
            scheduler.add_job(
                self.run_job, spec.trigger, args=[spec.name], id=spec.name, name=spec.name,
                replace_existing=True, **extra,
            )  # fmt: skip
        scheduler.add_job(
            self.deliver_alerts, IntervalTrigger(seconds=self.config.alerts_every, timezone=WIB),
            id=ALERTS_JOB, name=ALERTS_JOB, replace_existing=True,
        )  # fmt: skip
        wake = threading.Event()

        def on_signal(signum: int, _frame: FrameType | None) -> None:
            log.info("Received %s: stopping", signal.Signals(signum).name)
            wake.set()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        scheduler.start()
        for job in scheduler.get_jobs():
            log.info("Job %s: %s, next run %s", job.id, job.trigger, job.next_run_time)
        while not wake.wait(1.0):
            pass
        self.stop(scheduler)
        return EXIT_OK

    def stop(self, scheduler: BackgroundScheduler) -> None:
        """No new runs; stop running crawls (SIGTERM, then SIGKILL after the grace period)."""
        with self._lock:
            self.stopping.set()
            children = list(self._children)
        scheduler.pause()
        for child in children:
            child.stop()
        scheduler.shutdown(wait=True)  # returns once every running job has settled its run
        log.info("Scheduler stopped")
