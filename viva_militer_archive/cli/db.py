"""``viva-archive db``: migrate the archive schema and report where it stands."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from alembic.util import CommandError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from storage import migrate
from storage.config import (
    ConfigError,
    database_problem,
    in_memory,
    mask_url,
    resolve_database_url,
)
from storage.copy import BATCH_SIZE, CopyError, TableCopy, copy_archive, is_empty
from storage.engine import get_engine
from storage.search import refresh_search_index
from viva_militer_archive.cli.archive import open_archive
from viva_militer_archive.cli.arguments import positive
from viva_militer_archive.cli.errors import CliError


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
    copy = actions.add_parser(
        "copy",
        help="copy the whole archive to another database (e.g. SQLite to PostgreSQL)",
        description="Copies articles, every revision (with its source and WARC locations), "
        "tags, authors and crawl runs, keys unchanged, in batches (constant memory). An "
        "interrupted copy is finished by running the same command with --merge: rows the "
        "target already holds are skipped, nothing there is overwritten.",
    )
    copy.add_argument("--to", required=True, metavar="URL", help="the target database")
    copy.add_argument(
        "--merge", action="store_true", help="allow a non-empty target (resume a copy)"
    )
    copy.add_argument(
        "--batch-size", type=positive, default=BATCH_SIZE, metavar="N", help="rows per batch"
    )
    copy.add_argument(
        "--max-batches", type=positive, metavar="N", help="stop after N batches (copy in slices)"
    )
    copy.set_defaults(handler=run_copy)


def run_upgrade(args: argparse.Namespace) -> int:
    with known_revision(args.revision):
        migrate.upgrade(args.database_url, args.revision)
    current, head = migrate.current_revision(args.database_url), migrate.head_revision()
    print(f"database at {current} (head {head})")
    return 0


def run_current(args: argparse.Namespace) -> int:
    status = migrate.archive_status(args.database_url)
    state = {
        migrate.ArchiveState.READY: "up to date",
        migrate.ArchiveState.AHEAD: f"ahead of head {status.head}: upgrade viva-militer-archive",
    }.get(status.state, f"behind head {status.head}")
    print(f"{status.current or 'empty (never migrated)'} ({state})")
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


def run_copy(args: argparse.Namespace) -> int:
    source = open_archive(args.database_url)
    try:
        target = resolve_database_url(args.to)
    except ConfigError as exc:
        raise CliError(f"--to: {exc}", exit_code=2) from None
    if target == source:
        raise CliError("--to names the archive being copied", exit_code=2)
    if in_memory(make_url(target)):
        raise CliError("--to names an in-memory SQLite database, gone when the copy ends: "
                       "name a file (sqlite:///path/archive.sqlite3)", exit_code=2)  # fmt: skip
    try:
        get_engine(target)
    except ArgumentError:  # an unknown dialect or driver
        raise CliError(f"--to is not a usable database URL: {mask_url(target)}", 2) from None
    try:
        return _copy(source, target, args)
    except OperationalError as exc:  # the source answered already: the target failed
        raise CliError(database_problem(target, exc)) from None


def _copy(source: str, target: str, args: argparse.Namespace) -> int:
    """Copy, report progress on a terminal, tidy the target's search index, summarize."""
    if not args.merge and not is_empty(target):
        raise CliError(f"{mask_url(target)} is not empty: add --merge to continue a copy into it")
    terminal = sys.stderr.isatty()

    def progress(table: str, counts: TableCopy) -> None:
        if terminal:
            line = f"{table}: copied {counts.copied:,} · already there {counts.skipped:,}"
            print(f"\r{line}\033[K", end="", file=sys.stderr, flush=True)

    try:
        report = copy_archive(
            source,
            target,
            batch_size=args.batch_size,
            max_batches=args.max_batches,
            progress=progress,
        )
    except CopyError as exc:
        raise CliError(str(exc)) from None
    if terminal:
        print("\r\033[K", end="", file=sys.stderr)
    refresh_search_index(target)
    for table, counts in report.tables.items():
        print(f"{table}: copied {counts.copied:,}, already there {counts.skipped:,}")
    state = "complete" if report.complete else "stopped early: run again with --merge to go on"
    print(f"copy to {mask_url(target)} {state}")
    return 0
