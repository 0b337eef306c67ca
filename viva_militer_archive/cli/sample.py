"""``viva-archive sample-site``: the bundled sample site served by itself on loopback, so that an
ad hoc ``scrapy crawl viva_militer`` (or ``viva-archive crawl``) can be tried with no network.

It serves the demo's invented articles (ids from 900,000,001, which no real VIVA article will
have for decades) until stopped, and prints the crawl command to point at it: its own archive
under ``./data/sample/``, never the default one."""

from __future__ import annotations

import argparse
import shlex
import threading

from viva_militer_archive.cli.demo import DEMO_FIRST_ID, display_now
from viva_militer_archive.sample_site.catalog import sample_articles
from viva_militer_archive.sample_site.server import SampleSite
from viva_militer_archive.sample_site.site_change import REDESIGN_NEWS, REDESIGNS

SAMPLE_FOLDER = "data/sample"
"""Where the printed crawl command keeps its archive, WARC files and items."""
DEFAULT_PORT = 8001
"""Beside ``serve``'s 8000."""


def port_or_any(value: str) -> int:
    """A TCP port, or 0 for any free one (argparse type)."""
    if not value.isdigit() or not 0 <= int(value) <= 65535:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port (0-65535, 0: any free one)")
    return int(value)


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``sample-site``."""
    parser = subparsers.add_parser(
        "sample-site",
        help="serve the bundled sample site on 127.0.0.1 (for an offline `scrapy crawl`)",
        description="Serves the demo's invented VIVA Militer pages on 127.0.0.1 until "
        "interrupted (Ctrl-C) and prints the `scrapy crawl viva_militer` command that crawls "
        f"them into an archive of its own ({SAMPLE_FOLDER}/). Needs no network.",
    )
    parser.add_argument(
        "--port", type=port_or_any, default=DEFAULT_PORT, help=f"default {DEFAULT_PORT}; 0: any"
    )
    parser.add_argument(
        "--redesign",
        choices=REDESIGNS,
        help="serve the site changed (article template or listing rows renamed, bot "
        "challenges): what the archive meets when the real site changes",
    )
    parser.set_defaults(handler=run)


def crawl_example(base_url: str) -> str:
    """The ``scrapy crawl`` command line (from the repository root) that crawls the site at
    ``base_url`` into the sample folder, politeness delays off (the site is local)."""
    environment = {
        "VIVA_BASE_URL": base_url,
        "DATABASE_URL": f"sqlite:///{SAMPLE_FOLDER}/archive.sqlite3",
        "ARCHIVE_DIR": f"{SAMPLE_FOLDER}/warc",
    }
    assignments = " ".join(f"{name}={shlex.quote(value)}" for name, value in environment.items())
    return (
        f"{assignments} scrapy crawl viva_militer -s DOWNLOAD_DELAY=0 "
        f"-s AUTOTHROTTLE_ENABLED=0 -O {SAMPLE_FOLDER}/items.jsonl"
    )


def run(args: argparse.Namespace) -> int:
    now = display_now()
    site = SampleSite(
        sample_articles(now, first_id=DEMO_FIRST_ID, rising_ids=True),
        today=now.date(),
        redesign=args.redesign,
        port=args.port,
    )
    base_url = site.start()  # a port in use: one line, exit 1 (an OSError)
    try:
        print(f"sample site: {len(site.articles)} invented articles at {base_url}/")
        if args.redesign:
            print(f"redesign: {REDESIGN_NEWS[args.redesign]}")
        print("crawl it (from the repository root) into an archive of its own:")
        print(f"  {crawl_example(base_url)}")
        print(f"  viva-archive --database-url sqlite:///{SAMPLE_FOLDER}/archive.sqlite3 stats")
        print("serving until interrupted (Ctrl-C)", flush=True)
        threading.Event().wait()
    except KeyboardInterrupt:
        print("stopped")
    finally:
        site.stop()
    return 0
