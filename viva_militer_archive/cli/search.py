"""``viva-archive search``: full-text search with filters and pages, matches marked."""

from __future__ import annotations

import argparse
from dataclasses import asdict

from storage.clock import display_time
from storage.search import ArchiveSearch, SearchHit
from storage.snippets import marked
from viva_militer_archive.cli.archive import open_archive
from viva_militer_archive.cli.arguments import (
    add_filter_arguments,
    filters_from,
    positive,
    stdout_is_terminal,
    whole_number,
)
from viva_militer_archive.cli.errors import CliError
from viva_militer_archive.cli.output import print_json

BOLD, PLAIN = "\033[1m", "\033[0m"
TEXT_MARKS = ("[", "]")
MAX_OFFSET = 10_000_000
COUNT_CAP = 10_000
"""Matches counted at most for the "N results" line."""


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``search``."""
    parser = subparsers.add_parser(
        "search",
        help="full-text search over titles and bodies, title matches first",
        description="Every word of QUERY must occur, as the word or an Indonesian affixed form "
        "of it (kuat finds memperkuat, penguatan), matched by word start. Title matches come "
        "first, then newest first. Text output marks matches with [ ] (bold on a terminal); "
        "--json gives each snippet as plain text with the matches' character offsets.",
    )
    parser.add_argument("query", metavar="QUERY")
    parser.add_argument("--limit", type=positive, default=10, metavar="N", help="default 10")
    page = parser.add_mutually_exclusive_group()
    page.add_argument("--offset", type=whole, default=0, metavar="N", help="skip N hits")
    page.add_argument("--page", type=positive, metavar="P", help="page P of --limit hits")
    add_filter_arguments(parser)
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(handler=run)


def whole(value: str) -> int:
    """A whole number from 0 to 10,000,000 (argparse type): an offset past every archive."""
    number = whole_number(value, 0, MAX_OFFSET)
    if number is None:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a whole number from 0 to {MAX_OFFSET:,}"
        )
    return number


def run(args: argparse.Namespace) -> int:
    filters = filters_from(args)
    offset = (args.page - 1) * args.limit if args.page else args.offset
    search = ArchiveSearch(open_archive(args.database_url))
    try:
        hits = search.search(args.query, limit=args.limit, offset=offset, filters=filters)
        total = search.count(args.query, filters=filters, cap=COUNT_CAP) if not args.json else 0
    except ValueError as exc:
        raise CliError(str(exc), exit_code=2) from None
    if args.json:
        print_json([asdict(hit) for hit in hits])
        return 0
    if not hits:
        print(f"no article matches {args.query!r}" if not total else f"no hit past {total:,}")
        return 0
    shown = f"{total:,}+" if total >= COUNT_CAP else f"{total:,}"
    print(f"{offset + 1}–{offset + len(hits)} of {shown} (title matches first, then newest)")
    marks = (BOLD, PLAIN) if stdout_is_terminal() else TEXT_MARKS
    for rank, hit in enumerate(hits, offset + 1):
        print_hit(rank, hit, marks)
    return 0


def print_hit(rank: int, hit: SearchHit, marks: tuple[str, str]) -> None:
    """Three lines: rank, id and title; WIB day, subchannel and URL; the marked snippet."""
    when = display_time(hit.published_at) if hit.published_at else "undated"
    gone = " (gone)" if hit.status == "gone" else ""
    print(f"{rank:>2}. [{hit.article_id}] {printable(hit.title)}{gone}")
    print(f"    {when} · {hit.subchannel or '-'} · {hit.url}")
    print(f"    {marked(printable(hit.snippet), hit.highlights, *marks)}")


def printable(value: str) -> str:
    """Control characters (a terminal would obey an escape sequence) replaced one for one, so
    highlight offsets still hold; plain text needs no other escaping."""
    return "".join("\ufffd" if ord(char) < 32 or 127 <= ord(char) < 160 else char for char in value)
