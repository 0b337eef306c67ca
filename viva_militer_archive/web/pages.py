"""The HTML pages: server-rendered, readable without JavaScript, every archived string escaped
by the templates' autoescape."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from storage.filters import ArticleFilters
from viva_militer_archive.web.api import ArticleId, Filters, Reader, daily_counts
from viva_militer_archive.web.caching import (
    IMMUTABLE,
    REVALIDATE,
    entity_tag,
    immutable,
    not_modified,
    revision_tag,
    still_fresh,
)
from viva_militer_archive.web.charts import bar_chart
from viva_militer_archive.web.diff import revision_text, side_by_side
from viva_militer_archive.web.health import current_warnings
from viva_militer_archive.web.memento import memento_headers
from viva_militer_archive.web.params import (
    BadInput,
    Key,
    Offset,
    PageSize,
    SearchText,
    clean_text,
)
from viva_militer_archive.web.queries import search_page
from viva_militer_archive.web.render import environment

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
templates = environment()
HOME_RUNS = 8
PAGE_ROWS = 20
"""Rows of an HTML list by default (as many as a search page); the API's lists give 50."""
SEARCH_PAGE_SIZE = PAGE_ROWS
MAX_RUNS = 200
_SPAN_RE = re.compile(r"(\d{1,9})\.\.(\d{1,9})")


def render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    """``name`` rendered with ``context`` (plus the request) as an HTML response."""
    html = templates.get_template(name).render(request=request, **context)
    return HTMLResponse(html, status_code=status)


def filter_form(filters: ArticleFilters, subchannels: list[str]) -> dict[str, Any]:
    """What the filter form needs: current values and the subchannels to choose from."""
    return {"filters": filters, "current": filters.query_items(), "subchannels": subchannels}


@router.get("/")
def home(request: Request, reader: Reader) -> HTMLResponse:
    stats = reader.totals.get()
    per_day = daily_counts(reader)
    runs = reader.browser.recent_runs(HOME_RUNS)
    return render(
        request,
        "home.html",
        stats=stats,
        runs=runs,
        warnings=current_warnings(reader.browser, reader.health),
        per_day=bar_chart("Articles per day, last 90 days (WIB)", list(per_day.items())),
        per_subchannel=bar_chart("Articles per subchannel", list(stats["by_subchannel"].items())),
    )


@router.get("/articles")
async def articles(
    request: Request,
    reader: Reader,
    filters: Filters,
    limit: PageSize = PAGE_ROWS,
    after: Key = None,
    before: Key = None,
) -> HTMLResponse:
    if after is not None and before is not None:
        raise BadInput("give after or before, not both")
    page = await reader.pages.articles(filters, limit=limit, after=after, before=before)
    shown_limit = None if limit == PAGE_ROWS else limit  # links keep a size that was asked for
    context = filter_form(filters, await reader.subchannels.get_async())
    return render(request, "articles.html", page=page, shown_limit=shown_limit, **context)


@router.get("/search")
async def search(
    request: Request,
    reader: Reader,
    filters: Filters,
    q: SearchText = "",
    offset: Offset = 0,
) -> HTMLResponse:
    """``async``: the search runs in the searches' own lane (see SearchLane)."""
    context = filter_form(filters, await reader.subchannels.get_async())
    q = clean_text("q", q) or ""
    if not q:
        return render(request, "search.html", q="", results=None, offset=0, size=0, **context)
    work = partial(
        search_page, reader.search, q, limit=SEARCH_PAGE_SIZE, offset=offset, filters=filters
    )
    try:
        results = await reader.searches.run(work)
    except ValueError as exc:
        raise BadInput(str(exc)) from None
    return render(
        request,
        "search.html",
        q=q,
        results=results,
        offset=offset,
        size=SEARCH_PAGE_SIZE,
        **context,
    )


