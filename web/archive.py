"""The archive a reader serves: checked once at start (present, at this program's schema), never
migrated or written, then shared by every request."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic.script import ScriptDirectory
from fastapi import Request
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from storage.browse import ArchiveBrowser
from storage.config import database_problem, mask_url
from storage.migrate import MIGRATIONS_DIR, current_revision, head_revision
from storage.search import ArchiveSearch
from storage.stats import ArchiveStats


class ArchiveNotReady(RuntimeError):
    """The database cannot be served as it is; the message is one line, safe to print."""


@dataclass(frozen=True, slots=True)
class Archive:
    """The read interfaces over one archive."""

    url: str
    browser: ArchiveBrowser
    search: ArchiveSearch
    stats: ArchiveStats


def check_schema(url: str) -> None:
    """Refuse a missing archive, one never migrated, one behind this program (the reader does
    not migrate: it may hold a read-only role) and one ahead of it."""
    parsed = make_url(url)
    database = parsed.database or ""
    is_file = parsed.get_backend_name() == "sqlite" and database not in ("", ":memory:")
    if is_file and not Path(database).expanduser().exists():
        raise ArchiveNotReady(f"no archive at {mask_url(url)}")
    try:
        current = current_revision(url)
    except SQLAlchemyError as exc:
        raise ArchiveNotReady(database_problem(url, exc)) from exc
    head = head_revision()
    if current == head:
        return
    if current is None:
        raise ArchiveNotReady(f"database {mask_url(url)} holds no archive")
    known = {rev.revision for rev in ScriptDirectory(str(MIGRATIONS_DIR)).walk_revisions()}
    if current in known:
        raise ArchiveNotReady(
            f"database {mask_url(url)} is at schema revision {current}, behind this program's "
            f"{head}: run `viva-archive db upgrade` first (the web reader never migrates)"
        )
    raise ArchiveNotReady(
        f"database {mask_url(url)} is at schema revision {current}, newer than this program "
        f"knows (head {head}): upgrade viva-militer-archive"
    )


def open_archive(url: str) -> Archive:
    """The checked archive at ``url``."""
    check_schema(url)
    return Archive(url, ArchiveBrowser(url), ArchiveSearch(url), ArchiveStats(url))


def archive(request: Request) -> Archive:
    """The app's archive (a FastAPI dependency)."""
    return request.app.state.archive  # type: ignore[no-any-return]
