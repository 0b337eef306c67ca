"""``viva-archive demo``: the whole pipeline on this machine, no network needed.

Serves the invented articles shipped with the package on a loopback port and crawls them into a
demo archive of their own (``./data/demo/`` unless ``--database-url`` names another database):
latest, then a backfill of the ten days, then an edit and a removal on the sample site and a
recheck that records them. Each crawl is a child process (Scrapy's reactor cannot restart). The
invented ids start at 900,000,001, far beyond VIVA's (about 1.9 million in 2026), and the
default archive (``./data/archive.sqlite3`` or ``$DATABASE_URL``) is never opened."""

from __future__ import annotations

import argparse
import shlex
import shutil
import subprocess
import tempfile
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import make_url

from storage.clock import WIB, display_time
from storage.config import mask_url
from storage.export import ArchiveExport, export_query
from storage.models import Article
from storage.stats import ArchiveStats
from viva_militer_archive.cli.errors import CliError
from viva_militer_archive.cli.output import print_table
from viva_militer_archive.crawl_stats import keys
from viva_militer_archive.sample_site.catalog import sample_articles
from viva_militer_archive.sample_site.harness import crawl_command, crawl_env, crawl_runs
from viva_militer_archive.sample_site.render import ArticleSpec
from viva_militer_archive.sample_site.server import SampleSite
from viva_militer_archive.sample_site.site_change import REDESIGN_NEWS, REDESIGNS

