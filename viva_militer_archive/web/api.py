"""The JSON API under ``/api``: the same lists, filters, search and figures as the pages, with
an OpenAPI document. Every answer has a declared model; every refusal is ``{"error": ...}``."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Request, Response
from pydantic import BaseModel, PlainSerializer, WithJsonSchema

from storage.clock import WIB, iso_timestamp
from storage.filters import ArticleFilters
from storage.runs import run_record
from storage.validation import MAX_ARTICLE_ID
from viva_militer_archive.web.archive import Archive, archive
from viva_militer_archive.web.caching import (
    IMMUTABLE,
    immutable,
    not_modified,
    revision_tag,
    still_fresh,
)
from viva_militer_archive.web.params import (
    DEFAULT_PAGE_SIZE,
    BadInput,
    Key,
    Offset,
    PageSize,
    SearchText,
    article_filters,
    clean_text,
)
from viva_militer_archive.web.queries import search_page
from viva_militer_archive.web.render import query

CHART_DAYS = 90

Timestamp = Annotated[
    datetime,
    PlainSerializer(iso_timestamp, return_type=str, when_used="json"),
    WithJsonSchema(
        {"type": "string", "format": "date-time", "example": "2026-11-27T04:43:27+07:00"}
    ),
]
"""A time as every JSON output of the archive gives it: ISO 8601 on the site's clock (WIB,
``+07:00``), to the second (``storage.clock``'s one clock, as ``show --json`` and exports)."""


class ErrorBody(BaseModel):
    """Why a request was refused."""

    error: str


ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody, "description": text}
    for code, text in {
        400: "Bad input",
        401: "Access token required",
        404: "Not in the archive",
        414: "Request line too long",
        422: "Malformed parameter",
        503: "Database unavailable",
    }.items()
}

router = APIRouter(prefix="/api", tags=["archive"], responses=ERRORS)

ArticleId = Annotated[int, Path(ge=1, le=MAX_ARTICLE_ID)]
Filters = Annotated[ArticleFilters, Depends(article_filters)]
Reader = Annotated[Archive, Depends(archive)]
RevisionNo = Annotated[int, Path(ge=1, le=999_999_999, description="1 is the first capture")]


class Image(BaseModel):
    url: str | None
    caption: str | None
    credit: str | None


class ArticleSummary(BaseModel):
    """An article in a list (no body)."""

    article_id: int
    title: str
    url: str
    subchannel: str | None
    published_at: Timestamp | None
    authors: list[str]
    tags: list[str]
    status: str
    gone_at: Timestamp | None
    revision_count: int
    description: str | None


class ArticleList(BaseModel):
    """One page of articles, newest first, and the cursors of its neighbours."""

    articles: list[ArticleSummary]
    next_after: int | None
    prev_before: int | None
    next: str | None
    """The URL of the next (older) page, filters kept."""


class RevisionSummary(BaseModel):
    revision: int
    captured_at: Timestamp
    source: str
    content_hash: str
    title: str
    word_count: int
    crawl_run_id: int | None
    parser_version: str | None


class ArticleDetail(BaseModel):
    """An article's current version, its bookkeeping and its revision list."""

    article_id: int
    url: str
    section: str
    subchannel: str | None
    title: str
    description: str | None
    published_at: Timestamp | None
    modified_at: Timestamp | None
    authors: list[str]
    editor: str | None
    tags: list[str]
    lead_image: Image | None
    images: list[Image]
    body: str
    page_count: int
    word_count: int
    content_hash: str
    fetched_at: Timestamp
    extraction_warnings: list[str]
    first_seen_at: Timestamp
    last_checked_at: Timestamp
    revision_count: int
    status: str
    gone_at: Timestamp | None
    revisions: list[RevisionSummary]


class RevisionContent(RevisionSummary):
    """A revision in full."""

    description: str | None
    published_at: Timestamp | None
    authors: list[str]
    editor: str | None
    tags: list[str]
    body: str


class RevisionList(BaseModel):
    article_id: int
    revisions: list[RevisionContent]


class SearchHitBody(BaseModel):
    article_id: int
    title: str
    url: str
    subchannel: str | None
    published_at: Timestamp | None
    status: str
    in_title: bool
    score: float
    snippet: str
    """Plain text: escape it before showing it."""
    highlights: list[tuple[int, int]]
    """``[start, end)`` character ranges of the matched words in ``snippet``."""


class SearchResults(BaseModel):
    query: str
    total: int
    """Matching articles, counted up to ``total_cap``."""
    total_cap: int
    """Where counting stopped: ``total == total_cap`` means "at least that many"."""
    offset: int
    limit: int
    hits: list[SearchHitBody]


class RunBody(BaseModel):
    id: int
    mode: str
    arguments: dict[str, Any]
    status: str
    finish_reason: str | None
    started_at: Timestamp
    finished_at: Timestamp | None
    duration_seconds: float | None
    counters: dict[str, int]
    dropped_reasons: dict[str, int]


