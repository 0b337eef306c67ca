"""``viva-archive stats``: what the archive holds and how the latest crawls went."""

from __future__ import annotations

import argparse
from typing import Any

from storage.clock import display_time
from storage.stats import ArchiveStats
from viva_militer_archive.cli.archive import open_archive
from viva_militer_archive.cli.output import counted, print_json, print_table

MONTHS_SHOWN = 12
"""Months listed in text output (JSON has all of them)."""


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``stats``."""
    parser = subparsers.add_parser(
        "stats",
        help="articles by subchannel and month, revisions, gone articles, last good run, warnings",
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    stats = ArchiveStats(open_archive(args.database_url)).collect()
    if args.json:
        print_json(stats)
    else:
        print_text(stats)
    return 0


def print_text(stats: dict[str, Any]) -> None:
    """The statistics as a short report."""
    print(
        f"articles: {stats['articles']} ({stats['live']} live, {stats['gone']} gone); "
        f"revisions: {stats['revisions']} ({counted(stats['articles_revised'], 'article')} changed)"
    )
    last = stats["last_successful_run"]
    print(
        "last successful run: "
        + (
            f"#{last['id']} {last['mode']}, finished {display_time(last['finished_at'])}"
            if last
            else "none"
        )
    )
    print("\nby subchannel:")
    print_table(("subchannel", "articles"), list(stats["by_subchannel"].items()))
    print(f"\nby month of publication (latest {MONTHS_SHOWN}):")
    print_table(("month", "articles"), list(stats["by_month"].items())[:MONTHS_SHOWN])
    warnings = stats["extraction_warnings"]
    print(
        f"\nextraction warnings in the last {warnings['runs']} runs: "
        f"{counted(warnings['items_with_warnings'], 'article')} with warnings"
    )
    if warnings["by_kind"]:
        print_table(("warning", "count"), list(warnings["by_kind"].items()))
