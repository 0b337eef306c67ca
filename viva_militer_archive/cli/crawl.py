"""``viva-archive crawl``: the same crawl as ``scrapy crawl viva_militer``, with progress."""

from __future__ import annotations

import argparse
import os
import sys

from crawler.arguments import ArgumentError, parse_arguments
from crawler.outcome import EXIT_FAILED
from storage.migrate import ensure_schema
from storage.runs import COUNTER_COLUMNS, RunJournal
from viva_militer_archive.cli.arguments import day
from viva_militer_archive.cli.errors import CliError

PROGRESS_EXTENSION = "viva_militer_archive.cli.progress.CrawlProgress"


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``crawl``."""
    parser = subparsers.add_parser(
        "crawl",
        help="run one crawl (latest, backfill, recheck, or given URLs)",
        description="Exit 0 when the crawl finished, 1 when it failed, 2 for bad arguments, "
        "3 when a crawl of the same mode is already running.",
    )
    parser.add_argument("--mode", choices=("latest", "backfill", "recheck"), help="default latest")
    parser.add_argument("--since", type=day, metavar="YYYY-MM-DD", help="first day (WIB)")
    parser.add_argument("--until", type=day, metavar="YYYY-MM-DD", help="last day (default today)")
    parser.add_argument(
        "--url", action="append", dest="urls", metavar="U", help="archive this article (repeat)"
    )
    parser.add_argument(
        "-s", "--set", action="append", default=[], metavar="NAME=VALUE", dest="settings",
        help="override a Scrapy setting, e.g. -s DOWNLOAD_DELAY=2",
    )  # fmt: skip
    parser.set_defaults(handler=run, configures_logging=True)


def spider_arguments(args: argparse.Namespace) -> dict[str, str]:
    """The ``-a`` arguments of the equivalent ``scrapy crawl viva_militer``."""
    raw = {"mode": args.mode, "since": args.since, "until": args.until}
    found = {name: str(value) for name, value in raw.items() if value}
    if args.urls:
        found["urls"] = ",".join(args.urls)
    return found


def setting_overrides(pairs: list[str]) -> dict[str, str]:
    """``NAME=VALUE`` pairs as a mapping (bad ones are an argument error)."""
    overrides = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise CliError(f"-s {pair!r} is not NAME=VALUE", exit_code=2)
        overrides[name.strip()] = value
    return overrides


def run(args: argparse.Namespace) -> int:
    from scrapy.crawler import CrawlerProcess  # Scrapy is heavy: only crawls pay for it
    from scrapy.utils.project import get_project_settings

    from crawler.quiet import quiet_startup
    from crawler.runner import check_archive_dir, run_crawl

    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    settings = get_project_settings()
    terminal = sys.stderr.isatty()
    extensions = {**settings.getdict("EXTENSIONS"), PROGRESS_EXTENSION: 900}
    settings.setdict(
        {
            "DATABASE_URL": args.database_url,
            "EXTENSIONS": extensions,
            "PROGRESS_ENABLED": True,
            "PROGRESS_TERMINAL": terminal,
            # On a terminal the progress line replaces the INFO log (-v brings it back).
            "LOG_LEVEL": "DEBUG" if args.verbose else "WARNING" if terminal else "INFO",
            **setting_overrides(args.settings),
        },
        priority="cmdline",
    )
    raw = spider_arguments(args)
    try:
        # Fail on bad arguments or an unusable database before Scrapy logs its banner.
        arguments = parse_arguments(raw, settings.get("VIVA_BASE_URL"))
        check_archive_dir(settings)
        ensure_schema(args.database_url)
    except ArgumentError as exc:
        raise CliError(str(exc), exit_code=2) from None
    journal = RunJournal(args.database_url)
    run_id = journal.start(arguments.mode, arguments.as_dict())  # the crawl takes it over
    settings.set("ARCHIVE_RUN_ID", run_id, priority="cmdline")
    quiet_startup(settings)
    code = EXIT_FAILED
    try:
        code = run_crawl(CrawlerProcess(settings), raw)
    except ArgumentError as exc:
        raise CliError(str(exc), exit_code=2) from None
    finally:  # closes the run if the crawl could not: it is never left running
        journal.finish(run_id, status="failed", reason=f"exit code {code}")
    print_run(journal, run_id)
    return code


def print_run(journal: RunJournal, run_id: int) -> None:
    """The run's summary line (none when the crawl was refused a lock and withdrew it)."""
    from crawler.outcome import Outcome

    run = journal.get(run_id)
    if run is not None:
        counters = {name: getattr(run, name) for name in COUNTER_COLUMNS}
        outcome = Outcome(run.status, run.finish_reason or "", counters)
        print(f"crawl run {run.id} {outcome.summary()}")
