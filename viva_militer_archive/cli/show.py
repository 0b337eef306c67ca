"""``viva-archive show``: one article, its revision history, and what changed between revisions."""

from __future__ import annotations

import argparse
import difflib
from collections.abc import Sequence
from itertools import pairwise
from typing import Any
from urllib.parse import urlsplit

from crawler.site import ARTICLE_PATH_RE
from storage.clock import display_time
from storage.history import ArticleHistory, Revision, revision_text
from viva_militer_archive.cli.archive import open_archive
from viva_militer_archive.cli.arguments import MAX_ARTICLE_ID, whole_number
from viva_militer_archive.cli.errors import CliError
from viva_militer_archive.cli.output import print_json

SUMMARY_FIELDS = ("url", "subchannel", "published_at", "authors", "tags", "status", "gone_at",
                  "first_seen_at", "last_checked_at", "revision_count")  # fmt: skip
TIME_FIELDS = frozenset({"published_at", "gone_at", "first_seen_at", "last_checked_at"})
ONLY_WHEN_SET = frozenset({"gone_at"})
"""Fields printed only when they hold something (a live article has no ``gone_at``)."""


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``show``."""
    parser = subparsers.add_parser("show", help="one article, its revisions and their diffs")
    parser.add_argument("reference", metavar="ID|URL", help="article id, or any URL of it")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--revisions", action="store_true", help="list every stored revision")
    parser.add_argument(
        "--diff", action="store_true", help="unified diff between consecutive revisions"
    )
    parser.set_defaults(handler=run)


def article_id_from(reference: str) -> int:
    """The id named by digits or by any URL of the article (host, AMP and query do not matter)."""
    reference = reference.strip()
    number = whole_number(reference, 1, MAX_ARTICLE_ID)
    if number is None:
        try:
            match = ARTICLE_PATH_RE.match(urlsplit(reference).path)
        except ValueError:  # not even a URL (an unbalanced "[" in the host...)
            match = None
        number = whole_number(match["id"], 1, MAX_ARTICLE_ID) if match else None
    if number is None:
        raise CliError(f"{reference!r} is neither an article id nor an article URL", exit_code=2)
    return number


def revision_diffs(revisions: Sequence[Revision]) -> list[str]:
    """Unified diffs of each revision against the one before it."""
    diffs = []
    for old, new in pairwise(revisions):
        lines = difflib.unified_diff(
            revision_text(old.title, old.body).splitlines(),
            revision_text(new.title, new.body).splitlines(),
            fromfile=f"revision {old.revision} ({display_time(old.captured_at)})",
            tofile=f"revision {new.revision} ({display_time(new.captured_at)})",
            lineterm="",
        )
        diffs.append("\n".join(lines))
    return diffs


def run(args: argparse.Namespace) -> int:
    article_id = article_id_from(args.reference)
    history = ArticleHistory(open_archive(args.database_url))
    record = history.record(article_id)
    if record is None:
        raise CliError(f"article {article_id} is not in the archive")
    revisions = history.revisions(article_id) if args.revisions or args.diff else []
    capture = history.capture(article_id)
    if args.json:
        output: dict[str, Any] = {**record, "capture": capture}
        if args.revisions:
            output["revisions"] = [revision.summary() for revision in revisions]
        if args.diff:
            output["diffs"] = revision_diffs(revisions)
        print_json(output)
        return 0
    print_article(record, capture)
    if args.revisions:
        print(f"\nrevisions ({len(revisions)}):")
        for r in revisions:
            when, hash_prefix = display_time(r.captured_at), r.content_hash[:12]
            print(f"  {r.revision:>3}  {when}  {r.source:<9} {hash_prefix}  {r.title}")
    if args.diff:
        diffs = revision_diffs(revisions)
        print("\n" + ("\n\n".join(diffs) if diffs else "only one revision: nothing to compare"))
    return 0


def print_article(record: dict[str, Any], capture: dict[str, Any] | None) -> None:
    """Title, the bookkeeping fields one per line (times in WIB), the archived capture's URL
    (the one to open in a replay tool), then the body."""
    print(f"[{record['article_id']}] {record['title']}")
    for name in SUMMARY_FIELDS:
        value = record[name]
        if value is None and name in ONLY_WHEN_SET:
            continue
        if name in TIME_FIELDS:
            value = display_time(value, seconds=True)
        print(f"  {name}: {', '.join(value) if isinstance(value, list) else value}")
    if capture:
        print(f"  archived capture: {capture['uri']} ({display_time(capture['fetched_at'])})")
        if original := capture.get("revisit_of"):
            print(f"  revisit of: the capture of {original['date']} in {original['file']}")
    print(f"\n{record['body']}")
