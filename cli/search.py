"""``viva-archive search``: ranked full-text search with highlighted snippets."""

from __future__ import annotations

import argparse
from dataclasses import asdict

from cli.archive import open_archive
from cli.arguments import positive, stdout_is_terminal
from cli.errors import CliError
from cli.output import print_json
from storage.clock import display_time
from storage.search import ArchiveSearch, search_words

BOLD, PLAIN = "\033[1m", "\033[0m"
TEXT_MARKS, JSON_MARKS = ("[", "]"), ("<mark>", "</mark>")


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``search``."""
    parser = subparsers.add_parser(
        "search",
        help="full-text search over titles and bodies, title matches first",
        description="Every word of QUERY must occur (Indonesian stemming on PostgreSQL). "
        "Title matches rank first; snippets mark the matched words.",
    )
    parser.add_argument("query", metavar="QUERY")
    parser.add_argument("--limit", type=positive, default=10, metavar="N", help="default 10")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if not search_words(args.query):
        raise CliError(f"nothing to search for in {args.query!r}", exit_code=2)
    search = ArchiveSearch(open_archive(args.database_url))
    if args.json:
        hits = search.search(args.query, limit=args.limit, marks=JSON_MARKS)
        print_json([asdict(hit) for hit in hits])
        return 0
    marks = (BOLD, PLAIN) if stdout_is_terminal() else TEXT_MARKS
    hits = search.search(args.query, limit=args.limit, marks=marks)
    if not hits:
        print(f"no article matches {args.query!r}")
    for rank, hit in enumerate(hits, 1):
        when = display_time(hit.published_at) if hit.published_at else "undated"
        gone = " (gone)" if hit.status == "gone" else ""
        print(f"{rank:>2}. [{hit.article_id}] {hit.title}{gone}")
        print(f"    {when} · {hit.subchannel or '-'} · {hit.url}")
        print(f"    {hit.snippet}")
    return 0
