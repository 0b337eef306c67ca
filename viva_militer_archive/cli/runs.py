"""``viva-archive runs``: the latest crawl runs with status, duration and counters."""

from __future__ import annotations

import argparse

from storage.clock import display_time
from storage.runs import RunJournal, run_record
from viva_militer_archive.cli.archive import open_archive
from viva_militer_archive.cli.arguments import positive
from viva_militer_archive.cli.output import print_json, print_table

TABLE_COUNTERS = ("requests", "articles_new", "articles_updated", "articles_gone")
TABLE_HEADERS = ("id", "mode", "status", "started", "seconds", "requests", "new",
                 "updated", "gone", "dropped", "errors")  # fmt: skip


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``runs``."""
    parser = subparsers.add_parser("runs", help="recent crawl runs, newest first")
    parser.add_argument("--limit", type=positive, default=20, metavar="N", help="default 20")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(handler=run)


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
    for r in records:  # why a run failed, or what it warned of: the words to act on
        notes = [] if r["status"] == "finished" else [r["finish_reason"] or r["status"]]
        for note in [*notes, *r["warnings"]]:
            print(f"run {r['id']}: {note}")
    return 0