DEMO_FOLDER = Path("data") / "demo"
"""The demo archive's home: its SQLite file and its WARC folder."""
DEMO_DATABASE_URL = f"sqlite:///{DEMO_FOLDER / 'archive.sqlite3'}"
DEMO_FIRST_ID = 900_000_001
"""Invented ids: no real VIVA article will have them for decades."""
SAMPLE_DAYS = 10
"""The sample site's articles span the ten days before now."""
EDITED, REMOVED = DEMO_FIRST_ID, DEMO_FIRST_ID + 4
"""The article the demo edits (a second revision) and the one it removes (``gone``)."""
EDIT_SENTENCE = (
    "Pembaruan: pasukan perbatasan disiagakan setelah laporan terbaru diterima markas besar."
)
OUTCOME_STATS = {
    keys.BLOCKED_ARTICLE_PAGES: "blocked articles",
    keys.BLOCKED_DISCOVERY_PAGES: "blocked listings",
    keys.DISCOVERY_URL_SHAPE_PAGES: "listings by url shape",
    keys.ITEMS_WITH_WARNINGS: "with warnings",
}
"""Counters shown for each crawl after a redesign: what an operator would look at."""
CRAWL_TIMEOUT_SECONDS = 300
LATEST_SHOWN = 5


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``demo``."""
    parser = subparsers.add_parser(
        "demo",
        help="crawl the bundled sample site on loopback into a demo archive and show the result",
        description="Serves invented VIVA Militer pages on 127.0.0.1 and crawls them (latest, "
        f"a backfill of {SAMPLE_DAYS} days, then an edit and a removal found by a recheck) into "
        f"its own archive, {DEMO_DATABASE_URL} (replaced on every run) unless --database-url is "
        "given. The default archive is never touched. Needs no network.",
    )
    parser.add_argument(
        "--redesign",
        choices=REDESIGNS,
        help="after the first crawl the sample site changes: its article template or listing "
        "rows are redesigned, or it answers with a bot challenge; the demo then prints how each "
        "crawl ended (see what an operator would see)",
    )
    parser.set_defaults(handler=run)


def demo_archive(args: argparse.Namespace) -> tuple[str, Path]:
    """The demo's database URL and WARC folder. Its own folder, emptied first, unless the user
    named a database (then WARC files go beside a SQLite file, else to the demo folder)."""
    if not args.explicit_database_url:
        shutil.rmtree(DEMO_FOLDER, ignore_errors=True)
        DEMO_FOLDER.mkdir(parents=True)
        return DEMO_DATABASE_URL, DEMO_FOLDER / "warc"
    parsed = make_url(args.database_url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        return args.database_url, Path(parsed.database).expanduser().parent / "warc"
    return args.database_url, DEMO_FOLDER / "warc"


def crawl_sample(
    base_url: str,
    database_url: str,
    warc: Path,
    label: str,
    arguments: list[str],
    *,
    must_succeed: bool = True,
) -> None:
    """Run one crawl of the sample site to the end; a failure ends the demo with its reason
    (unless not ``must_succeed``: the runs' outcomes are printed at the end)."""
    print(f"crawling the sample site: {label} ...", flush=True)
    with tempfile.TemporaryFile("w+", encoding="utf-8") as log:
        done = subprocess.run(
            crawl_command(*arguments),
            env=crawl_env(base_url, database_url, warc),
            stdout=log,
            stderr=log,
            timeout=CRAWL_TIMEOUT_SECONDS,
            check=False,
        )
        if done.returncode != 0 and must_succeed:
            log.seek(0)
            lines = [line for line in log.read().splitlines() if "ERROR" in line or "rror:" in line]
            reason = lines[-1].strip() if lines else "see the crawl log"
            raise CliError(f"the {label} crawl failed (exit {done.returncode}): {reason}")


def edited(spec: ArticleSpec) -> ArticleSpec:
    """The article after the newsroom's update: a new title and one more paragraph."""
    first, *rest = spec.pages
    return replace(spec, title=f"{spec.title} (Diperbarui)", pages=((*first, EDIT_SENTENCE), *rest))


def run(args: argparse.Namespace) -> int:
    url, warc = demo_archive(args)
    now = display_now()
    since = (now - timedelta(days=SAMPLE_DAYS)).date().isoformat()
    with SampleSite(
        sample_articles(now, first_id=DEMO_FIRST_ID, rising_ids=True), today=now.date()
    ) as site:
        print(f"sample site: {len(site.articles)} invented articles at {site.base_url}")
        print(f"demo archive: {mask_url(url)}, raw pages (WARC) in {warc}/")
        crawl_sample(site.base_url, url, warc, "latest articles", ["mode=latest"])
        if args.redesign:
            site.redesign = args.redesign
            print(REDESIGN_NEWS[args.redesign])
        strict = args.redesign is None  # a changed site may fail crawls: shown at the end
        crawl_sample(
            site.base_url, url, warc, f"backfill since {since}",
            ["mode=backfill", f"since={since}"], must_succeed=strict,
        )  # fmt: skip
        site.add(edited(site.articles[EDITED]))
        site.remove(REMOVED)
        print(f"the site edits article {EDITED} and removes article {REMOVED}")
        crawl_sample(
            site.base_url, url, warc, "recheck of every archived article",
            ["mode=recheck", f"since={since}"], must_succeed=strict,
        )  # fmt: skip
    if not args.explicit_database_url:
        remove_lock_files(DEMO_FOLDER)
    print_summary(url, warc, args)
    return 0 if args.redesign is None else print_outcomes(url)


def print_outcomes(url: str) -> int:
    """How each crawl of the demo ended, with the counters of a changing site; 1 when one of
    them did not finish (as its own exit status said), else 0."""
    runs = crawl_runs(url)
    print("\nhow each crawl ended:")
    rows = [
        (
            run.id, run.mode, run.status, run.articles_new, run.articles_dropped,
            *(int((run.stats or {}).get(key) or 0) for key in OUTCOME_STATS),
            run.finish_reason or "",
        )
        for run in runs
    ]  # fmt: skip
    print_table(("id", "mode", "status", "new", "dropped", *OUTCOME_STATS.values(), "reason"), rows)
    failed = [run for run in runs if run.status != "finished"]
    if failed:
        print(f"\n{len(failed)} of {len(runs)} crawls did not finish: see their reasons above")
    return 1 if failed else 0


def remove_lock_files(folder: Path) -> None:
    """Delete the crawl lock files the demo's crawls left beside its database: every crawl is
    over and the folder is the demo's own, so nothing can hold them."""
    for lock in folder.glob("*.lock"):
        lock.unlink(missing_ok=True)


def display_now() -> datetime:
    """Now on the site's clock, to the second."""
    return datetime.now(WIB).replace(microsecond=0)


def print_summary(url: str, warc: Path, args: argparse.Namespace) -> None:
    """What the demo archive now holds, how to point the other commands at it, and examples."""
    stats = ArchiveStats(url).collect()
    print(
        f"\narchived {stats['articles']} articles ({stats['revisions']} revisions, "
        f"{stats['gone']} gone):"
    )
    print_table(("subchannel", "articles"), list(stats["by_subchannel"].items()))
    latest = export_query().order_by(None).order_by(Article.published_at.desc())
    newest = list(ArchiveExport(url).records(latest.limit(LATEST_SHOWN)))
    print("\nlatest (times in WIB, the site's clock):")
    for record in newest:
        print(
            f"  {record['article_id']}  {display_time(record['published_at'])}  {record['title']}"
        )
    shown_url = mask_url(url) if args.explicit_database_url else url
    prefix = f"viva-archive --database-url {shlex.quote(shown_url)}"
    print(
        "\nthis is a separate demo archive: the other commands use the default archive "
        f"unless given --database-url {shlex.quote(shown_url)} (or DATABASE_URL={shown_url})"
    )
    print("\nexplore it:")
    for command, purpose in example_commands(warc):
        print(f"  {prefix} {command:<40} # {purpose}")


def example_commands(warc: Path) -> list[tuple[str, str]]:
    """Commands that all give output on the demo archive, with what each shows."""
    return [
        ("serve", "read it in a browser: http://127.0.0.1:8000/"),
        ("stats", "articles by subchannel and month, last runs"),
        ("runs", "the three crawls just made"),
        ('search "pasukan perbatasan"', "full-text search (finds the edited article)"),
        (f"show {EDITED} --revisions --diff", "the edit: two revisions and their diff"),
        (f"show {REMOVED}", "an article the site removed: status gone"),
        ("export --format csv -o data/militer.csv", "everything as CSV (or --format jsonl)"),
        (f"reextract --dry-run --archive-dir {shlex.quote(str(warc))}", "re-read the raw pages"),
    ]
