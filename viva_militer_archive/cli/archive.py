"""Opening an existing archive for reading: refuse a missing one instead of creating it."""

from __future__ import annotations

from storage.config import mask_url
from storage.migrate import ArchiveState, archive_status, ensure_schema, missing_sqlite_file
from viva_militer_archive.cli.demo import DEMO_DATABASE_URL
from viva_militer_archive.cli.errors import CliError


def missing_archive_file(url: str) -> CliError | None:
    """The error for a SQLite ``url`` whose file does not exist (with how to get or name an
    archive, the demo's included), else None."""
    if not missing_sqlite_file(url):
        return None
    return CliError(
        f"no archive at {mask_url(url)}: run a crawl, or give --database-url URL "
        f"(after `viva-archive demo`: --database-url {DEMO_DATABASE_URL})"
    )


def open_archive(url: str) -> str:
    """Check that ``url`` holds an archive (upgrading one that is behind) and return it.

    A missing SQLite file or a never-migrated database is an error, not a new empty archive:
    a mistyped ``--database-url`` must not look like an archive with nothing in it."""
    status = archive_status(url)
    if status.no_file:
        raise missing_archive_file(url) or CliError(f"no archive at {mask_url(url)}")
    if status.state is ArchiveState.MISSING:
        raise CliError(f"database {mask_url(url)} holds no archive (run `viva-archive db upgrade`)")
    ensure_schema(url)  # upgrades one behind, refuses one ahead
    return url
