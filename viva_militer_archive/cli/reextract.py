"""``viva-archive reextract``: run the current parser over the archived WARC records, those
of archived articles or (``--unarchived``) those a crawl fetched but could not read."""

from __future__ import annotations

import argparse

from scrapy.settings import Settings
from scrapy.utils.misc import load_object

from crawler.extraction import ArticlePage
from crawler.recover import RecoverReport, recover
from crawler.reextract import ReextractReport, reextract
from crawler.warc import archive_dir
from viva_militer_archive.cli.archive import open_archive
from viva_militer_archive.cli.arguments import article_id, day, day_window
from viva_militer_archive.cli.errors import CliError
from viva_militer_archive.cli.output import print_json, print_table

DEFAULT_SETTINGS_MODULE = "crawler.settings"

CHANGES_SHOWN = 50
"""Changed articles listed in text output (JSON has all of them)."""


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``reextract [--unarchived] [--since D] [--until D] [--article ID]...
    [--archive-dir DIR] [--dry-run] [--json]``."""
    parser = subparsers.add_parser(
        "reextract",
        help="re-read archived pages from the WARC files with the current parser (no network)",
        description="Parse the pages kept in the WARC files again and add a revision "
        "(source 'reextract') to every article whose extracted fields differ; with "
        "--unarchived, archive the articles a crawl fetched but could not read.",
    )
    parser.add_argument(
        "--unarchived",
        action="store_true",
        help="read the pages fetched in the period that never became an article "
        "(after a parser fix) and archive those the current parser reads",
    )
    parser.add_argument(
        "--since", type=day, metavar="YYYY-MM-DD", help="only captures fetched on or after this day"
    )
    parser.add_argument(
        "--until",
        type=day,
        metavar="YYYY-MM-DD",
        help="with --unarchived: only captures fetched on or before this day",
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
    since, until = day_window(args.since, args.until)
    if args.until and not args.unarchived:
        raise CliError("--until works with --unarchived only", exit_code=2)
    if args.unarchived and args.article_ids:
        raise CliError("--article cannot be combined with --unarchived", exit_code=2)
    page_class = configured_page_class(args.environment.scrapy_settings_module)
    directory = archive_dir(args.archive_dir or args.environment.archive_dir)
    if args.unarchived and not directory.is_dir():
        raise CliError(f"no WARC archive directory at {directory}", exit_code=2)
    database_url = open_archive(args.database_url)
    report: ReextractReport | RecoverReport
    if args.unarchived:
        report = recover(
            database_url,
            directory,
            since=since,
            until=until,
            dry_run=args.dry_run,
            page_class=page_class,
        )
    else:
        report = reextract(
            database_url,
            directory,
            article_ids=args.article_ids,
            fetched_since=since,
            dry_run=args.dry_run,
            page_class=page_class,
        )
    if args.json:
        print_json(report.as_dict())
    elif isinstance(report, RecoverReport):
        print_recovery(report)
    else:
        print_text(report)
    return 0


def configured_page_class(module: str | None) -> type[ArticlePage]:
    """The ``ARTICLE_PAGE_CLASS`` of the crawl's settings (``$SCRAPY_SETTINGS_MODULE``, else
    ``crawler.settings``): re-extraction reads pages as a crawl would today."""
    module = module or DEFAULT_SETTINGS_MODULE
    try:
        settings = Settings()
        settings.setmodule(module)
        page_class = load_object(settings.get("ARTICLE_PAGE_CLASS") or ArticlePage)
    except (ImportError, NameError, ValueError, AttributeError, TypeError, SyntaxError) as exc:
        raise CliError(f"cannot load ARTICLE_PAGE_CLASS ({module}): {exc}", exit_code=2) from None
    if not (isinstance(page_class, type) and issubclass(page_class, ArticlePage)):
        raise CliError(f"ARTICLE_PAGE_CLASS {page_class!r} is not an ArticlePage", exit_code=2)
    return page_class


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


def print_recovery(report: RecoverReport) -> None:
    """Files read, captures found, then what became of them, then the reasons."""
    verb = "would recover" if report.dry_run else "recovered"
    print(
        f"parser {report.parser_version}: {report.files} WARC files read "
        f"({report.files_skipped} outside the dates, {len(report.damaged_files)} damaged), "
        f"{report.captures} article captures of {report.articles} articles, "
        f"{report.error_answers} error answers"
    )
    print(
        f"{len(report.recovered)} {verb}, {report.already_archived} already archived, "
        f"{report.unchanged} unchanged, "
        f"{len(report.unreadable)} still unreadable, {len(report.superseded)} superseded"
    )
    if report.reasons:
        print("\nstill unreadable:")
        print_table(("reason", "articles"), list(report.reasons.most_common()))
    if report.damaged_files:
        print("\ndamaged files:")
        print_table(("file", "damage"), list(report.damaged_files.items()))
