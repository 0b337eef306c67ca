"""The busiest reads of the web reader (an article page, its revalidation, a list page), awaited
on the event loop instead of a worker thread.

Their statements are compiled once (:mod:`storage.prepared`), so a page costs no thread hop and
no SQLAlchemy connection work. On PostgreSQL they go through a pool of psycopg's async
connections (opened and closed with the server's event loop), prepared on the server. On SQLite
they run on the loop itself through one :mod:`sqlite3` connection of the loop's: each is one
indexed lookup or range of at most a page of rows (well under a millisecond), and that
connection never waits for a lock (busy timeout 0, read-only): a read the file refuses at once
(a lock, or any other error) is made again by :class:`ArchiveBrowser`'s own method in a worker
thread, which waits as every other read does and raises the database's error as SQLAlchemy's.
Before :meth:`PageReads.open` every read takes that worker-thread path. Statements and row
shaping are :mod:`storage.browse`'s, so all paths answer alike."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from functools import lru_cache, partial
from typing import Any, TypeVar

from anyio import to_thread
from psycopg.conninfo import make_conninfo
from psycopg_pool import AsyncConnectionPool
from sqlalchemy import Select
from sqlalchemy.engine import make_url

from storage.browse import (
    STAMP,
    ArchiveBrowser,
    ArticleFilters,
    ArticlePage,
    article_from_rows,
    article_query,
    list_page,
    list_query,
    stamp_of,
)
from storage.config import resolve_database_url
from storage.engine import READER_CONNECTIONS, READER_RECYCLE_S
from storage.prepared import DIALECT, SQLITE_DIALECT, PreparedSelect, prepare

T = TypeVar("T")
prepared = lru_cache(maxsize=512)(prepare)
"""Each statement compiled once per dialect (the list statements are themselves built once per
filters)."""


def async_pool(url: str) -> AsyncConnectionPool:
    """A closed pool of autocommit connections to the PostgreSQL ``url`` (a reader needs no
    transaction), sized like :func:`storage.engine.get_reader_engine`'s pool."""
    _, options = DIALECT.create_connect_args(make_url(resolve_database_url(url)))
    return AsyncConnectionPool(
        make_conninfo(**options),
        min_size=READER_CONNECTIONS,
        max_size=READER_CONNECTIONS,
        max_lifetime=READER_RECYCLE_S,
        kwargs={"autocommit": True},
        open=False,
    )


def loop_connection(url: str) -> sqlite3.Connection:
    """A read-only connection to the SQLite ``url`` that never waits for a lock."""
    arguments, options = SQLITE_DIALECT.create_connect_args(make_url(resolve_database_url(url)))
    connection = sqlite3.connect(*arguments, **{**options, "timeout": 0})
    connection.execute("PRAGMA query_only = ON")
    return connection


class PageReads:
    """Article and list reads for ``browser``'s archive at ``url``, as coroutines."""

    def __init__(self, url: str, browser: ArchiveBrowser) -> None:
        self.url = url
        self.browser = browser
        self.pool: AsyncConnectionPool | None = None
        """The async connections while open on PostgreSQL."""
        self.local: sqlite3.Connection | None = None
        """The loop's own connection while open on SQLite."""

    async def open(self) -> None:
        """Start reading on the loop (call on the loop that will serve, and :meth:`close`
        before it ends)."""
        backend = make_url(self.url).get_backend_name()
        if backend == "postgresql":
            pool = async_pool(self.url)
            await pool.open()
            self.pool = pool
        elif backend == "sqlite":
            try:
                self.local = loop_connection(self.url)
            except sqlite3.Error:  # the worker threads' reads will say what is wrong
                self.local = None

    async def close(self) -> None:
        """Close the loop's connections (back to worker threads until opened again)."""
        pool, self.pool = self.pool, None
        local, self.local = self.local, None
        if pool is not None:
            await pool.close()
        if local is not None:
            local.close()

    async def _rows(self, stmt: Select[Any], values: dict[str, Any]) -> list[dict] | None:
        """The rows read on the loop, or None when they must be read in a worker thread."""
        if self.pool is not None:
            async with self.pool.connection() as connection:
                return await prepared(stmt).rows(connection, values)
        if self.local is not None:
            statement: PreparedSelect = prepared(stmt, SQLITE_DIALECT)
            try:
                return statement.sqlite_rows(self.local, values)
            except sqlite3.Error:  # locked, or worse: the worker thread waits or reports it
                return None
        return None

    async def _read(
        self,
        stmt: Select[Any],
        values: dict[str, Any],
        shape: Callable[[list[dict]], T],
        in_thread: Callable[[], T],
    ) -> T:
        """``shape(rows)`` of the rows read on the loop, else ``in_thread()`` in a worker."""
        rows = await self._rows(stmt, values)
        if rows is None:
            return await to_thread.run_sync(in_thread)
        return shape(rows)

    async def article(
        self, article_id: int, *, with_revisions: bool = False
    ) -> dict[str, Any] | None:
        """:meth:`ArchiveBrowser.article`."""
        return await self._read(
            article_query(with_revisions),
            {"article_id": article_id},
            partial(article_from_rows, with_revisions=with_revisions),
            partial(self.browser.article, article_id, with_revisions=with_revisions),
        )

    async def article_stamp(self, article_id: int) -> str | None:
        """:meth:`ArchiveBrowser.article_stamp`."""
        return await self._read(
            STAMP,
            {"article_id": article_id},
            lambda rows: stamp_of(rows[0] if rows else None),
            partial(self.browser.article_stamp, article_id),
        )

    async def articles(
        self,
        filters: ArticleFilters | None = None,
        *,
        limit: int = 50,
        after: int | None = None,
        before: int | None = None,
    ) -> ArticlePage:
        """:meth:`ArchiveBrowser.articles`."""
        stmt, values = list_query(filters, limit=limit, after=after, before=before)
        return await self._read(
            stmt,
            values,
            partial(list_page, limit=limit, after=after, before=before),
            partial(self.browser.articles, filters, limit=limit, after=after, before=before),
        )
