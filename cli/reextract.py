"""``viva-archive reextract``: run the current parser over the archived WARC records."""

from __future__ import annotations

import argparse

from cli.archive import open_archive
from cli.arguments import article_id, day, day_window
from cli.output import print_json, print_table
from crawler.reextract import ReextractReport, reextract
from crawler.warc import archive_dir

CHANGES_SHOWN = 50
"""Changed articles listed in text output (JSON has all of them)."""


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``reextract [--since D] [--article ID]... [--archive-dir DIR] [--dry-run]``."""
    parser = subparsers.add_parser(
        "reextract",
        help="re-read archived pages from the WARC files with the current parser (no network)",
        description="Parse the pages kept in the WARC files again and add a revision "
        "(source 'reextract') to every article whose extracted fields differ.",
    )
    parser.add_argument(
        "--since", type=day, metavar="YYYY-MM-DD", help="only captures fetched on or after this day"
    )
    parser.add_argument(
        "--article",
        type=article_id,
        action="append",
        dest="article_ids",
        metavar="ID",
        help="only this article (repeatable)",
    )
    parser.add_argument(
        "--archive-dir",
        metavar="DIR",
        help="where the WARC files are (default: $ARCHIVE_DIR, else ./data/warc)",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="report what would change, store nothing"
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    since, _ = day_window(args.since, None)
    report = reextract(
        open_archive(args.database_url),
        archive_dir(args.archive_dir),
        article_ids=args.article_ids,
        fetched_since=since,
        dry_run=args.dry_run,
    )
    if args.json:
        print_json(report.as_dict())
    else:
        print_text(report)
    return 0


def print_text(report: ReextractReport) -> None:
    """Counts, then changed fields, then the changed articles."""
    verb = "would change" if report.dry_run else "changed"
    print(
        f"parser {report.parser_version}: {report.examined} articles examined, "
        f"{len(report.changed)} {verb}, {report.unchanged} unchanged, "
        f"{report.no_capture} without WARC capture, {len(report.unreadable)} unreadable, "
        f"{len(report.rejected)} rejected, {len(report.superseded)} superseded"
    )
    if report.changed:
        print()
        print_table(("field", "articles"), list(report.field_counts().items()))
        print()
        rows = [
            (c.article_id, c.based_on, ", ".join(c.fields)) for c in report.changed[:CHANGES_SHOWN]
        ]
        print_table(("article", "was revision", "fields"), rows)
    for title, problems in (("unreadable", report.unreadable), ("rejected", report.rejected)):
        if problems:
            print(f"\n{title}:")
            print_table(("article", "reason"), list(problems.items()))
