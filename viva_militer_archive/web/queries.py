"""Search as the web reader sees it: one page of hits (plain-text snippets with the ranges of
the matched words, see :class:`storage.search.SearchHit`) and how many articles match in all.

The storage layer ranks, filters, pages and cuts snippets; this module only joins a page of
hits to its (capped) count, so every search page and the JSON API agree, and runs searches in
their own lane (:class:`SearchLane`): a few threads of their own and a deadline, so that many
heavy searches at once never hold up ``/healthz``, an article page or any other route."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import TypeVar

import anyio
from anyio import to_thread
from anyio.lowlevel import RunVar
from fastapi import HTTPException

from storage.filters import ArticleFilters
from storage.search import ArchiveSearch, SearchHit

COUNT_CAP = 10_000
"""Matches are counted up to this many."""
SEARCH_THREADS = {"sqlite": 4, "postgresql": 8}
"""Searches running at once, by database (each holds a thread and a connection; more wait): on
SQLite a search is CPU work in this process, and more than a few at once only crowd the other
routes off the cores; on PostgreSQL it is mostly round trips to the server, which more at once
overlap (8 answer 20-45 % more searches a second than 4 with 16 in flight)."""
SEARCH_SECONDS = 5.0
"""Longest a search may take, waiting for its turn included; then it answers 503."""
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class SearchPage:
    """The hits of one page and how many articles match in all (up to :data:`COUNT_CAP`)."""

    hits: list[SearchHit]
    total: int
    cap: int
    """Counting stopped here: ``total == cap`` means "at least that many"."""

    @property
    def capped(self) -> bool:
        return self.total >= self.cap


def search_page(
    search: ArchiveSearch,
    query: str,
    *,
    limit: int,
    offset: int = 0,
    filters: ArticleFilters | None = None,
    deadline: float | None = None,
) -> SearchPage:
    """One page of hits for ``query``; raises ``ValueError`` (one line) when the query has no
    word to search for, :class:`storage.deadlines.DeadlinePassed` when ``deadline`` comes first."""
    hits = search.search(query, limit=limit, offset=offset, filters=filters, deadline=deadline)
    total = (
        search.count(query, filters=filters, cap=COUNT_CAP, deadline=deadline)
        if hits or offset
        else 0
    )
    return SearchPage(hits, total, COUNT_CAP)


@dataclass
class SearchLane:
    """Where searches run: at most ``threads`` at once, in worker threads apart from the pool
    every other route shares (its tokens are never taken by a search), each done within
    ``seconds`` of its arrival or answered 503 (the database stops a statement at the
    deadline, a search still waiting for its turn gives up there)."""

    threads: int = SEARCH_THREADS["sqlite"]
    seconds: float = SEARCH_SECONDS
    _limiters: RunVar[anyio.CapacityLimiter] = field(init=False, repr=False)
    """One limiter per event loop (as anyio's own default limiter): a limiter is bound to the
    loop it first waited on."""

    def __post_init__(self) -> None:
        self._limiters = RunVar(f"search lane {id(self)}")

    def limiter(self) -> anyio.CapacityLimiter:
        """This event loop's limiter of the searches."""
        try:
            return self._limiters.get()
        except LookupError:
            self._limiters.set(limiter := anyio.CapacityLimiter(self.threads))
            return limiter

    async def run(self, work: Callable[..., T]) -> T:
        """``work(deadline=...)`` in a search thread; an overrun raises a 503
        ``HTTPException``."""
        deadline = time.monotonic() + self.seconds
        try:
            with anyio.fail_after(self.seconds):
                return await to_thread.run_sync(
                    partial(work, deadline=deadline), limiter=self.limiter()
                )
        except TimeoutError:  # the wait's, or the database's (DeadlinePassed)
            raise HTTPException(
                503,
                f"the search took longer than {self.seconds:g} s and was stopped; "
                "try more specific words or a filter",
                headers={"retry-after": "5"},
            ) from None
