"""The alert outbox: events recorded in the transaction of the change they announce, one delivery
row per destination, so nothing is lost if the process dies before the delivery (at least once;
receivers drop repeats by the event's stable id)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from storage.batching import chunks
from storage.models import AlertDelivery, AlertEvent, Article, Watch
from storage.watch_matching import WatchRule, matching_watches

HEALTH = "health"
"""The ``events`` value of a health watch."""


def new_event_id() -> str:
    """A stable, unguessable event id (sent as ``X-Viva-Archive-Event-Id``)."""
    return f"evt_{uuid.uuid4().hex}"


def article_watches(session: Session) -> dict[int, tuple[Watch, WatchRule]]:
    """Every article watch by id, with its matching rule (one small read per transaction)."""
    return {
        watch.id: (watch, WatchRule.of(watch))
        for watch in session.scalars(select(Watch))
        if HEALTH not in (watch.events or ())
    }


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event to record for a watch."""

    watch: Watch
    kind: str
    article_id: int | None = None
    revision: int | None = None
    detail: Mapping[str, Any] = field(default_factory=dict)


def add_events(session: Session, events: Sequence[NewEvent], now: datetime) -> list[str]:
    """Record events and a pending delivery to each destination of their watch, in two
    multi-row statements whatever their number; their event ids, in order."""
    if not events:
        return []
    ids = [new_event_id() for _ in events]
    rows = [
        {"event_id": event_id, "watch_id": event.watch.id, "kind": event.kind,
         "article_id": event.article_id, "revision": event.revision,
         "detail": dict(event.detail), "created_at": now}
        for event_id, event in zip(ids, events, strict=True)
    ]  # fmt: skip
    inserted = session.execute(
        insert(AlertEvent).returning(AlertEvent.event_id, AlertEvent.id), rows
    )
    keys = {event_id: key for event_id, key in inserted}
    deliveries = [
        {"event_id": keys[event_id], "destination": target, "status": "pending",
         "attempts": 0, "next_attempt_at": now, "created_at": now}
        for event_id, event in zip(ids, events, strict=True)
        for target in event.watch.destinations
    ]  # fmt: skip
    if deliveries:
        session.execute(insert(AlertDelivery), deliveries)
    return ids


def add_event(session: Session, event: NewEvent, now: datetime) -> str:
    """Record one event (see :func:`add_events`); its id."""
    return add_events(session, [event], now)[0]


def record_article_events(
    session: Session,
    kind: str,
    changed: Iterable[tuple[Mapping[str, Any], int | None]],
    now: datetime,
    watches: dict[int, tuple[Watch, WatchRule]] | None = None,
) -> int:
    """An event for every watch matching each ``(article, revision)`` of a ``kind`` change
    (``new``, ``changed``, ``gone``), in the caller's transaction; how many were recorded."""
    watches = article_watches(session) if watches is None else watches
    rules = [rule for _, rule in watches.values() if kind in rule.events]
    if not rules:
        return 0
    events = [
        NewEvent(watches[watch_id][0], kind, int(article["article_id"]), revision)
        for article, revision in changed
        for watch_id in matching_watches(rules, kind, article)
    ]
    return len(add_events(session, events, now))


def record_gone_events(session: Session, article_ids: list[int], now: datetime) -> int:
    """``gone`` events for articles just marked gone (their stored columns are matched)."""
    watches = article_watches(session)
    if not article_ids or not any("gone" in rule.events for _, rule in watches.values()):
        return 0
    columns = (Article.article_id, Article.title, Article.body, Article.subchannel,
               Article.tags, Article.authors, Article.revision_count)  # fmt: skip
    rows = [
        dict(row)
        for part in chunks(article_ids)
        for row in session.execute(select(*columns).where(Article.article_id.in_(part))).mappings()
    ]
    return record_article_events(
        session, "gone", [(row, row["revision_count"]) for row in rows], now, watches
    )
