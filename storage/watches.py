"""Watches kept in the archive: add, list, find and remove them (``viva-archive watch``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from storage.engine import get_session_factory
from storage.models import WATCH_EVENTS, Article, Watch
from storage.outbox import HEALTH, NewEvent, add_event
from storage.word_forms import parse_query

MAX_NAME = 80
DESTINATION_KINDS = ("webhook", "email")


class WatchError(ValueError):
    """A watch that cannot be added or found (a one-line reason)."""


@dataclass(frozen=True, slots=True)
class WatchSpec:
    """What ``watch add`` asks for."""

    name: str
    query: str | None = None
    subchannel: str | None = None
    tag: str | None = None
    author: str | None = None
    events: tuple[str, ...] = WATCH_EVENTS
    destinations: tuple[str, ...] = field(default_factory=tuple)
    health: bool = False

    def check(self) -> None:
        """Raise :class:`WatchError` on a bad name, query, event or destination."""
        if (
            not self.name
            or len(self.name) > MAX_NAME
            or not self.name.replace("-", "").replace("_", "").isalnum()
        ):
            raise WatchError(
                f"watch name {self.name!r} must be 1-{MAX_NAME} letters, digits, - or _"
            )
        if self.query is not None:
            try:
                parse_query(self.query)
            except ValueError as exc:
                raise WatchError(str(exc)) from None
        unknown = [event for event in self.events if event not in WATCH_EVENTS]
        if unknown or not self.events:
            raise WatchError(f"events must be among {', '.join(WATCH_EVENTS)}, not {unknown}")
        if self.health and (self.query or self.subchannel or self.tag or self.author):
            raise WatchError("a health watch takes no query or filters")
        if not self.destinations:
            raise WatchError("a watch needs at least one --webhook or --email")
        for target in self.destinations:
            kind, _, value = target.partition(":")
            if kind not in DESTINATION_KINDS or not value:
                raise WatchError(f"destination {target!r} is not webhook:URL or email:ADDRESS")


def watch_record(watch: Watch) -> dict[str, Any]:
    """A watch as the CLI's ``--json`` and the web reader's API give it."""
    return {
        "name": watch.name,
        "query": watch.query,
        "subchannel": watch.subchannel,
        "tag": watch.tag,
        "author": watch.author,
        "events": list(watch.events),
        "destinations": list(watch.destinations),
        "created_at": watch.created_at,
    }


class WatchStore:
    """The watches of one archive."""

    def __init__(self, url: str | None = None, sessions: sessionmaker[Session] | None = None):
        self.sessions = sessions or get_session_factory(url)

    def add(self, spec: WatchSpec, *, now: datetime | None = None) -> Watch:
        """Store a new watch (``WatchError`` if the name is taken or the spec is bad)."""
        spec.check()
        with self.sessions.begin() as session:
            if session.scalar(select(Watch.id).where(Watch.name == spec.name)) is not None:
                raise WatchError(f"a watch named {spec.name!r} already exists")
            watch = Watch(
                name=spec.name,
                query=spec.query,
                subchannel=spec.subchannel,
                tag=spec.tag,
                author=spec.author,
                events=[HEALTH] if spec.health else list(dict.fromkeys(spec.events)),
                destinations=list(dict.fromkeys(spec.destinations)),
                health_warnings=[],
                created_at=now or datetime.now(UTC),
            )
            session.add(watch)
            session.flush()
            session.expunge(watch)
        return watch

    def all(self) -> Sequence[Watch]:
        """Every watch, by name."""
        with self.sessions() as session:
            watches = session.scalars(select(Watch).order_by(Watch.name)).all()
            session.expunge_all()
        return watches

    def get(self, name: str) -> Watch:
        """The watch named ``name`` (``WatchError`` if there is none)."""
        with self.sessions() as session:
            watch = session.scalar(select(Watch).where(Watch.name == name))
            if watch is None:
                raise WatchError(f"no watch named {name!r} (see: viva-archive watch list)")
            session.expunge(watch)
        return watch

    def remove(self, name: str) -> None:
        """Delete a watch and its events (``WatchError`` if there is none)."""
        with self.sessions.begin() as session:
            if not session.execute(delete(Watch).where(Watch.name == name)).rowcount:
                raise WatchError(f"no watch named {name!r} (see: viva-archive watch list)")


def record_test_event(store: WatchStore, name: str, now: datetime) -> str:
    """A ``test`` event for the watch ``name`` (about the newest archived article, if any), with a
    pending delivery to each of its destinations; its event id."""
    with store.sessions.begin() as session:
        watch = session.scalar(select(Watch).where(Watch.name == name))
        if watch is None:
            raise WatchError(f"no watch named {name!r} (see: viva-archive watch list)")
        newest = session.scalar(select(func.max(Article.article_id)))
        detail = {"sample": True, "note": "a test event sent by `viva-archive watch test`"}
        return add_event(session, NewEvent(watch, "test", newest, detail=detail), now)
