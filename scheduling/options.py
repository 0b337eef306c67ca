"""The daemon's options: command line first, then the environment, then the defaults."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from dataclasses import dataclass

from apscheduler.triggers.interval import IntervalTrigger

from crawler.arguments import WIB
from scheduling.durations import ScheduleError, parse_cron, parse_duration
from scheduling.health import HealthPolicy
from scheduling.jobs import JOB_NAMES, JobSpec, backfill_window, fixed


@dataclass(frozen=True, slots=True)
class DaemonConfig:
    """Everything the daemon needs, checked."""

    jobs: tuple[JobSpec, ...]
    timeout: float
    grace: float
    settings: tuple[str, ...]
    health: HealthPolicy
    once: bool
    database_url: str | None


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name) or default


def build_parser() -> argparse.ArgumentParser:
    """Options of ``python scheduler.py`` / ``viva-archive schedule``."""
    parser = argparse.ArgumentParser(
        prog="scheduler.py",
        description="Keep the VIVA Militer archive current: recurring crawls, each in a child "
        "process, with time limits and health warnings.",
    )
    add = parser.add_argument
    add(
        "--every",
        default=_env("VIVA_LATEST_EVERY", "15m"),
        help="latest job interval, e.g. 30s, 15m, 1h (env VIVA_LATEST_EVERY; default 15m)",
    )
    add(
        "--cron",
        default=_env("VIVA_LATEST_CRON"),
        help='latest job as a cron expression, e.g. "*/15 * * * *" (env VIVA_LATEST_CRON; '
        "overrides --every)",
    )
    add(
        "--recheck-every",
        default=_env("VIVA_RECHECK_EVERY", "1h"),
        help="recheck job interval (env VIVA_RECHECK_EVERY; default 1h)",
    )
    add(
        "--backfill-cron",
        default=_env("VIVA_BACKFILL_CRON", "30 2 * * *"),
        help="nightly backfill, cron in WIB (env VIVA_BACKFILL_CRON; default '30 2 * * *')",
    )
    add(
        "--backfill-days",
        type=int,
        default=int(_env("VIVA_BACKFILL_DAYS", "3") or 3),
        help="days the nightly backfill covers (env VIVA_BACKFILL_DAYS; default 3)",
    )
    add(
        "--jobs",
        default=_env("VIVA_JOBS", ",".join(JOB_NAMES)),
        help="which jobs to run, comma-separated (env VIVA_JOBS; default all)",
    )
    add(
        "--timeout",
        default=_env("VIVA_CRAWL_TIMEOUT", "45m"),
        help="time limit of one crawl (env VIVA_CRAWL_TIMEOUT; default 45m)",
    )
    add(
        "--grace",
        default=_env("VIVA_STOP_GRACE", "30s"),
        help="how long a stopped crawl may take to shut down before it is killed (default 30s)",
    )
    add("--max-failures", type=int, default=3, help="warn after this many failures in a row")
    add("--stale-after", default="6h", help="warn when latest runs find nothing for this long")
    add(
        "--warning-share",
        type=float,
        default=0.2,
        help="warn when this share of a run's articles has extraction warnings",
    )
    add(
        "--once",
        action="store_true",
        help="run each job once, then exit with the worst run's status (for cron)",
    )
    add(
        "-s",
        "--set",
        dest="settings",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="Scrapy setting passed to every crawl (repeatable)",
    )
    add("--database-url", default=None, help="archive database (default $DATABASE_URL)")
    return parser  # fmt: skip


def config_from(argv: Sequence[str] | None) -> DaemonConfig:
    """Parse and check; raises :class:`ScheduleError` with one line on a bad schedule."""
    args = build_parser().parse_args(argv)
    names = [n.strip() for n in args.jobs.split(",") if n.strip()]
    unknown = sorted(set(names) - set(JOB_NAMES))
    if unknown or not names:
        raise ScheduleError(f"--jobs {args.jobs!r}: choose from {', '.join(JOB_NAMES)}")
    if args.backfill_days < 1:
        raise ScheduleError(f"--backfill-days {args.backfill_days}: must be at least 1")
    for setting in args.settings:
        if "=" not in setting:
            raise ScheduleError(f"-s {setting!r}: expected NAME=VALUE")
    latest_trigger = (
        parse_cron(args.cron, "--cron", WIB)
        if args.cron
        else IntervalTrigger(
            seconds=parse_duration(args.every, "--every").total_seconds(), timezone=WIB
        )
    )
    specs = {
        "latest": JobSpec("latest", latest_trigger, fixed("latest"), run_at_start=True),
        "recheck": JobSpec(
            "recheck",
            IntervalTrigger(
                seconds=parse_duration(args.recheck_every, "--recheck-every").total_seconds(),
                timezone=WIB,
            ),
            fixed("recheck"),
        ),
        "backfill": JobSpec(
            "backfill",
            parse_cron(args.backfill_cron, "--backfill-cron", WIB),
            backfill_window(args.backfill_days),
        ),
    }
    return DaemonConfig(
        jobs=tuple(specs[name] for name in dict.fromkeys(names)),
        timeout=parse_duration(args.timeout, "--timeout").total_seconds(),
        grace=parse_duration(args.grace, "--grace").total_seconds(),
        settings=tuple(args.settings),
        health=HealthPolicy(
            max_failures=args.max_failures,
            stale_after=parse_duration(args.stale_after, "--stale-after"),
            warning_share=args.warning_share,
        ),
        once=args.once,
        database_url=args.database_url,
    )
