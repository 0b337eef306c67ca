"""Schema migrations driven from code: bring a database to head before it is used."""

from __future__ import annotations

import logging
from importlib.util import find_spec
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

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


def ensure_schema(url: str | None = None) -> None:
    """Upgrade a database that is behind head (logged once); refuse one that is ahead."""
    url = resolve_database_url(url)
    current, head = current_revision(url), head_revision()
    if current == head:
        return
    known = {rev.revision for rev in ScriptDirectory(str(MIGRATIONS_DIR)).walk_revisions()}
    if current is not None and current not in known:
        raise SchemaTooNewError(
            f"database {mask_url(url)} is at schema revision {current}, newer than this "
            f"program knows (head {head}): upgrade viva-militer-archive"
        )
    log.info("Upgrading database %s from %s to %s", mask_url(url), current or "empty", head)
    upgrade(url)
