"""Query parameters shared by the pages and the API, validated once: bounded lengths, sane
dates, no control characters (PostgreSQL refuses NUL in text), ``live``/``gone`` only.

HTML forms send empty fields as ``name=``: an empty value means "no filter"."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import HTTPException, Query

from storage.filters import ArticleFilters
from storage.models import ARTICLE_STATUSES
from storage.validation import MAX_ARTICLE_ID

MAX_NAME = 100
"""Longest subchannel, tag or author name accepted in a filter."""
MAX_QUERY = 200
"""Longest search query accepted."""
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 50
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)
"""Dates outside these would overflow timestamp arithmetic; nothing is published there."""

Name = Annotated[str | None, Query(max_length=MAX_NAME)]
Day = Annotated[str | None, Query(max_length=10, description="YYYY-MM-DD, a WIB calendar day")]
Status = Annotated[str | None, Query(max_length=4, description="live or gone")]
PageSize = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)]
Key = Annotated[int | None, Query(ge=0, le=MAX_ARTICLE_ID, description="keyset cursor")]
SearchText = Annotated[str, Query(max_length=MAX_QUERY)]
Offset = Annotated[int, Query(ge=0, le=10_000)]


class BadInput(HTTPException):
    """A request the archive cannot answer as asked (400, one line)."""

    def __init__(self, message: str) -> None:
        super().__init__(status_code=400, detail=message)


def clean_text(name: str, value: str | None) -> str | None:
    """``value`` stripped (None when empty); refuses control characters."""
    if value is None:
        return None
    if any(ord(char) < 32 or ord(char) == 127 for char in value):
        raise BadInput(f"{name} holds control characters")
    return value.strip() or None


def parse_day(name: str, value: str | None) -> date | None:
    """A ``YYYY-MM-DD`` day between 1900 and 2999, or None."""
    value = clean_text(name, value)
    if value is None:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise BadInput(f"{name} is not a date (expected YYYY-MM-DD): {value!r}") from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise BadInput(f"{name} must lie between {FIRST_DAY} and {LAST_DAY}")
    return day


async def article_filters(
    subchannel: Name = None,
    since: Day = None,
    until: Day = None,
    tag: Name = None,
    author: Name = None,
    status: Status = None,
) -> ArticleFilters:
    """The filter parameters of a list, a search or a feed (a FastAPI dependency; ``async``
    because it does no I/O: FastAPI would run a plain function in a worker thread)."""
    first, last = parse_day("since", since), parse_day("until", until)
    if first and last and first > last:
        raise BadInput(f"since {first} is after until {last}")
    wanted = clean_text("status", status)
    if wanted is not None and wanted not in ARTICLE_STATUSES:
        raise BadInput(f"status must be one of {', '.join(ARTICLE_STATUSES)}")
    return ArticleFilters(
        subchannel=clean_text("subchannel", subchannel),
        since=first,
        until=last,
        tag=clean_text("tag", tag),
        author=clean_text("author", author),
        status=wanted,
    )
