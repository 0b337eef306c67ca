"""The daemon's options: command line first, then the settings (the environment, read by
:mod:`viva_militer_archive.settings`), then the defaults."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass

from apscheduler.triggers.interval import IntervalTrigger

from crawler.arguments import WIB
from viva_militer_archive.scheduling.durations import (
    ScheduleError,
    number,
    parse_cron,
    parse_duration,
)
from viva_militer_archive.scheduling.health import THRESHOLDS, HealthPolicy, parse_policy
from viva_militer_archive.scheduling.jobs import (
    JOB_NAMES,
    VERIFY_JOB,
    JobSpec,
    backfill_window,
    fixed,
)
from viva_militer_archive.settings import Settings, from_environment

MAX_BACKFILL_DAYS = 3650
"""A nightly backfill covers at most ten years."""


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
    alerts_every: float = 60.0
    """Seconds between two ``viva-archive alerts deliver`` runs (besides one after each crawl)."""


ENV_OPTIONS: tuple[tuple[str, str, str | None, str], ...] = (
    ("--every", "latest_every", "15m", "latest job interval: 30s, 15m, 1h, 1d"),
    ("--cron", "latest_cron", None, 'latest job as cron ("*/15 * * * *"), wins over --every'),
    ("--recheck-every", "recheck_every", "1h", "recheck job interval"),
    ("--backfill-cron", "backfill_cron", "30 2 * * *", "nightly backfill, cron in WIB"),
    ("--backfill-days", "backfill_days", "3", "days the nightly backfill covers"),
    ("--verify-cron", "verify_cron", "0 4 * * sun", "fixity check (viva-archive verify), "
     "cron in WIB: weekly"),
    ("--jobs", "jobs", ",".join(JOB_NAMES), "jobs to run, comma-separated"),
    ("--timeout", "crawl_timeout", "45m", "time limit of one crawl"),
    ("--alerts-every", "alerts_every", "1m", "how often pending alerts are delivered "
     "(also after every crawl)"),
    ("--grace", "stop_grace", "30s", "time a stopped crawl gets to shut down before a kill"),
    ("--max-failures", "max_failures", "3", "warn after this many failed runs in a row"),
    ("--stale-after", "stale_after", "6h", "warn when latest runs find nothing this long"),
    ("--warning-share", "warning_share", "0.2", "warn above this share of articles with "
     "extraction warnings"),
    ("--error-share", "error_share", "0.2", "warn when a finished run logged more errors "
     "than this share of its requests"),
)  # fmt: skip
"""(option, field of :class:`Settings`, default, help): the command line wins over the
setting (its environment variable), which wins over the default."""


def build_parser(settings: Settings | None = None) -> argparse.ArgumentParser:
    """Options of ``python scheduler.py`` / ``viva-archive schedule``."""
    parser = argparse.ArgumentParser(
        prog="scheduler.py",
        description="Keep the VIVA Militer archive current: recurring crawls, each in a child "
        "process, with time limits and health warnings.",
    )
    settings = settings or from_environment()
    for option, name, default, text in ENV_OPTIONS:
        parser.add_argument(
            option,
            default=getattr(settings, name) or default,
            help=f"{text} (env {Settings.variable_of(name)}; default {default or 'none'})",
        )
    parser.add_argument(
        "--once",
        action="store_true",
        help="run each job once, then exit with the worst run's status (for cron)",
    )
    parser.add_argument(
        "-s", "--set", dest="settings", action="append", default=[], metavar="NAME=VALUE",
        help="Scrapy setting passed to every crawl (repeatable)",
    )  # fmt: skip
    parser.add_argument("--database-url", help="archive database (default $DATABASE_URL)")
    return parser


def _interval(value: str, option: str) -> IntervalTrigger:
    return IntervalTrigger(seconds=parse_duration(value, option).total_seconds(), timezone=WIB)


def config_from(argv: Sequence[str] | None, settings: Settings | None = None) -> DaemonConfig:
    """Parse and check; raises :class:`ScheduleError` with one line on a bad schedule."""
    args = build_parser(settings).parse_args(argv)
    names = [n.strip() for n in args.jobs.split(",") if n.strip()]
    unknown = sorted(set(names) - set(JOB_NAMES))
    if unknown or not names:
        raise ScheduleError(f"--jobs {args.jobs!r}: choose from {', '.join(JOB_NAMES)}")
    backfill_days = int(number(args.backfill_days, "--backfill-days", int))
    if not 1 <= backfill_days <= MAX_BACKFILL_DAYS:
        raise ScheduleError(
            f"--backfill-days {backfill_days}: must be from 1 to {MAX_BACKFILL_DAYS}"
        )
    for setting in args.settings:
        if "=" not in setting:
            raise ScheduleError(f"-s {setting!r}: expected NAME=VALUE")
    latest = parse_cron(args.cron, "--cron", WIB) if args.cron else _interval(args.every, "--every")
    specs = {
        "latest": JobSpec("latest", latest, fixed("latest"), run_at_start=True),
        "recheck": JobSpec(
            "recheck", _interval(args.recheck_every, "--recheck-every"), fixed("recheck")
        ),
        "backfill": JobSpec(
            "backfill",
            parse_cron(args.backfill_cron, "--backfill-cron", WIB),
            backfill_window(backfill_days),
        ),
        VERIFY_JOB: JobSpec(
            VERIFY_JOB, parse_cron(args.verify_cron, "--verify-cron", WIB), fixed(VERIFY_JOB)
        ),
    }
    return DaemonConfig(
        jobs=tuple(specs[name] for name in dict.fromkeys(names)),
        timeout=parse_duration(args.timeout, "--timeout").total_seconds(),
        grace=parse_duration(args.grace, "--grace").total_seconds(),
        settings=tuple(args.settings),
        health=parse_policy(
            {name: getattr(args, name) for name in THRESHOLDS},
            {name: "--" + name.replace("_", "-") for name in THRESHOLDS},
        ),
        once=args.once,
        database_url=args.database_url,
        alerts_every=parse_duration(args.alerts_every, "--alerts-every").total_seconds(),
    )
