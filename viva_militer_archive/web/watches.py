"""The watches in the web reader, read-only: ``/watches`` (a page), ``/api/watches`` (JSON),
``/feeds/watches/{name}.atom`` (a watch's events for feed readers).

Destinations are shown by kind and host only: a webhook URL often carries a token in its path
(Slack's, Discord's), and the reader may be public."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, HTTPException, Path, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel
from sqlalchemy.orm import sessionmaker

from storage.deliveries import WatchEvent
from storage.models import Watch
from storage.watches import WatchStore, watch_record
from viva_militer_archive.web.api import ERRORS, Reader, Timestamp
from viva_militer_archive.web.feeds import Entry, entry_urn
from viva_militer_archive.web.health import queue_of
from viva_militer_archive.web.ops import FEED_ROUTE, _absolute, _feed
from viva_militer_archive.web.pages import render

RECENT_EVENTS = 20
WatchName = Annotated[str, Path(max_length=80, pattern=r"^[A-Za-z0-9_-]+$")]

router = APIRouter(responses=ERRORS)


def public_destination(target: str) -> str:
    """``webhook:https://hooks.example.org/T0/secret`` -> ``webhook to hooks.example.org``."""
    kind, _, value = target.partition(":")
    host = urlsplit(value).hostname if kind == "webhook" else value.rpartition("@")[2]
    return f"{kind} to {host or '?'}"


def public_watch(watch: Watch) -> dict[str, Any]:
    """:func:`storage.watches.watch_record` with each destination shown by kind and host only
    (webhook URLs often carry tokens)."""
    record = watch_record(watch)
    record["destinations"] = [public_destination(target) for target in watch.destinations]
    return record


class EventBody(BaseModel):
    event_id: str
    kind: str
    article_id: int | None
    revision: int | None
    created_at: Timestamp
    title: str | None


class WatchBody(BaseModel):
    """A watch (destinations by kind and host only) and its latest events."""

    name: str
    query: str | None
    subchannel: str | None
    tag: str | None
    author: str | None
    events: list[str]
    destinations: list[str]
    created_at: Timestamp
    recent_events: list[EventBody]


class WatchList(BaseModel):
    watches: list[WatchBody]


def _watches(reader: Any) -> list[dict[str, Any]]:
    engine = reader.browser.engine
    queue = queue_of(engine)
    return [
        public_watch(watch) | {"recent_events": queue.events(watch.name, RECENT_EVENTS)}
        for watch in WatchStore(sessions=sessionmaker(engine)).all()
    ]


@router.get("/api/watches", response_model=WatchList, tags=["archive"], summary="Watches")
def api_watches(reader: Reader) -> dict[str, Any]:
    return {"watches": [w | {"recent_events": [vars_of(e) for e in w["recent_events"]]}
                        for w in _watches(reader)]}  # fmt: skip


def vars_of(event: WatchEvent) -> dict[str, Any]:
    return {name: getattr(event, name) for name in EventBody.model_fields}


@router.get("/watches", response_class=HTMLResponse, include_in_schema=False)
def watches_page(request: Request, reader: Reader) -> HTMLResponse:
    return render(request, "watches.html", watches=_watches(reader))


def event_entry(request: Request, watch: str, event: WatchEvent) -> Entry:
    """A watch's event as a feed entry: the article page, or the diff of an edit."""
    link = f"/articles/{event.article_id}" if event.article_id else "/watches"
    if event.kind == "changed" and event.revision and event.revision > 1:
        link += f"/revisions/{event.revision - 1}..{event.revision}"
    what = {"new": "New", "changed": "Edited", "gone": "Removed from the site"}.get(
        event.kind, event.kind.capitalize()
    )
    title = f"{what}: {event.title}" if event.title else what
    return Entry(
        id=entry_urn("watch", watch, event.event_id),
        title=title,
        updated=event.created_at,
        link=_absolute(request, link),
        summary="; ".join(event.detail.get("warnings") or []) or None,
    )


@router.get("/feeds/watches/{name}.atom", **FEED_ROUTE)
def watch_feed(request: Request, reader: Reader, name: WatchName) -> Response:
    """A watch's latest events."""
    engine = reader.browser.engine
    if not any(w.name == name for w in WatchStore(sessions=sessionmaker(engine)).all()):
        raise HTTPException(404, f"no watch named {name!r}")
    events = queue_of(engine).events(name, 50)
    entries = [event_entry(request, name, event) for event in events]
    return _feed(request, f"watches:{name}", f"VIVA Militer archive: watch {name}", entries)
