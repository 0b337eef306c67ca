"""``viva-archive demo``: the whole pipeline on this machine, no network needed.

Serves the sample site shipped with the package on a loopback port, crawls it into the
configured archive (latest, then a backfill of its ten days; each crawl a child process because
Scrapy's reactor cannot restart), then prints what was archived and how to explore it."""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import make_url

from cli.arguments import SITE_ZONE
from cli.errors import CliError
from cli.output import print_table
from sample_site.catalog import sample_articles
from sample_site.server import SampleSite
from storage.config import mask_url
from storage.export import ArchiveExport, export_query
from storage.models import Article
from storage.stats import ArchiveStats

SAMPLE_DAYS = 10
"""The sample site's articles span the ten days before now."""
FAST_SETTINGS = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "0",
    "CONCURRENT_REQUESTS": "8",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "8",
    "ROBOTSTXT_OBEY": "1",
}
"""Politeness delays off: the demo site is local."""
CRAWL_TIMEOUT_SECONDS = 300
LATEST_SHOWN = 5


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``demo``."""
    parser = subparsers.add_parser(
        "demo",
        help="crawl the bundled sample site on loopback into the archive and show the result",
        description="Serves invented VIVA Militer pages on 127.0.0.1, crawls them (latest, then "
        f"a backfill of {SAMPLE_DAYS} days) into the configured database, and shows how to "
        "explore what was archived. Needs no network.",
    )
    parser.set_defaults(handler=run)


def crawl_command(spider_arguments: list[str]) -> list[str]:
    """``python -m scrapy crawl viva_militer -a ... -s ...`` with the demo's fast settings."""
    command = [sys.executable, "-m", "scrapy", "crawl", "viva_militer"]
    for argument in spider_arguments:
        command += ["-a", argument]
    for name, value in FAST_SETTINGS.items():
        command += ["-s", f"{name}={value}"]
    return command


def crawl_environment(base_url: str, database_url: str) -> dict[str, str]:
    """The child's environment: the sample site as the VIVA root, the configured archive, and
    raw pages (WARC) beside a SQLite archive unless ``ARCHIVE_DIR`` says otherwise."""
    env = {
        **os.environ,
        "VIVA_BASE_URL": base_url,
        "DATABASE_URL": database_url,
        "SCRAPY_SETTINGS_MODULE": "crawler.settings",
    }
    parsed = make_url(database_url)
    if "ARCHIVE_DIR" not in env and parsed.get_backend_name() == "sqlite" and parsed.database:
        env["ARCHIVE_DIR"] = str(Path(parsed.database).expanduser().parent / "warc")
    return env


def crawl_sample(base_url: str, database_url: str, label: str, arguments: list[str]) -> None:
    """Run one crawl of the sample site to the end; a failure ends the demo with its reason."""
    print(f"crawling the sample site: {label} ...", flush=True)
    with tempfile.TemporaryFile("w+", encoding="utf-8") as log:
        done = subprocess.run(
            crawl_command(arguments),
            env=crawl_environment(base_url, database_url),
            stdout=log,
            stderr=log,
            timeout=CRAWL_TIMEOUT_SECONDS,
            check=False,
        )
        if done.returncode != 0:
            log.seek(0)
            lines = [line for line in log.read().splitlines() if "ERROR" in line or "rror:" in line]
            reason = lines[-1].strip() if lines else "see the crawl log"
            raise CliError(f"the {label} crawl failed (exit {done.returncode}): {reason}")


def run(args: argparse.Namespace) -> int:
    url = args.database_url
    now = datetime.now(SITE_ZONE).replace(microsecond=0)
    since = (now - timedelta(days=SAMPLE_DAYS)).date().isoformat()
    with SampleSite(sample_articles(now), today=now.date()) as site:
        print(f"sample site: {len(site.articles)} invented articles at {site.base_url}")
        print(f"archive: {mask_url(url)}")
        crawl_sample(site.base_url, url, "latest articles", ["mode=latest"])
        crawl_sample(
            site.base_url, url, f"backfill since {since}", ["mode=backfill", f"since={since}"]
        )
    print_summary(url, args)
    return 0


def print_summary(url: str, args: argparse.Namespace) -> None:
    """What the archive now holds, and the commands to explore it."""
    stats = ArchiveStats(url).collect()
    print(f"\narchived {stats['articles']} articles ({stats['revisions']} revisions):")
    print_table(("subchannel", "articles"), list(stats["by_subchannel"].items()))
    latest = export_query().order_by(None).order_by(Article.published_at.desc())
    newest = list(ArchiveExport(url).records(latest.limit(LATEST_SHOWN)))
    print("\nlatest:")
    for record in newest:
        print(f"  {record['article_id']}  {(record['published_at'] or '')[:16]}  {record['title']}")
    prefix = "viva-archive"
    if args.explicit_database_url:
        prefix += f" --database-url {shlex.quote(mask_url(url))}"
    example_id = newest[0]["article_id"] if newest else 1
    print("\nexplore it:")
    for command, purpose in (
        ("stats", "articles by subchannel and month, last runs"),
        ("runs", "the crawls just made"),
        ("search pasukan", "full-text search, title matches first"),
        (f"show {example_id} --revisions", "one article and its history"),
        ("export --format csv -o militer.csv", "everything as CSV (or --format jsonl)"),
    ):
        print(f"  {prefix} {command:<36} # {purpose}")