@router.get("/articles/{article_id}")
async def article(request: Request, reader: Reader, article_id: ArticleId) -> Response:
    """The page, with an ETag; a conditional request for an unchanged article gets a 304.
    ``async``: read and rendered on the event loop, no worker thread (see PageReads)."""
    if "if-none-match" in request.headers:
        stamp = await reader.pages.article_stamp(article_id)
        if stamp is not None and still_fresh(request, entity_tag(stamp)):
            headers = {"etag": entity_tag(stamp), "cache-control": REVALIDATE}
            return Response(status_code=304, headers=headers)
    record = await reader.pages.article(article_id, with_revisions=True)
    if record is None:
        raise HTTPException(404, f"article {article_id} is not in the archive")
    response = render(request, "article.html", article=record, revisions=record["revisions"])
    response.headers["etag"] = entity_tag(record["stamp"])
    response.headers["cache-control"] = REVALIDATE
    return response


@router.get("/articles/{article_id}/revisions/{span}")
def revision_diff(
    request: Request,
    reader: Reader,
    article_id: ArticleId,
    span: Annotated[str, Path(max_length=24, description="A..B")],
) -> Response:
    """Two revisions side by side (``A..B``), or one revision as it stood (``N``: a memento);
    immutable (their ETag is known before any query)."""
    if span.isascii() and span.isdigit() and len(span) <= 9:
        return revision_page(request, reader, article_id, int(span))
    match = _SPAN_RE.fullmatch(span)
    if match is None:
        raise BadInput(f"{span!r} names no two revisions (expected A..B, e.g. 1..2)")
    a, b = int(match[1]), int(match[2])
    tag = revision_tag(article_id, a, b)
    if still_fresh(request, tag):
        return not_modified(tag, IMMUTABLE)
    found = {r.revision: r for r in reader.browser.revisions(article_id, (a, b))}
    missing = [n for n in (a, b) if n not in found]
    if missing:
        raise HTTPException(404, f"article {article_id} has no revision {missing[0]}")
    old, new = found[a], found[b]
    diff = side_by_side(revision_text(old.title, old.body), revision_text(new.title, new.body))
    page = render(request, "diff.html", article_id=article_id, old=old, new=new, diff=diff)
    return immutable(page, tag)


def revision_page(request: Request, reader: Reader, article_id: int, number: int) -> Response:
    """Revision ``number`` in full, with its ``Memento-Datetime`` and Memento ``Link``s."""
    tag = revision_tag(article_id, number)
    if still_fresh(request, tag):
        return not_modified(tag, IMMUTABLE)
    revisions = reader.browser.revisions(article_id)
    found = [r for r in revisions if r.revision == number]
    if not found:
        raise HTTPException(404, f"article {article_id} has no revision {number}")
    page = render(request, "revision.html", revision=found[0], count=len(revisions))
    page.headers.update(memento_headers(request, revisions, number))
    return immutable(page, tag)


@router.get("/changes")
def changes(
    request: Request,
    reader: Reader,
    filters: Filters,
    limit: PageSize = PAGE_ROWS,
) -> HTMLResponse:
    rows = reader.browser.changes(filters, limit=limit)
    return render(
        request, "changes.html", changes=rows, **filter_form(filters, reader.subchannels.get())
    )


@router.get("/runs")
def runs(
    request: Request,
    reader: Reader,
    limit: Annotated[int, Query(ge=1, le=MAX_RUNS)] = 30,
) -> HTMLResponse:
    recent = reader.browser.recent_runs(limit)
    oldest_first = list(reversed(recent))
    durations = [
        (f"#{r.id}", (r.finished_at - r.started_at).total_seconds() if r.finished_at else 0.0)
        for r in oldest_first
    ]
    new = [(f"#{r.id}", float(r.articles_new)) for r in oldest_first]
    return render(
        request,
        "runs.html",
        runs=recent,
        drops=drop_totals(recent),
        unusual=[r for r in recent if (r.status, r.finish_reason or "finished") != FINISHED],
        durations=bar_chart("Run duration", durations, unit="s"),
        new_articles=bar_chart("New articles per run", new),
    )


FINISHED = ("finished", "finished")
"""A run's status and finish reason when nothing went wrong: not worth a line of its own."""


def drop_totals(runs: Sequence[Any]) -> list[tuple[str, int, int]]:
    """Each drop reason over ``runs``: its total and in how many runs, most dropped first."""
    totals: Counter[str] = Counter()
    runs_with: Counter[str] = Counter()
    for run in runs:
        for reason, count in (run.dropped_reasons or {}).items():
            totals[reason] += count
            runs_with[reason] += 1
    return [(reason, total, runs_with[reason]) for reason, total in totals.most_common()]
