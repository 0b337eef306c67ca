"""Argument types and parser behaviour shared by the subcommands."""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime, timedelta, timezone
from typing import NoReturn

from cli.errors import CliError

SITE_ZONE = timezone(timedelta(hours=7), "WIB")
"""Dates given on the command line name days on the site's calendar."""


class OneLineParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are one line (exit 2), pointing at ``--help``."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def day(value: str) -> date:
    """``YYYY-MM-DD`` (argparse type)."""
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (expected YYYY-MM-DD)") from None


def positive(value: str) -> int:
    """A whole number ≥ 1 (argparse type)."""
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number ≥ 1")
    return number


def day_window(since: date | None, until: date | None) -> tuple[datetime | None, datetime | None]:
    """``[since 00:00, the day after until 00:00)`` on the site's clock; open ends stay None."""
    if since and until and since > until:
        raise CliError(f"--since {since} is after --until {until}", exit_code=2)
    start = datetime.combine(since, datetime.min.time(), SITE_ZONE) if since else None
    end = (
        datetime.combine(until + timedelta(days=1), datetime.min.time(), SITE_ZONE)
        if until
        else None
    )
    return start, end


def stdout_is_terminal() -> bool:
    """Whether output goes to a person (progress lines, colours) rather than a file or pipe."""
    return sys.stdout.isatty()
