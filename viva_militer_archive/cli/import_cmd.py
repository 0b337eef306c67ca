"""``viva-archive import FILE|-``: crawler items or export records (JSON lines) into the archive."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO

from crawler.importer import (
    BATCH_SIZE,
    MAX_LINE_BYTES,
    ArchiveImport,
    ImportSummary,
    read_lines,
)
from crawler.site import DEFAULT_BASE_URL
from storage.migrate import ensure_schema
from storage.search import refresh_search_index
from viva_militer_archive.cli.arguments import positive
from viva_militer_archive.cli.errors import CliError

REJECTIONS_SHOWN = 20
"""Rejected lines listed by number; the rest are only counted by reason."""
REFRESH_AFTER = 1000
"""Articles written from which the search index is tidied at the end."""
PROGRESS_EVERY = 50
"""Batches between two progress lines when stderr is not a terminal."""


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``import``."""
    parser = subparsers.add_parser(
        "import",
        help="store JSON lines (crawler items or export records) in the archive",
        description="Reads JSON lines as written by `scrapy crawl viva_militer -O items.jsonl` "
        "or `viva-archive export --format jsonl` (extra fields ignored), checks each like the "
        "crawler does and stores it as a crawl would (revision source `import`; the content hash "
        "is computed again). A bad line is rejected with its number and never stops the import, "
        f"except a line longer than {MAX_LINE_BYTES // 2**20} MiB, which ends the reading; "
        "importing a file twice changes nothing. Exit 1 when a line was rejected.",
    )
    parser.add_argument("source", metavar="FILE|-", help="a .jsonl file, or - for stdin")
    parser.add_argument(
        "--batch-size", type=positive, default=BATCH_SIZE, metavar="N", help="items per write"
    )
    parser.set_defaults(handler=run)


@contextmanager
def open_input(source: str) -> Iterator[BinaryIO]:
    """The bytes of ``source`` (``-``: stdin); a missing or unreadable file, or a closed stdin
    (``import - <&-``), is one line."""
    if source == "-":
        if sys.stdin is None:  # Python's stdin when descriptor 0 is closed
            raise CliError("cannot read -: standard input is closed")
        yield sys.stdin.buffer
        return
    try:
        handle = open(source, "rb")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise CliError(f"cannot read {source}: {exc.strerror}") from None
    with handle:
        yield handle


def run(args: argparse.Namespace) -> int:
    ensure_schema(args.database_url)
    base_url = args.environment.viva_base_url or DEFAULT_BASE_URL
    importer = ArchiveImport(args.database_url, base_url, batch_size=args.batch_size)
    terminal = sys.stderr.isatty()
    batches = 0

    def progress(summary: ImportSummary) -> None:
        nonlocal batches
        batches += 1
        if terminal:
            print(f"\r{summary.text()}\033[K", end="", file=sys.stderr, flush=True)
        elif batches % PROGRESS_EVERY == 0:
            print(f"progress: {summary.text()}", file=sys.stderr, flush=True)

    with open_input(args.source) as stream:
        try:
            summary = importer.run(read_lines(stream), progress)
        except OSError as exc:
            raise CliError(f"cannot read {args.source}: {exc.strerror or exc}") from None
    if terminal:
        print("\r\033[K", end="", file=sys.stderr)
    if summary.new + summary.updated >= REFRESH_AFTER:
        refresh_search_index(args.database_url)
    for number, reason in summary.rejections[:REJECTIONS_SHOWN]:
        print(f"line {number}: rejected: {reason}", file=sys.stderr)
    if summary.rejected > REJECTIONS_SHOWN:
        print(f"... and {summary.rejected - REJECTIONS_SHOWN:,} more rejected", file=sys.stderr)
    reasons = ", ".join(f"{reason} {count:,}" for reason, count in summary.reasons.most_common())
    print(f"imported {args.source}: {summary.text()}" + (f" ({reasons})" if reasons else ""))
    return 1 if summary.rejected else 0
