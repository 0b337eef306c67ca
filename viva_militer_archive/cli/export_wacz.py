"""``viva-archive export --format wacz -o FILE.wacz``: the chosen articles' captures as a WACZ."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from crawler.warc.location import archive_dir
from crawler.warc.wacz import write_wacz
from storage.export import ArchiveExport, capture_query
from viva_militer_archive.cli.archive import open_archive
from viva_militer_archive.cli.arguments import day_window
from viva_militer_archive.cli.errors import CliError
from viva_militer_archive.cli.output import counted

TITLE = "VIVA Militer archive"


def run(args: argparse.Namespace) -> int:
    """Write the WACZ; exit 1 when a selected record could not be included (each named)."""
    if args.output == "-" or not args.output.endswith(".wacz"):
        raise CliError("--format wacz needs -o FILE.wacz (a zip file, not stdout)", exit_code=2)
    directory = archive_dir(args.archive_dir)
    if not directory.is_dir():
        raise CliError(f"archive directory {directory} does not exist (--archive-dir)")
    target = Path(args.output)
    if not target.parent.is_dir():
        raise CliError(f"cannot write {target}: no directory {target.parent}")
    since, before = day_window(args.since, args.until)
    stmt = capture_query(published_since=since, published_before=before, subchannel=args.subchannel)
    captures = ArchiveExport(open_archive(args.database_url)).captures(stmt)
    try:
        summary = write_wacz(target, captures, directory, title=TITLE)
    except OSError as exc:
        raise CliError(f"cannot write {target}: {exc.strerror or exc}") from None
    for problem in summary.problems:
        print(f"left out: {problem}", file=sys.stderr)
    print(
        f"exported {counted(summary.articles, 'article')} "
        f"({counted(summary.records, 'WARC record')}, {summary.bytes} bytes) to {target}"
        + (f"; {summary.without_capture} without a capture" if summary.without_capture else ""),
        file=sys.stderr,
    )
    return 1 if summary.problems else 0
