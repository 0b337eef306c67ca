"""Machine endpoints beside the API: ``/healthz``, ``/metrics`` and the Atom feeds."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST
from pydantic import BaseModel

from storage.browse import Change
from storage.filters import ArticleFilters
from viva_militer_archive.web.api import ERRORS, Reader
from viva_militer_archive.web.feeds import ATOM_TYPE, FEED_ENTRIES, Entry, atom, entry_urn
from viva_militer_archive.web.health import current_warnings, last_verification, outbox_warnings
from viva_militer_archive.web.metrics import exposition
from viva_militer_archive.web.params import Name, article_filters

router = APIRouter(responses=ERRORS)


class Verification(BaseModel):
    """The last ``viva-archive verify``: when it ended, how many problems it found."""

    finished_at: str
    problems: int


class Health(BaseModel):
    """``ok`` when the scheduler's health rules hold and the last verification found no
    problem, else ``unhealthy`` with the reasons; ``last_verification`` once there was one."""

    status: str
    warnings: list[str]
    last_verification: Verification | None = None


@router.get(
    "/healthz",
    response_model=Health,
    tags=["operations"],
    responses={503: {"model": Health, "description": "A health rule is broken"}},
)
def healthz(reader: Reader) -> JSONResponse:
    warnings = current_warnings(reader.browser, reader.health)
    warnings += outbox_warnings(reader.browser.engine)
    body: dict[str, Any] = {"status": "unhealthy" if warnings else "ok", "warnings": warnings}
    verification = last_verification(reader.browser)
    if verification is not None:
        body["last_verification"] = verification
    return JSONResponse(body, status_code=503 if warnings else 200)


@router.get(
    "/metrics",
    tags=["operations"],
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "Prometheus text"}},
)
def metrics(request: Request) -> Response:
    return Response(exposition(request.app.state.metrics), media_type=CONTENT_TYPE_LATEST)


async def feed_filters(subchannel: Name = None, tag: Name = None) -> ArticleFilters:
    """Feeds filter by subchannel and tag only."""
    return await article_filters(subchannel=subchannel, tag=tag)


FeedFilters = Annotated[ArticleFilters, Depends(feed_filters)]
FEED_ROUTE: dict[str, Any] = {
    "tags": ["feeds"],
    "response_class": Response,
    "responses": {200: {"content": {ATOM_TYPE: {}}, "description": "An Atom feed"}},
}


def _absolute(request: Request, path: str) -> str:
    return str(request.base_url).rstrip("/") + path


@router.get("/feeds/articles.atom", **FEED_ROUTE)
def articles_feed(request: Request, reader: Reader, filters: FeedFilters) -> Response:
    """The newest articles."""
    page = reader.browser.articles(filters, limit=FEED_ENTRIES)
    entries = [
        Entry(
            id=entry_urn("article", row["article_id"]),
            title=row["title"],
            updated=row["published_at"] or row["gone_at"],
            link=_absolute(request, f"/articles/{row['article_id']}"),
            summary=row["description"],
            categories=[*([row["subchannel"]] if row["subchannel"] else []), *row["tags"]],
        )
        for row in page.rows
        if row["published_at"] or row["gone_at"]
    ]
    return _feed(request, "articles", "VIVA Militer archive: new articles", entries)


def change_entry(request: Request, change: Change) -> Entry:
    """An edit or a removal as a feed entry."""
    link = f"/articles/{change.article_id}"
    if change.kind == "edited":
        link += f"/revisions/{(change.revision or 2) - 1}..{change.revision}"
        title = f"Edited (revision {change.revision}): {change.title}"
    else:
        title = f"Removed from the site: {change.title}"
    return Entry(
        id=entry_urn("article", change.article_id, change.kind, change.revision or "gone"),
        title=title,
        updated=change.at,
        link=_absolute(request, link),
        categories=[change.subchannel] if change.subchannel else [],
    )


@router.get("/feeds/changes.atom", **FEED_ROUTE)
def changes_feed(request: Request, reader: Reader, filters: FeedFilters) -> Response:
    """The latest edits and removals."""
    changes = reader.browser.changes(filters, limit=FEED_ENTRIES)
    entries = [change_entry(request, change) for change in changes]
    return _feed(request, "changes", "VIVA Militer archive: edits and removals", entries)


def _feed(request: Request, name: str, title: str, entries: list[Entry]) -> Response:
    self_url = str(request.url.remove_query_params("token"))
    page = _absolute(request, "/changes" if name == "changes" else "/articles")
    document = atom(entry_urn("feed", name), title, self_url, page, entries)
    return Response(document, media_type=ATOM_TYPE)
