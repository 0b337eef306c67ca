"""Entry point of ``viva-archive``: parse, dispatch, and turn expected failures into one line."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from dataclasses import replace

from sqlalchemy.exc import DatabaseError

from storage.config import ConfigError, resolve_database_url
from storage.migrate import SchemaTooNewError
from viva_militer_archive.cli import (
    alerts,
    backup,
    crawl,
    db,
    demo,
    export,
    import_cmd,
    index_cmd,
    reextract,
    runs,
    sample,
    search,
    serve,
    show,
    stats,
    verify,
    watch,
)
from viva_militer_archive.cli.arguments import OneLineParser
from viva_militer_archive.cli.errors import CliError, database_error
from viva_militer_archive.settings import from_environment


def build_parser() -> argparse.ArgumentParser:
    """The whole command tree."""
    parser = OneLineParser(
        prog="viva-archive",
        description="Archive of VIVA Militer (www.viva.co.id/militer): crawl, schedule, explore.",
        epilog="Exit codes: 0 ok, 1 failure (database unreachable, crawl failed), "
        "2 bad arguments, 3 a crawl of that mode is already running, 4 serve cannot listen "
        "(address in use).",
    )
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help="SQLAlchemy URL of the archive (default: $DATABASE_URL, else ./data/archive.sqlite3)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    db.add_parser(subparsers)
    crawl.add_parser(subparsers)
    add_schedule_parser(subparsers)
    runs.add_parser(subparsers)
    stats.add_parser(subparsers)
    export.add_parser(subparsers)
    import_cmd.add_parser(subparsers)
    index_cmd.add_parser(subparsers)
    search.add_parser(subparsers)
    show.add_parser(subparsers)
    reextract.add_parser(subparsers)
    verify.add_parser(subparsers)
    demo.add_parser(subparsers)
    sample.add_parser(subparsers)
    serve.add_parser(subparsers)
    backup.add_parser(subparsers)
    watch.add_parser(subparsers)
    alerts.add_parser(subparsers)
    return parser


def add_schedule_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``schedule ...``: everything after it goes to the scheduler unchanged."""
    parser = subparsers.add_parser(
        "schedule",
        help="run the crawl daemon (same options as `python scheduler.py`; see schedule --help)",
        add_help=False,
    )
    parser.add_argument("scheduler_args", nargs=argparse.REMAINDER)
    parser.set_defaults(handler=run_schedule, configures_logging=True)


def run_schedule(args: argparse.Namespace) -> int:
    """Hand over to ``scheduler.main`` with the archive URL and the settings."""
    import scheduler  # the daemon and APScheduler load only when asked for

    settings = replace(args.environment, database_url=args.database_url)
    return int(scheduler.main(list(args.scheduler_args), settings))


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the process exit code."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "schedule":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if extra:
        args.scheduler_args = [*extra, *args.scheduler_args]
    if not getattr(args, "configures_logging", False):
        logging.basicConfig(
            level=logging.DEBUG if args.verbose else logging.INFO,
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )
    args.explicit_database_url = args.database_url is not None
    args.environment = from_environment()  # read once, handed to every command
    try:
        args.database_url = resolve_database_url(args.database_url or args.environment.database_url)
        code = int(args.handler(args))
        sys.stdout.flush()  # an output error (a full disk) surfaces here, not at exit
        return code
    except ConfigError as exc:
        return _fail(str(exc), 2)
    except CliError as exc:
        return _fail(str(exc), exc.exit_code)
    except SchemaTooNewError as exc:
        return _fail(str(exc), 1)
    except DatabaseError as exc:  # unreachable, refused, not a database file...
        return _fail(str(database_error(args.database_url, exc)), 1)
    except BrokenPipeError:  # `viva-archive export | head`: the reader had enough
        _discard_stdout()
        return 0
    except OSError as exc:  # e.g. stdout on a full disk, an unreadable WARC folder
        _discard_stdout()
        where = f": {exc.filename}" if exc.filename else ""
        return _fail(f"{exc.strerror or exc}{where}", 1)
    except KeyboardInterrupt:
        return _fail("interrupted", 130)


def _discard_stdout() -> None:
    """Point stdout at /dev/null so that Python's final flush of what could not be written
    does not print a second error at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is not a real file (tests capture it)
        pass


def _fail(message: str, code: int) -> int:
    print(f"viva-archive: error: {message}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
