"""Opening an existing archive for reading: refuse a missing one instead of creating it."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import make_url

from storage.config import mask_url
from storage.migrate import current_revision, ensure_schema
from viva_militer_archive.cli.demo import DEMO_DATABASE_URL
from viva_militer_archive.cli.errors import CliError


def missing_archive_file(url: str) -> CliError | None:
    """The error for a SQLite ``url`` whose file does not exist (with how to get or name an
    archive, the demo's included), else None."""
    parsed = make_url(url)
    database = parsed.database or ""
    is_file = parsed.get_backend_name() == "sqlite" and database not in ("", ":memory:")
    if not is_file or Path(database).expanduser().exists():
        return None
    return CliError(
        f"no archive at {mask_url(url)}: run a crawl, or give --database-url URL "
        f"(after `viva-archive demo`: --database-url {DEMO_DATABASE_URL})"
    )


def open_archive(url: str) -> str:
    """Check that ``url`` holds an archive (upgrading one that is behind) and return it.

    A missing SQLite file or a never-migrated database is an error, not a new empty archive:
    a mistyped ``--database-url`` must not look like an archive with nothing in it."""
    missing = missing_archive_file(url)
    if missing is not None:
        raise missing
    if current_revision(url) is None:
        raise CliError(f"database {mask_url(url)} holds no archive (run `viva-archive db upgrade`)")
    ensure_schema(url)
    return url
