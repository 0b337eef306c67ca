"""Search as the web reader sees it: one page of hits (plain-text snippets with the ranges of
the matched words, see :class:`storage.search.SearchHit`) and how many articles match in all.

The storage layer ranks, filters, pages and cuts snippets; this module only joins a page of
hits to its (capped) count, so every search page and the JSON API agree."""

from __future__ import annotations

from dataclasses import dataclass

from storage.filters import ArticleFilters
from storage.search import ArchiveSearch, SearchHit

COUNT_CAP = 10_000
"""Matches are counted up to this many."""


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
) -> SearchPage:
    """One page of hits for ``query``; raises ``ValueError`` (one line) when the query has no
    word to search for."""
    hits = search.search(query, limit=limit, offset=offset, filters=filters)
    total = search.count(query, filters=filters, cap=COUNT_CAP) if hits or offset else 0
    return SearchPage(hits, total, COUNT_CAP)
