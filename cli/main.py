"""Entry point of ``viva-archive``: parse, dispatch, and turn expected failures into one line."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from sqlalchemy.exc import OperationalError

from cli import db
from cli.errors import CliError, database_error
from storage.config import ConfigError, resolve_database_url
from storage.migrate import SchemaTooNewError


def build_parser() -> argparse.ArgumentParser:
    """The whole command tree."""
    parser = argparse.ArgumentParser(
        prog="viva-archive",
        description="Archive of VIVA Militer (www.viva.co.id/militer): crawl, schedule, explore.",
    )
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help="SQLAlchemy URL of the archive (default: $DATABASE_URL, else ./data/archive.sqlite3)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    db.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        args.database_url = resolve_database_url(args.database_url)
        return int(args.handler(args))
    except ConfigError as exc:
        return _fail(str(exc), 2)
    except CliError as exc:
        return _fail(str(exc), exc.exit_code)
    except SchemaTooNewError as exc:
        return _fail(str(exc), 1)
    except OperationalError as exc:
        return _fail(str(database_error(args.database_url, exc)), 1)
    except KeyboardInterrupt:
        return _fail("interrupted", 130)


def _fail(message: str, code: int) -> int:
    print(f"viva-archive: error: {message}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
