"""The archive a reader serves: checked once at start (present, at this program's schema), never
migrated or written, then shared by every request."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from anyio import to_thread
from fastapi import Request
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from storage.browse import ArchiveBrowser
from storage.browse_async import PageReads
from storage.config import database_problem, mask_url
from storage.engine import get_reader_engine
from storage.migrate import ArchiveState, archive_status
from storage.search import ArchiveSearch
from storage.stats import ArchiveStats
from viva_militer_archive.scheduling.durations import ScheduleError
from viva_militer_archive.scheduling.health import HealthPolicy
from viva_militer_archive.settings import Settings, from_environment
from viva_militer_archive.web.health import daemon_policy
from viva_militer_archive.web.queries import SEARCH_THREADS, SearchLane

T = TypeVar("T")
SUBCHANNELS_MAX_AGE = 300.0
"""The subchannels of the filter forms change with the site's sections: rarely."""
STATS_MAX_AGE = 30.0
"""The home page's and /api/stats' totals scan the archive: at most one scan per 30 s."""


class Recent(Generic[T]):
    """A value recomputed when older than ``max_age`` seconds (one computation at a time)."""

    def __init__(self, compute: Callable[[], T], max_age: float) -> None:
        self.compute = compute
        self.max_age = max_age
        self._value: T | None = None
        self._at = -max_age
        self._lock = threading.Lock()

    def get(self) -> T:
        with self._lock:
            if self._value is None or time.monotonic() - self._at > self.max_age:
                self._value = self.compute()
                self._at = time.monotonic()
            return self._value

    async def get_async(self) -> T:
        """:meth:`get` on the event loop: the value at once while it is recent, else computed
        in a worker thread (a database read must not stall the loop)."""
        value = self._value
        if value is not None and time.monotonic() - self._at <= self.max_age:
            return value
        return await to_thread.run_sync(self.get)


class ArchiveNotReady(RuntimeError):
    """The database cannot be served as it is; the message is one line, safe to print."""


@dataclass(frozen=True, slots=True)
class Archive:
    """The read interfaces over one archive."""

    url: str
    browser: ArchiveBrowser
    search: ArchiveSearch
    stats: ArchiveStats
    health: HealthPolicy
    """The daemon's health thresholds (its environment variables)."""
    pages: PageReads
    """The article and list reads of the busiest pages, awaited on the event loop."""
    searches: SearchLane = field(default_factory=SearchLane)
    """Searches' own threads and deadline."""
    subchannels: Recent[list[str]] = field(init=False)
    totals: Recent[dict[str, Any]] = field(init=False)
    """``ArchiveStats.collect()``, at most :data:`STATS_MAX_AGE` old."""

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "subchannels", Recent(self.browser.subchannels, SUBCHANNELS_MAX_AGE)
        )
        object.__setattr__(self, "totals", Recent(self.stats.collect, STATS_MAX_AGE))


def check_schema(url: str) -> None:
    """Refuse a missing archive, one never migrated, one behind this program (the reader does
    not migrate: it may hold a read-only role) and one ahead of it."""
    try:
        status = archive_status(url)
    except SQLAlchemyError as exc:
        raise ArchiveNotReady(database_problem(url, exc)) from exc
    if status.state is ArchiveState.READY:
        return
    if status.no_file:
        raise ArchiveNotReady(f"no archive at {mask_url(url)}")
    if status.state is ArchiveState.MISSING:
        raise ArchiveNotReady(f"database {mask_url(url)} holds no archive")
    if status.state is ArchiveState.BEHIND:
        raise ArchiveNotReady(
            f"database {mask_url(url)} is at schema revision {status.current}, behind this "
            f"program's {status.head}: run `viva-archive db upgrade` first (the web reader "
            "never migrates)"
        )
    raise ArchiveNotReady(status.too_new())


def open_archive(url: str, settings: Settings | None = None) -> Archive:
    """The checked archive at ``url``; the health thresholds from ``settings`` (default: the
    environment's)."""
    check_schema(url)
    try:
        health = daemon_policy(settings or from_environment())
    except ScheduleError as exc:
        raise ArchiveNotReady(f"health thresholds: {exc}") from None
    engine = get_reader_engine(url)
    sessions = sessionmaker(engine)
    browser = ArchiveBrowser(engine=engine)
    return Archive(
        url,
        browser,
        ArchiveSearch(url),  # its own transactions: it sets planner options per search
        ArchiveStats(sessions=sessions),
        health,
        PageReads(url, browser),
        SearchLane(threads=SEARCH_THREADS.get(engine.dialect.name, SearchLane.threads)),
    )


async def archive(request: Request) -> Archive:
    """The app's archive (a FastAPI dependency, ``async``: no worker thread for an attribute)."""
    return request.app.state.archive  # type: ignore[no-any-return]
