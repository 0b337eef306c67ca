"""The delivery queue of the alert outbox: what is due, claiming a delivery before sending it,
recording how it went, and what the CLI, the web reader and ``/metrics`` show of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from storage.engine import get_session_factory
from storage.models import DELIVERY_STATUSES, AlertDelivery, AlertEvent, Article, Watch

CLAIM_LEASE = timedelta(minutes=5)
"""How long a claimed delivery is left to its sender before another run may try it again (a
sender killed mid-send: the event goes again, with the same id)."""


@dataclass(frozen=True, slots=True)
class DueDelivery:
    """A pending delivery with what sending it needs."""

    id: int
    destination: str
    attempts: int
    created_at: datetime
    event_key: int
    event_id: str
    kind: str
    article_id: int | None
    revision: int | None
    detail: dict[str, Any]
    event_at: datetime
    watch_name: str
    watch_query: str | None


@dataclass(frozen=True, slots=True)
class DeliveryRow:
    """A delivery as ``viva-archive alerts`` and the web reader list it."""

    id: int
    event_id: str
    watch: str
    kind: str
    article_id: int | None
    revision: int | None
    destination: str
    status: str
    attempts: int
    event_at: datetime
    last_attempt_at: datetime | None
    next_attempt_at: datetime
    sent_at: datetime | None
    last_error: str | None


@dataclass(frozen=True, slots=True)
class WatchEvent:
    """An event as the web reader lists it."""

    event_id: str
    kind: str
    article_id: int | None
    revision: int | None
    created_at: datetime
    title: str | None
    detail: dict[str, Any]


_COLUMNS = (
    AlertDelivery.id, AlertEvent.event_id, Watch.name, AlertEvent.kind, AlertEvent.article_id,
    AlertEvent.revision, AlertDelivery.destination, AlertDelivery.status, AlertDelivery.attempts,
    AlertEvent.created_at, AlertDelivery.last_attempt_at, AlertDelivery.next_attempt_at,
    AlertDelivery.sent_at, AlertDelivery.last_error,
)  # fmt: skip


_DUE_COLUMNS = (
    AlertDelivery.id, AlertDelivery.destination, AlertDelivery.attempts, AlertDelivery.created_at,
    AlertEvent.id, AlertEvent.event_id, AlertEvent.kind, AlertEvent.article_id,
    AlertEvent.revision, AlertEvent.detail, AlertEvent.created_at, Watch.name, Watch.query,
)  # fmt: skip


class DeliveryQueue:
    """The deliveries of one archive."""

    def __init__(self, url: str | None = None, sessions: sessionmaker[Session] | None = None):
        self.sessions = sessions or get_session_factory(url)

    def due(
        self, now: datetime, limit: int = 1000, *, event_id: str | None = None
    ) -> list[DueDelivery]:
        """Pending deliveries whose time has come, oldest event first (one event's only, when
        ``event_id`` is given)."""
        stmt = (
            select(*_DUE_COLUMNS)
            .join(AlertEvent, AlertEvent.id == AlertDelivery.event_id)
            .join(Watch, Watch.id == AlertEvent.watch_id)
            .where(AlertDelivery.status == "pending", AlertDelivery.next_attempt_at <= now)
            .order_by(AlertDelivery.id)
            .limit(limit)
        )
        if event_id is not None:
            stmt = stmt.where(AlertEvent.event_id == event_id)
        with self.sessions() as session:
            return [DueDelivery(*row) for row in session.execute(stmt)]

    def claim(self, delivery_id: int, now: datetime) -> bool:
        """Take a due delivery for one attempt (False: another sender has it, or it is done).
        The attempt is counted now, so a sender that dies mid-send still uses one up."""
        with self.sessions.begin() as session:
            claimed = session.execute(
                update(AlertDelivery)
                .where(
                    AlertDelivery.id == delivery_id,
                    AlertDelivery.status == "pending",
                    AlertDelivery.next_attempt_at <= now,
                )
                .values(
                    next_attempt_at=now + CLAIM_LEASE,
                    last_attempt_at=now,
                    attempts=AlertDelivery.attempts + 1,
                )
            )
            return bool(claimed.rowcount)

    def finish(
        self,
        delivery_id: int,
        status: str,
        *,
        now: datetime,
        error: str | None = None,
        retry_at: datetime | None = None,
    ) -> None:
        """Record an attempt: ``sent``, ``failed`` for good, or ``pending`` until ``retry_at``."""
        if status not in DELIVERY_STATUSES:
            raise ValueError(f"unknown delivery status {status!r}")
        values: dict[str, Any] = {"status": status, "last_error": error}
        if status == "sent":
            values["sent_at"] = now
        if status == "pending":
            values["next_attempt_at"] = retry_at or now
        with self.sessions.begin() as session:
            session.execute(
                update(AlertDelivery).where(AlertDelivery.id == delivery_id).values(values)
            )

    def recent(
        self,
        *,
        limit: int = 50,
        status: str | None = None,
        watch: str | None = None,
    ) -> list[DeliveryRow]:
        """The latest deliveries, newest event first (only ``status`` / ``watch`` when given)."""
        stmt = (
            select(*_COLUMNS)
            .join(AlertEvent, AlertEvent.id == AlertDelivery.event_id)
            .join(Watch, Watch.id == AlertEvent.watch_id)
            .order_by(AlertDelivery.id.desc())
            .limit(limit)
        )
        if status is not None:
            stmt = stmt.where(AlertDelivery.status == status)
        if watch is not None:
            stmt = stmt.where(Watch.name == watch)
        with self.sessions() as session:
            return [DeliveryRow(*row) for row in session.execute(stmt)]

    def events(self, watch: str, limit: int = 50) -> list[WatchEvent]:
        """A watch's latest events with the title of their article, newest first."""
        stmt = (
            select(
                AlertEvent.event_id,
                AlertEvent.kind,
                AlertEvent.article_id,
                AlertEvent.revision,
                AlertEvent.created_at,
                Article.title,
                AlertEvent.detail,
            )
            .join(Watch, Watch.id == AlertEvent.watch_id)
            .outerjoin(Article, Article.article_id == AlertEvent.article_id)
            .where(Watch.name == watch)
            .order_by(AlertEvent.id.desc())
            .limit(limit)
        )
        with self.sessions() as session:
            return [WatchEvent(*row) for row in session.execute(stmt)]

    def counts(self) -> dict[str, int]:
        """Deliveries by status (every status present, 0 when none)."""
        stmt = select(AlertDelivery.status, func.count()).group_by(AlertDelivery.status)
        with self.sessions() as session:
            found = {status: count for status, count in session.execute(stmt)}
        return {status: int(found.get(status, 0)) for status in DELIVERY_STATUSES}

    def oldest_pending(self) -> datetime | None:
        """When the oldest event still waiting for a delivery was recorded (None: none waits)."""
        stmt = (
            select(func.min(AlertEvent.created_at))
            .join(AlertDelivery, AlertDelivery.event_id == AlertEvent.id)
            .where(AlertDelivery.status == "pending")
        )
        with self.sessions() as session:
            return session.scalar(stmt)