class RunList(BaseModel):
    runs: list[RunBody]


class LastRun(BaseModel):
    id: int
    mode: str
    started_at: Timestamp
    finished_at: Timestamp | None


class WarningSummary(BaseModel):
    runs: int
    items_with_warnings: int
    by_kind: dict[str, int]


class Stats(BaseModel):
    """What the archive holds."""

    articles: int
    live: int
    gone: int
    revisions: int
    articles_revised: int
    by_subchannel: dict[str, int]
    by_month: dict[str, int]
    """Articles per ``YYYY-MM`` of publication (WIB)."""
    per_day: dict[str, int]
    """Articles per ``YYYY-MM-DD`` of publication (WIB) over the last 90 days."""
    last_successful_run: LastRun | None
    extraction_warnings: WarningSummary


class Pong(BaseModel):
    ok: bool


@router.get("/ping", response_model=Pong, summary="Liveness of the server (touches nothing)")
async def ping() -> dict[str, bool]:
    return {"ok": True}


@router.get("/articles", response_model=ArticleList, summary="Articles, newest first")
async def list_articles(
    request: Request,
    reader: Reader,
    filters: Filters,
    limit: PageSize = DEFAULT_PAGE_SIZE,
    after: Key = None,
    before: Key = None,
) -> dict[str, Any]:
    """Keyset pagination: ``after`` (older than that id) or ``before`` (newer)."""
    if after is not None and before is not None:
        raise BadInput("give after or before, not both")
    page = await reader.pages.articles(filters, limit=limit, after=after, before=before)
    following = None
    if page.next_after is not None:
        params = {**filters.query_items(), "limit": limit, "after": page.next_after}
        following = str(request.url.replace(query=query(params)[1:]))
    return {
        "articles": page.rows,
        "next_after": page.next_after,
        "prev_before": page.prev_before,
        "next": following,
    }


@router.get("/articles/{article_id}", response_model=ArticleDetail, summary="One article")
async def get_article(reader: Reader, article_id: ArticleId) -> dict[str, Any]:
    record = await reader.pages.article(article_id, with_revisions=True)
    if record is None:
        raise HTTPException(404, f"article {article_id} is not in the archive")
    return record


@router.get(
    "/articles/{article_id}/revisions",
    response_model=RevisionList,
    summary="Every revision of an article in full, oldest first",
)
def get_revisions(reader: Reader, article_id: ArticleId) -> dict[str, Any]:
    revisions = reader.browser.revisions(article_id)
    if not revisions:
        raise HTTPException(404, f"article {article_id} is not in the archive")
    return {"article_id": article_id, "revisions": [vars(r) for r in revisions]}


@router.get(
    "/articles/{article_id}/revisions/{revision}",
    response_model=RevisionContent,
    summary="One revision in full (immutable: cached for good, with its ETag)",
    responses={304: {"description": "Not modified (If-None-Match named its ETag)"}},
)
def get_revision(
    request: Request,
    response: Response,
    reader: Reader,
    article_id: ArticleId,
    revision: RevisionNo,
) -> Any:
    tag = revision_tag(article_id, revision)
    if still_fresh(request, tag):
        return not_modified(tag, IMMUTABLE)
    found = reader.browser.revisions(article_id, (revision,))
    if not found:
        raise HTTPException(404, f"article {article_id} has no revision {revision}")
    immutable(response, tag)
    return vars(found[0])


@router.get("/search", response_model=SearchResults, summary="Full-text search")
async def search(
    reader: Reader,
    filters: Filters,
    q: SearchText,
    limit: PageSize = 20,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Every word must occur; title matches first. A search still at work after a few seconds
    is stopped: 503, with ``Retry-After``."""
    q = clean_text("q", q) or ""
    work = partial(search_page, reader.search, q, limit=limit, offset=offset, filters=filters)
    try:
        page = await reader.searches.run(work)
    except ValueError as exc:
        raise BadInput(str(exc)) from None
    return {
        "query": q,
        "total": page.total,
        "total_cap": page.cap,
        "offset": offset,
        "limit": limit,
        "hits": page.hits,
    }


@router.get("/runs", response_model=RunList, summary="The latest crawl runs, newest first")
def list_runs(reader: Reader, limit: PageSize = 20) -> dict[str, Any]:
    return {"runs": [run_record(run) for run in reader.browser.recent_runs(limit)]}


@router.get("/stats", response_model=Stats, summary="What the archive holds")
def stats(reader: Reader) -> dict[str, Any]:
    return {**reader.totals.get(), "per_day": daily_counts(reader)}


def daily_counts(reader: Archive, days: int = CHART_DAYS) -> dict[str, int]:
    """Articles per WIB day over the last ``days`` days, every day present (zero when none)."""
    first = datetime.now(WIB).date() - timedelta(days=days - 1)
    counted = reader.browser.per_day(first)
    every_day = [(first + timedelta(days=n)).isoformat() for n in range(days)]
    return {day: counted.get(day, 0) for day in every_day}
