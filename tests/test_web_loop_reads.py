"""The article and list pages' reads run on the event loop, with no worker thread, on both
databases (no thread hop per page), and on SQLite a file that refuses the loop's read at once
(a lock) is read in a worker thread instead: the page still answers, the loop never waits."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
from anyio import to_thread
from sqlalchemy.engine import make_url

from storage.browse_async import PageReads
from storage.engine import dispose_all
from storage.writes import ArchiveWriter
from tests.factories import make_item
from viva_militer_archive.web.archive import open_archive

IDS = (1_700_001, 1_700_002, 1_700_003)
WATCHDOG_S = 30
"""Not a speed limit: a read still waiting for a worker thread after this long never gets one."""


def stored(url: str) -> None:
    ArchiveWriter(url).store_articles([make_item(article_id) for article_id in IDS])


def page_reads(pages: PageReads) -> list[Callable[[], Awaitable[Any]]]:
    """The three reads of the busiest pages."""
    return [
        lambda: pages.article(IDS[0], with_revisions=True),
        lambda: pages.article_stamp(IDS[1]),
        lambda: pages.articles(None, limit=2, after=IDS[2]),
    ]


def test_page_reads_take_no_worker_thread(archive_url: str) -> None:
    """Every worker thread is taken (the limiter's one token held by this test): the reads
    still answer, so none of them waited for a thread."""
    stored(archive_url)
    archive = open_archive(archive_url)
    pages, browser = archive.pages, archive.browser
    expected = [
        browser.article(IDS[0], with_revisions=True),
        browser.article_stamp(IDS[1]),
        browser.articles(None, limit=2, after=IDS[2]),
    ]

    async def read_without_threads() -> list[Any]:
        limiter = to_thread.current_default_thread_limiter()
        limiter.total_tokens = 1
        taken, finished = anyio.Event(), anyio.Event()

        async def take_every_thread() -> None:
            async with limiter:
                taken.set()
                await finished.wait()

        results: list[Any] = []
        await pages.open()
        try:
            async with anyio.create_task_group() as group:
                group.start_soon(take_every_thread)
                await taken.wait()
                with anyio.move_on_after(WATCHDOG_S):
                    results = [await read() for read in page_reads(pages)]
                finished.set()
        finally:
            await pages.close()
        assert len(results) == len(expected), "a read waited for a worker thread"
        return results

    assert asyncio.run(read_without_threads()) == expected


def test_a_locked_sqlite_file_is_read_in_a_worker_thread(archive_url: str) -> None:
    """Another connection holds the file exclusively: the loop's read is refused at once and
    the worker thread's waits for the lock; once it is released the page answers as usual."""
    if make_url(archive_url).get_backend_name() != "sqlite":
        return  # PostgreSQL readers never wait for a writer's lock
    stored(archive_url)
    archive = open_archive(archive_url)
    pages, browser = archive.pages, archive.browser
    expected = browser.article(IDS[0], with_revisions=True)
    path = make_url(archive_url).database or ""

    async def read_while_locked() -> Any:
        dispose_all()  # an exclusive lock on a WAL file needs every other connection closed
        await pages.open()
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("PRAGMA locking_mode = EXCLUSIVE")
        holder.execute("BEGIN EXCLUSIVE")
        try:
            read = asyncio.create_task(pages.article(IDS[0], with_revisions=True))
            for _ in range(5):  # the loop turns while the read waits
                await asyncio.sleep(0.05)
            assert not read.done(), "the read did not wait for the lock"
        finally:
            holder.close()  # releases the lock
        try:
            return await read
        finally:
            await pages.close()

    assert asyncio.run(read_while_locked()) == expected
