"""``viva-archive index``: bring the archive's CDXJ index up to date, for replay in pywb."""

from __future__ import annotations

import argparse
import sys

from crawler.warc.archive_index import update_index
from crawler.warc.location import archive_dir
from viva_militer_archive.cli.errors import CliError
from viva_militer_archive.cli.output import counted


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``index``."""
    parser = subparsers.add_parser(
        "index",
        help="write or update the CDXJ index of the WARC files (pywb replays with it)",
        description="Indexes the records not yet indexed (new WARC files, records appended "
        "since) into ARCHIVE_DIR/indexes/index.cdxj, sorted; pywb's index_paths points at it.",
    )
    parser.add_argument(
        "--archive-dir", metavar="DIR", help="default: $ARCHIVE_DIR, else ./data/warc"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Exit 0; the files that could not be read to their end are named on stderr (their
    remaining records are retried next time: a crawl may still be writing them)."""
    directory = archive_dir(args.archive_dir)
    try:
        update = update_index(directory)
    except OSError as exc:
        raise CliError(f"cannot index {directory}: {exc.strerror or exc}") from None
    for problem in update.problems:
        print(f"not indexed to the end: {problem}", file=sys.stderr)
    print(
        f"indexed {counted(update.records, 'new record')} from {counted(update.files, 'file')} "
        f"into {update.index}"
    )
    return 0
