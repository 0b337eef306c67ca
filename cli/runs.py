"""``viva-archive runs``: the latest crawl runs with status, duration and counters."""

from __future__ import annotations

import argparse
from typing import Any

from cli.archive import open_archive
from cli.arguments import positive
from cli.output import print_json, print_table
from storage.clock import display_time, iso_timestamp
from storage.models import CrawlRun
from storage.runs import COUNTER_COLUMNS, RunJournal

TABLE_COUNTERS = ("requests", "articles_new", "articles_updated", "articles_gone")
TABLE_HEADERS = ("id", "mode", "status", "started", "seconds", "requests", "new",
                 "updated", "gone", "dropped", "errors")  # fmt: skip


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``runs``."""
    parser = subparsers.add_parser("runs", help="recent crawl runs, newest first")
    parser.add_argument("--limit", type=positive, default=20, metavar="N", help="default 20")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(handler=run)


def run_record(run: CrawlRun) -> dict[str, Any]:
    """One run as JSON: what was asked, how it ended, how long it took, its counters."""
    seconds = (run.finished_at - run.started_at).total_seconds() if run.finished_at else None
    return {
        "id": run.id,
        "mode": run.mode,
        "arguments": run.arguments,
        "status": run.status,
        "finish_reason": run.finish_reason,
        "started_at": iso_timestamp(run.started_at),
        "finished_at": iso_timestamp(run.finished_at),
        "duration_seconds": round(seconds, 1) if seconds is not None else None,
        "counters": {name: getattr(run, name) for name in COUNTER_COLUMNS},
        "dropped_reasons": run.dropped_reasons,
    }


def run(args: argparse.Namespace) -> int:
    journal = RunJournal(open_archive(args.database_url))
    records = [run_record(r) for r in journal.recent(args.limit)]
    if args.json:
        print_json(records)
        return 0
    if not records:
        print("no crawl runs yet")
        return 0
    rows = [
        (
            r["id"],
            r["mode"],
            r["status"],
            display_time(r["started_at"]),
            r["duration_seconds"],
            *(r["counters"][name] for name in TABLE_COUNTERS),
            r["counters"]["articles_dropped"],
            r["counters"]["errors"],
        )
        for r in records
    ]
    print_table(TABLE_HEADERS, rows)
    return 0
