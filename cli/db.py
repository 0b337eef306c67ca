"""``viva-archive db``: migrate the archive schema and report where it stands."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager

from alembic.util import CommandError

from cli.errors import CliError
from storage import migrate


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``db upgrade | current | downgrade REV``."""
    db = subparsers.add_parser("db", help="migrate the archive schema")
    actions = db.add_subparsers(dest="db_action", required=True, metavar="ACTION")
    up = actions.add_parser("upgrade", help="migrate to the newest schema (or to REV)")
    up.add_argument("revision", nargs="?", default="head")
    up.set_defaults(handler=run_upgrade)
    current = actions.add_parser("current", help="print the schema revision of the database")
    current.set_defaults(handler=run_current)
    down = actions.add_parser("downgrade", help="migrate down to REV ('base' drops everything)")
    down.add_argument("revision")
    down.set_defaults(handler=run_downgrade)


def run_upgrade(args: argparse.Namespace) -> int:
    with known_revision(args.revision):
        migrate.upgrade(args.database_url, args.revision)
    current, head = migrate.current_revision(args.database_url), migrate.head_revision()
    print(f"database at {current} (head {head})")
    return 0


def run_current(args: argparse.Namespace) -> int:
    current, head = migrate.current_revision(args.database_url), migrate.head_revision()
    state = "up to date" if current == head else f"behind head {head}"
    print(f"{current or 'empty (never migrated)'} ({state})")
    return 0


def run_downgrade(args: argparse.Namespace) -> int:
    with known_revision(args.revision):
        migrate.downgrade(args.database_url, args.revision)
    print(f"database at {migrate.current_revision(args.database_url) or 'base'}")
    return 0


@contextmanager
def known_revision(revision: str) -> Iterator[None]:
    """Alembic's refusal of a revision it cannot reach, as a one-line argument error."""
    try:
        yield
    except CommandError as exc:
        raise CliError(f"cannot migrate to {revision!r}: {exc}", exit_code=2) from None
