"""Argument types and parser behaviour shared by the subcommands.

Every value is checked here, at parse time, against what the archive can hold: a bad one is a
one-line error (exit 2) before any database is opened."""

from __future__ import annotations

import argparse
import re
import sys
from datetime import date, datetime
from typing import NoReturn

from storage.clock import FIRST_DAY, LAST_DAY, WIB
from storage.clock import day_window as clock_day_window
from storage.config import mask_secrets
from storage.filters import STATUSES, ArticleFilters
from storage.validation import MAX_ARTICLE_ID
from viva_militer_archive.cli.errors import CliError

__all__ = [
    "MAX_ARTICLE_ID",
    "SITE_ZONE",
    "add_filter_arguments",
    "article_id",
    "day",
    "day_window",
    "filters_from",
    "positive",
]

SITE_ZONE = WIB
"""Dates given on the command line name days on the site's calendar."""
MAX_LIMIT = 100_000
"""The most rows a listing (``--limit``) returns."""
_DIGITS = re.compile(r"[0-9]+")


class OneLineParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are one line (exit 2), pointing at ``--help``; a
    password or token the line would quote (a misplaced ``--database-url``) is masked."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {mask_secrets(message)} (see {self.prog} --help)\n")


def day(value: str) -> date:
    """``YYYY-MM-DD`` between :data:`FIRST_DAY` and :data:`LAST_DAY` (argparse type)."""
    try:
        parsed = date.fromisoformat(value.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (expected YYYY-MM-DD)") from None
    if not FIRST_DAY <= parsed <= LAST_DAY:
        raise argparse.ArgumentTypeError(f"{value!r} is outside {FIRST_DAY} .. {LAST_DAY}")
    return parsed


def whole_number(value: str, low: int, high: int) -> int | None:
    """``value`` as an int when it is plain ASCII digits within ``[low, high]``, else None."""
    value = value.strip()
    if not _DIGITS.fullmatch(value) or len(value) > len(str(high)):
        return None
    number = int(value)
    return number if low <= number <= high else None


def positive(value: str) -> int:
    """A whole number from 1 to :data:`MAX_LIMIT` (argparse type)."""
    number = whole_number(value, 1, MAX_LIMIT)
    if number is None:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number from 1 to {MAX_LIMIT}")
    return number


def article_id(value: str) -> int:
    """An article id: a whole number from 1 to 2⁶³−1 (argparse type)."""
    number = whole_number(value, 1, MAX_ARTICLE_ID)
    if number is None:
        raise argparse.ArgumentTypeError(f"{value!r} is not an article id (1 to {MAX_ARTICLE_ID})")
    return number


def day_window(since: date | None, until: date | None) -> tuple[datetime | None, datetime | None]:
    """``--since``/``--until`` as instants (:func:`storage.clock.day_window`); open ends stay
    None, and a ``--since`` after ``--until`` is a usage error."""
    check_days(since, until)
    return clock_day_window(since, until)


def check_days(since: date | None, until: date | None) -> None:
    """A ``--since`` after ``--until`` is a usage error (exit 2)."""
    if since and until and since > until:
        raise CliError(f"--since {since} is after --until {until}", exit_code=2)


def add_filter_arguments(parser: argparse.ArgumentParser) -> None:
    """The options that narrow a search or an export (:class:`ArticleFilters`)."""
    parser.add_argument("--subchannel", metavar="S", help="e.g. militer-dunia")
    parser.add_argument("--since", type=day, metavar="YYYY-MM-DD", help="published on or after")
    parser.add_argument("--until", type=day, metavar="YYYY-MM-DD", help="published on or before")
    parser.add_argument("--tag", metavar="NAME", help="carrying this tag (any case)")
    parser.add_argument("--author", metavar="NAME", help="by this author (any case)")
    parser.add_argument("--status", choices=STATUSES, help="live or gone (default both)")


def filters_from(args: argparse.Namespace) -> ArticleFilters:
    """The :class:`ArticleFilters` of :func:`add_filter_arguments`' options."""
    check_days(args.since, args.until)
    return ArticleFilters(
        subchannel=args.subchannel,
        since=args.since,
        until=args.until,
        tag=args.tag,
        author=args.author,
        status=args.status,
    )


def stdout_is_terminal() -> bool:
    """Whether output goes to a person (progress lines, colours) rather than a file or pipe."""
    return sys.stdout.isatty()
