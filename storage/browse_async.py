"""The busiest reads of the web reader (an article page, its revalidation, a list page), awaited
on the event loop instead of a worker thread.

On PostgreSQL they go through a pool of psycopg's async connections (opened and closed with the
server's event loop) as statements compiled once and prepared on the server
(:mod:`storage.prepared`), so a page costs no thread hop and no SQLAlchemy connection work.
Elsewhere (SQLite, or before :meth:`PageReads.open`) they run :class:`ArchiveBrowser`'s own
methods in a worker thread: SQLite has no async driver here, and a read that waits on a file
lock must not stall the loop. Statements and row shaping are :mod:`storage.browse`'s, so both
paths answer alike."""

from __future__ import annotations

from functools import lru_cache, partial
from typing import Any

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
from storage.prepared import DIALECT, PreparedSelect, prepare

prepared = lru_cache(maxsize=512)(prepare)
"""Each statement compiled once (the list statements are themselves built once per filters)."""


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


class PageReads:
    """Article and list reads for ``browser``'s archive at ``url``, as coroutines."""

    def __init__(self, url: str, browser: ArchiveBrowser) -> None:
        self.url = url
        self.browser = browser
        self.pool: AsyncConnectionPool | None = None
        """The async connections while open (None: worker threads)."""

    async def open(self) -> None:
        """Start reading through async connections (PostgreSQL only; call on the loop that
        will serve, and :meth:`close` before it ends)."""
        if make_url(self.url).get_backend_name() == "postgresql":
            pool = async_pool(self.url)
            await pool.open()
            self.pool = pool

    async def close(self) -> None:
        """Close the async connections (back to worker threads until opened again)."""
        pool, self.pool = self.pool, None
        if pool is not None:
            await pool.close()

    async def _rows(self, stmt: Select[Any], values: dict[str, Any]) -> list[dict[str, Any]]:
        assert self.pool is not None
        statement: PreparedSelect = prepared(stmt)
        async with self.pool.connection() as connection:
            return await statement.rows(connection, values)

    async def article(
        self, article_id: int, *, with_revisions: bool = False
    ) -> dict[str, Any] | None:
        """:meth:`ArchiveBrowser.article`."""
        if self.pool is None:
            read = partial(self.browser.article, article_id, with_revisions=with_revisions)
            return await to_thread.run_sync(read)
        rows = await self._rows(article_query(with_revisions), {"article_id": article_id})
        return article_from_rows(rows, with_revisions=with_revisions)

    async def article_stamp(self, article_id: int) -> str | None:
        """:meth:`ArchiveBrowser.article_stamp`."""
        if self.pool is None:
            return await to_thread.run_sync(self.browser.article_stamp, article_id)
        rows = await self._rows(STAMP, {"article_id": article_id})
        return stamp_of(rows[0] if rows else None)

    async def articles(
        self,
        filters: ArticleFilters | None = None,
        *,
        limit: int = 50,
        after: int | None = None,
        before: int | None = None,
    ) -> ArticlePage:
        """:meth:`ArchiveBrowser.articles`."""
        if self.pool is None:
            read = partial(self.browser.articles, filters, limit=limit, after=after, before=before)
            return await to_thread.run_sync(read)
        stmt, values = list_query(filters, limit=limit, after=after, before=before)
        rows = await self._rows(stmt, values)
        return list_page(rows, limit=limit, after=after, before=before)
