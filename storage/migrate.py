"""Schema migrations driven from code: bring a database to head before it is used."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum
from importlib.util import find_spec
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url

from storage.config import mask_url, resolve_database_url
from storage.engine import get_engine
from storage.locks import NamedLock

log = logging.getLogger(__name__)
# Alembic announces its context on every revision check; ensure_schema logs real upgrades itself.
logging.getLogger("alembic.runtime.migration").setLevel(logging.WARNING)


def migrations_dir() -> Path:
    """The folder of the ``migrations`` package, found without importing it (storage sits
    below it): ``find_spec`` of a top-level name only asks the import system where the package
    is, which works from a checkout, an editable install (its finder maps the name to the
    checkout) and a regular install (``site-packages/migrations``) alike."""
    spec = find_spec("migrations")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the migrations package of viva-militer-archive is not installed")
    return Path(next(iter(spec.submodule_search_locations))).resolve()


MIGRATIONS_DIR = migrations_dir()


class SchemaTooNewError(RuntimeError):
    """The database carries a revision this program does not know (a newer release wrote it)."""


def alembic_config(url: str | None = None) -> Config:
    """An Alembic config for ``url`` (default: the configured database), no ini file needed."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    config.attributes["database_url"] = resolve_database_url(url)
    return config


def head_revision() -> str:
    """The newest migration this program ships."""
    head = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
    assert head is not None, "migrations/versions holds no migration"
    return head


def current_revision(url: str | None = None) -> str | None:
    """The revision the database is at (None when it was never migrated)."""
    with get_engine(url).connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(url: str | None = None, revision: str = "head") -> None:
    """Migrate up to ``revision``, holding a lock so two processes never migrate at once."""
    url = resolve_database_url(url)
    with NamedLock(url, "migrate", blocking=True):
        command.upgrade(alembic_config(url), revision)


def downgrade(url: str | None, revision: str) -> None:
    """Migrate down to ``revision`` (``base`` removes every table of the archive)."""
    url = resolve_database_url(url)
    with NamedLock(url, "migrate", blocking=True):
        command.downgrade(alembic_config(url), revision)


class ArchiveState(StrEnum):
    """Where a database stands against this program's migrations."""

    MISSING = "missing"
    """No archive: a SQLite file that does not exist, or a database never migrated."""
    BEHIND = "behind"
    """At a revision this program knows, older than its head: an upgrade brings it to head."""
    AHEAD = "ahead"
    """At a revision this program does not know: a newer release wrote it."""
    READY = "ready"
    """At this program's head."""


@dataclass(frozen=True, slots=True)
class ArchiveStatus:
    """The state of one database, with the revisions it was judged by."""

    url: str
    state: ArchiveState
    current: str | None
    """The database's revision (None: never migrated, or no file)."""
    head: str
    no_file: bool = False
    """A SQLite file that does not exist (nothing was created to find out)."""

    def too_new(self) -> str:
        """The one-line refusal of a database :attr:`ArchiveState.AHEAD` of this program."""
        return (
            f"database {mask_url(self.url)} is at schema revision {self.current}, newer than "
            f"this program knows (head {self.head}): upgrade viva-militer-archive"
        )


def missing_sqlite_file(url: str) -> bool:
    """Whether ``url`` names a SQLite file that does not exist (in-memory databases exist)."""
    parsed = make_url(url)
    database = parsed.database or ""
    is_file = parsed.get_backend_name() == "sqlite" and database not in ("", ":memory:")
    return is_file and not Path(database).expanduser().exists()


def archive_status(url: str | None = None) -> ArchiveStatus:
    """Missing, behind, ahead or ready: the one check of a database against this program,
    used by the crawl (which then upgrades), the command line and the web reader (which
    never migrate an archive they only read). A missing SQLite file is not created; an
    unreachable database raises the driver's ``SQLAlchemyError``."""
    url = resolve_database_url(url)
    head = head_revision()
    if missing_sqlite_file(url):
        return ArchiveStatus(url, ArchiveState.MISSING, None, head, no_file=True)
    current = current_revision(url)
    if current is None:
        state = ArchiveState.MISSING
    elif current == head:
        state = ArchiveState.READY
    elif current in {rev.revision for rev in ScriptDirectory(str(MIGRATIONS_DIR)).walk_revisions()}:
        state = ArchiveState.BEHIND
    else:
        state = ArchiveState.AHEAD
    return ArchiveStatus(url, state, current, head)


def ensure_schema(url: str | None = None) -> None:
    """Upgrade a database that is missing or behind head (logged once); refuse one that is
    ahead (:class:`SchemaTooNewError`)."""
    status = archive_status(url)
    if status.state is ArchiveState.READY:
        return
    if status.state is ArchiveState.AHEAD:
        raise SchemaTooNewError(status.too_new())
    log.info(
        "Upgrading database %s from %s to %s",
        mask_url(status.url),
        status.current or "empty",
        status.head,
    )
    upgrade(status.url)
