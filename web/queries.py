"""Search as the web reader sees it: one page of hits with plain-text snippets, the ranges of
the matched words, and a total count, whatever the storage layer's search looks like today.

Every search of the web package goes through :func:`search_page`. The storage layer's search
is being given filters, offsets, counts and plain snippets (the "search API contract");
:func:`_contract_page` already speaks it, and switching to it is the one marked line in
:func:`search_page`. Until then :func:`_today_page` asks today's ``ArchiveSearch.search`` for a
window of hits and filters, counts and pages them here (ranking and snippets stay the storage
layer's)."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from storage.browse import ArchiveBrowser, ArticleFilters, day_bounds
from storage.search import ArchiveSearch, search_words

COUNT_CAP = 10_000
"""Matches are counted up to this many."""
TODAY_WINDOW = 200
"""How many of today's ranked hits are filtered, counted and paged here."""
START, STOP = "\x02", "\x03"
"""Marks around matched words in today's snippets: characters no article text holds."""
_MARKS_RE = re.compile(f"({START}|{STOP})")


@dataclass(frozen=True, slots=True)
class FoundArticle:
    """One hit, as in the contract's ``SearchHit``: ``snippet`` is plain text and
    ``highlights`` the ``(start, end)`` character ranges of matched words in it."""

    article_id: int
    title: str
    url: str
    subchannel: str | None
    published_at: datetime | None
    status: str
    in_title: bool
    score: float
    snippet: str
    highlights: tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True)
class SearchPage:
    """The hits of one page and how many articles match in all (up to :data:`COUNT_CAP`)."""

    hits: list[Any]
    """:class:`FoundArticle` today, the contract's ``SearchHit`` after the switch."""
    total: int
    cap: int
    """Counting stopped here: ``total == cap`` means "at least that many"."""

    @property
    def capped(self) -> bool:
        return self.total >= self.cap


def search_page(
    search: ArchiveSearch,
    browser: ArchiveBrowser,
    query: str,
    *,
    limit: int,
    offset: int = 0,
    filters: ArticleFilters | None = None,
) -> SearchPage:
    """One page of hits for ``query``; raises ``ValueError`` (one line) when the query has no
    word to search for."""
    if not search_words(query):
        raise ValueError(f"nothing to search for in {query!r}: give at least one word")
    return _today_page(search, browser, query, limit, offset, filters)  # contract: _contract_page


def unmark(marked: str) -> tuple[str, tuple[tuple[int, int], ...]]:
    """A snippet with :data:`START`/:data:`STOP` marks as plain text plus the marked ranges."""
    plain: list[str] = []
    ranges: list[tuple[int, int]] = []
    position, start = 0, None
    for part in _MARKS_RE.split(marked):
        if part == START:
            start = position
        elif part == STOP:
            if start is not None and position > start:
                ranges.append((start, position))
            start = None
        else:
            plain.append(part)
            position += len(part)
    return "".join(plain), tuple(ranges)


def _today_page(
    search: ArchiveSearch,
    browser: ArchiveBrowser,
    query: str,
    limit: int,
    offset: int,
    filters: ArticleFilters | None,
) -> SearchPage:
    """Unfiltered: the hits up to this page and one more (the count is "at least"). Filtered:
    a window of :data:`TODAY_WINDOW` hits, filtered here, then paged."""
    filtering = filters is not None and bool(filters.query_items())
    window = TODAY_WINDOW if filtering else offset + limit + 1
    hits = search.search(query, limit=window, marks=(START, STOP))
    if filters is not None and filtering:
        start, end = day_bounds(filters)
        hits = [
            hit
            for hit in hits
            if (not filters.subchannel or hit.subchannel == filters.subchannel)
            and (not filters.status or hit.status == filters.status)
            and (start is None or (hit.published_at is not None and hit.published_at >= start))
            and (end is None or (hit.published_at is not None and hit.published_at < end))
        ]
        if filters.tag or filters.author:
            keep = browser.matching_ids([hit.article_id for hit in hits], filters)
            hits = [hit for hit in hits if hit.article_id in keep]
    found = []
    for hit in hits[offset : offset + limit]:
        snippet, highlights = unmark(hit.snippet)
        found.append(
            FoundArticle(
                **{**asdict(hit), "snippet": snippet},  # type: ignore[arg-type]
                highlights=highlights,
            )
        )
    return SearchPage(found, len(hits), window)


def _contract_page(
    search: Any,
    browser: ArchiveBrowser,
    query: str,
    limit: int,
    offset: int,
    filters: ArticleFilters | None,
) -> SearchPage:
    """The same page from a storage search that follows the contract (filters, offset, count,
    plain snippets with highlights)."""
    from storage.search import SearchFilters  # type: ignore[attr-defined]  # the contract's

    wanted = SearchFilters(**asdict(filters)) if filters is not None else None
    hits = search.search(query, limit=limit, offset=offset, filters=wanted)
    return SearchPage(list(hits), search.count(query, filters=wanted, cap=COUNT_CAP), COUNT_CAP)
