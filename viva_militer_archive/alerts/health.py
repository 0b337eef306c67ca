"""Health watches: the daemon's health warnings (the text ``/healthz`` gives) pushed once when
they appear and once when they clear, never on every run; checked by each delivery run."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from storage.browse import ArchiveBrowser
from storage.engine import get_session_factory
from storage.models import Watch
from storage.outbox import HEALTH, NewEvent, add_event
from viva_militer_archive.settings import Settings
from viva_militer_archive.web.health import current_warnings, daemon_policy


def announce_health(url: str | None, now: datetime, settings: Settings) -> int:
    """Record a ``health`` event (warnings appeared) or a ``recovered`` one (they cleared) for
        every health watch whose last announcement no longer holds; how many were recorded. The
    thresholds are the daemon's, from ``settings`` (as ``/healthz`` reads them)."""
    sessions = get_session_factory(url)
    with sessions() as session:
        if not any(HEALTH in (w.events or ()) for w in session.scalars(select(Watch))):
            return 0
    warnings = current_warnings(ArchiveBrowser(url), daemon_policy(settings))
    recorded = 0
    with sessions.begin() as session:
        for watch in session.scalars(select(Watch)):
            if HEALTH not in (watch.events or ()) or bool(watch.health_warnings) == bool(warnings):
                continue
            kind = HEALTH if warnings else "recovered"
            add_event(session, NewEvent(watch, kind, detail={"warnings": warnings}), now)
            watch.health_warnings = list(warnings)
            recorded += 1
    return recorded
