"""``viva-archive export``: every article as JSON Lines or CSV, or its captures as a WACZ for
replay tools; streamed."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Iterable
from typing import IO, Any

from storage.export import EXPORT_FIELDS, ArchiveExport, export_query
from viva_militer_archive.cli import export_wacz
from viva_militer_archive.cli.archive import open_archive
from viva_militer_archive.cli.arguments import day, day_window
from viva_militer_archive.cli.output import open_output

LIST_SEPARATOR = "; "
"""How list fields (authors, tags, warnings) are joined in a CSV cell."""
LEAD_IMAGE_COLUMNS = ("lead_image_url", "lead_image_caption", "lead_image_credit")
CSV_COLUMNS = tuple(
    column
    for name in EXPORT_FIELDS
    for column in (LEAD_IMAGE_COLUMNS if name == "lead_image" else (name,))
)


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``export``."""
    parser = subparsers.add_parser(
        "export",
        help="write every article (item fields + archive bookkeeping) as JSON Lines or CSV, "
        "or the articles' captures as a WACZ",
        description="One record per article: the crawler's item fields plus first_seen_at, "
        "last_checked_at, revision_count and status; or, with --format wacz, the WARC records "
        "of the articles' captures as a WACZ for pywb or ReplayWeb.page. Streams: any archive "
        "size, constant memory.",
    )
    parser.add_argument("--format", choices=("jsonl", "csv", "wacz"), default="jsonl")
    parser.add_argument("--since", type=day, metavar="YYYY-MM-DD", help="published on or after")
    parser.add_argument("--until", type=day, metavar="YYYY-MM-DD", help="published on or before")
    parser.add_argument("--subchannel", metavar="S", help="e.g. militer-dunia")
    parser.add_argument(
        "-o", "--output", default="-", metavar="FILE", help="default: stdout (not for wacz)"
    )
    parser.add_argument(
        "--archive-dir",
        metavar="DIR",
        help="WARC files, for wacz (default: $ARCHIVE_DIR, else ./data/warc)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.format == "wacz":
        return export_wacz.run(args)
    since, before = day_window(args.since, args.until)
    stmt = export_query(published_since=since, published_before=before, subchannel=args.subchannel)
    records = ArchiveExport(open_archive(args.database_url)).records(stmt)
    with open_output(args.output) as stream:
        write = write_csv if args.format == "csv" else write_jsonl
        count = write(records, stream)
    if args.output != "-":
        print(f"exported {count} articles to {args.output}", file=sys.stderr)
    return 0


def write_jsonl(records: Iterable[dict[str, Any]], stream: IO[str]) -> int:
    """One JSON object per line; returns how many were written."""
    count = 0
    for record in records:
        stream.write(json.dumps(record, ensure_ascii=False) + "\n")
        count += 1
    return count


def csv_row(record: dict[str, Any]) -> dict[str, Any]:
    """A record flattened for a spreadsheet: the lead image in three columns, name lists joined
    with ``; ``, in-body images as a JSON list (each has a URL, caption and credit)."""
    row = {key: value for key, value in record.items() if key != "lead_image"}
    lead = record["lead_image"] or {}
    row.update({f"lead_image_{key}": lead.get(key) for key in ("url", "caption", "credit")})
    for key in ("authors", "tags", "extraction_warnings"):
        row[key] = LIST_SEPARATOR.join(record[key] or [])
    row["images"] = json.dumps(record["images"] or [], ensure_ascii=False)
    return row


def write_csv(records: Iterable[dict[str, Any]], stream: IO[str]) -> int:
    """RFC 4180 CSV with a header (every field quoted where needed, bodies' newlines kept)."""
    writer = csv.DictWriter(stream, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    count = 0
    for record in records:
        writer.writerow(csv_row(record))
        count += 1
    return count
