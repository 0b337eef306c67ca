"""The crawl-runs journal: one row per crawl, opened at start and closed with its counters."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from storage.clock import iso_timestamp
from storage.engine import get_session_factory
from storage.models import CrawlRun
from storage.processes import ProcessIdentity, current_process, is_running
from viva_militer_archive.crawl_stats.site_change import site_changes

COUNTER_COLUMNS = (
    "requests", "responses_2xx", "responses_3xx", "responses_4xx", "responses_5xx",
    "articles_new", "articles_updated", "articles_unchanged", "articles_gone",
    "articles_dropped", "extraction_warnings", "errors",
)  # fmt: skip


class RunJournal:
    """Opens, closes and repairs crawl-run records."""

    def __init__(self, url: str | None = None, sessions: sessionmaker[Session] | None = None):
        self.sessions = sessions or get_session_factory(url)

    def start(self, mode: str, arguments: Mapping[str, Any]) -> int:
        """Record a crawl as ``running`` and return its id."""
        process = current_process()
        run = CrawlRun(
            mode=mode,
            arguments=dict(arguments),
            started_at=datetime.now(UTC),
            status="running",
            pid=process.pid,
            hostname=process.hostname,
            process_started_at=process.started_at,
            dropped_reasons={},
            stats={},
        )
        with self.sessions.begin() as session:
            session.add(run)
            session.flush()
            return run.id

    def finish(
        self,
        run_id: int,
        *,
        status: str,
        reason: str | None,
        counters: Mapping[str, int] | None = None,
        dropped_reasons: Mapping[str, int] | None = None,
        stats: Mapping[str, Any] | None = None,
    ) -> None:
        """Close a run with its outcome and counters (only a run still ``running``)."""
        values: dict[str, Any] = {
            "status": status,
            "finish_reason": reason,
            "finished_at": datetime.now(UTC),
        }
        values.update({k: int(v) for k, v in (counters or {}).items() if k in COUNTER_COLUMNS})
        if dropped_reasons is not None:
            values["dropped_reasons"] = dict(dropped_reasons)
        if stats is not None:
            values["stats"] = dict(stats)
        with self.sessions.begin() as session:
            session.execute(
                update(CrawlRun)
                .where(CrawlRun.id == run_id, CrawlRun.status == "running")
                .values(**values)
            )

    def mark_interrupted(self) -> list[int]:
        """Close runs left ``running`` by a process that is gone; returns their ids.

        Only a run whose process is really gone counts: same host, and no process with its pid
        and start time (a reused pid is another process). Holding the run's lock proves nothing:
        a crawl that lost its lock connection may still be running. Runs of other hosts are left
        alone (nothing here can tell whether they live)."""
        with self.sessions.begin() as session:
            rows = session.execute(
                select(
                    CrawlRun.id, CrawlRun.pid, CrawlRun.hostname, CrawlRun.process_started_at
                ).where(CrawlRun.status == "running", CrawlRun.pid.is_not(None))
            ).all()
            dead = [
                run_id
                for run_id, pid, hostname, started in rows
                if is_running(ProcessIdentity(pid, hostname or "", started)) is False
            ]
            if dead:
                session.execute(
                    update(CrawlRun)
                    .where(CrawlRun.id.in_(dead), CrawlRun.status == "running")
                    .values(
                        status="interrupted",
                        finish_reason="process died before finishing",
                        finished_at=datetime.now(UTC),
                    )
                )
        return dead

    def claim(self, run_id: int, mode: str, arguments: Mapping[str, Any]) -> bool:
        """Take over the run a parent opened (``ARCHIVE_RUN_ID``): it becomes this process's
        run, started now with the arguments as parsed, so the repair of dead processes' runs
        judges the process that really crawls. False when no such run is open."""
        process = current_process()
        with self.sessions.begin() as session:
            claimed = session.execute(
                update(CrawlRun)
                .where(CrawlRun.id == run_id, CrawlRun.status == "running")
                .values(
                    mode=mode,
                    arguments=dict(arguments),
                    started_at=datetime.now(UTC),
                    pid=process.pid,
                    hostname=process.hostname,
                    process_started_at=process.started_at,
                )
            )
            return claimed.rowcount == 1

    def withdraw(self, run_id: int) -> None:
        """Remove a run opened for a crawl that was refused before it began (another crawl of
        its mode held the lock): a skipped crawl leaves no run, as one that opens its own."""
        with self.sessions.begin() as session:
            session.execute(
                delete(CrawlRun).where(
                    CrawlRun.id == run_id, CrawlRun.status == "running", CrawlRun.requests == 0
                )
            )

    def get(self, run_id: int) -> CrawlRun | None:
        """The run ``run_id`` as it stands (None: there is none)."""
        with self.sessions() as session:
            return session.get(CrawlRun, run_id)

    def override(self, run_id: int, *, status: str, reason: str) -> None:
        """Set the outcome of a run whose process was stopped from outside (time limit)."""
        with self.sessions.begin() as session:
            session.execute(
                update(CrawlRun)
                .where(CrawlRun.id == run_id)
                .values(
                    status=status,
                    finish_reason=reason,
                    finished_at=func.coalesce(CrawlRun.finished_at, datetime.now(UTC)),
                )
            )

    def recent(self, limit: int = 20, mode: str | None = None) -> list[CrawlRun]:
        """The newest runs first."""
        stmt = select(CrawlRun).order_by(CrawlRun.id.desc()).limit(limit)
        if mode:
            stmt = stmt.where(CrawlRun.mode == mode)
        with self.sessions() as session:
            return list(session.scalars(stmt))


def run_record(run: CrawlRun) -> dict[str, Any]:
    """One run as JSON: what was asked, how it ended, how long it took, its counters."""
    seconds = (run.finished_at - run.started_at).total_seconds() if run.finished_at else None
    return {
        "id": run.id,
        "mode": run.mode,
        "arguments": run.arguments,
        "status": run.status,
        "finish_reason": run.finish_reason,
        "started_at": iso_timestamp(run.started_at),
        "finished_at": iso_timestamp(run.finished_at),
        "duration_seconds": round(seconds, 1) if seconds is not None else None,
        "counters": {name: getattr(run, name) for name in COUNTER_COLUMNS},
        "dropped_reasons": run.dropped_reasons,
        "warnings": run_warnings(run),
    }


def run_warnings(run: CrawlRun) -> list[str]:
    """What the run's stats say about the site changing, beyond its finish reason (a run that
    archived through fallbacks: ``finished``, with the warning)."""
    return [f.message for f in site_changes(run.stats) if f.message != run.finish_reason]
