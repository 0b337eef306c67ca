"""``viva-archive verify``: prove the archive unaltered and complete (fixity); exit 0 when
every check holds, 1 with one line per problem (file, offset, article) otherwise."""

from __future__ import annotations

import argparse

from crawler.verify import VerifyReport, verify
from crawler.warc import archive_dir
from viva_militer_archive.cli.archive import open_archive
from viva_militer_archive.cli.arguments import day, day_window
from viva_militer_archive.cli.output import counted, print_json
from viva_militer_archive.cli.reextract import configured_page_class


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``verify [--since D] [--deep] [--archive-dir DIR] [--json]``."""
    parser = subparsers.add_parser(
        "verify",
        help="check the WARC files and captures against what the archive recorded (fixity)",
        description="Check that every recorded WARC file exists with its size and SHA-256, "
        "that every record passes its block and payload digests, that every revision's "
        "capture is a readable record of its article, and that no WARC file is unknown. "
        "Exit 0 when all holds, 1 with one line per problem.",
    )
    parser.add_argument(
        "--since",
        type=day,
        metavar="YYYY-MM-DD",
        help="only files closed and captures fetched on or after this day",
    )
    parser.add_argument(
        "--deep",
        action="store_true",
        help="also re-extract each article's latest capture and compare its content hash",
    )
    parser.add_argument(
        "--archive-dir",
        metavar="DIR",
        help="where the WARC files are (default: $ARCHIVE_DIR, else ./data/warc)",
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    since, _ = day_window(args.since, None)
    page_class = (
        configured_page_class(args.environment.scrapy_settings_module) if args.deep else None
    )
    database_url = open_archive(args.database_url)
    report = verify(
        database_url,
        archive_dir(args.archive_dir),
        since=since,
        deep=args.deep,
        **({"page_class": page_class} if page_class else {}),
    )
    if args.json:
        print_json(report.as_dict())
    else:
        print_text(report)
    return 0 if report.ok else 1


def print_text(report: VerifyReport) -> None:
    """One line per problem, the notes, then the summary."""
    for problem in report.problems:
        print(problem.line())
    for note in report.notes:
        print(f"note: {note.line()}")
    deep = f", {counted(report.reextracted, 'capture')} re-extracted" if report.deep else ""
    print(
        f"verified {counted(report.files_checked, 'recorded WARC file')}, "
        f"{counted(report.records_checked, 'capture record')} of "
        f"{counted(report.revisions_checked, 'revision')}{deep}: "
        f"{counted(len(report.problems), 'problem')}"
    )
