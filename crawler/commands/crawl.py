"""``scrapy crawl viva_militer``: Scrapy's crawl command, with our checks and an honest exit code.

Bad arguments stop the crawl before it starts with one line (exit 2); a second crawl of the same
mode exits at once (exit 3); a failed run exits 1 (Scrapy's own command exits 0, scrapy#1231)."""

from __future__ import annotations

import argparse

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

from crawler.arguments import ArgumentError
from crawler.quiet import quiet_startup
from crawler.runner import SPIDER_NAME, run_crawl


class Command(ScrapyCrawlCommand):
    """Runs ``viva_militer`` through :func:`crawler.runner.run_crawl`; other spiders as usual."""

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        assert self.settings is not None
        quiet_startup(self.settings)  # before Scrapy creates the crawler process and logs

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if args != [SPIDER_NAME]:
            super().run(args, opts)
            return
        assert self.crawler_process is not None
        try:
            self.exitcode = run_crawl(self.crawler_process, opts.spargs)
        except ArgumentError as exc:
            raise UsageError(str(exc), print_help=False) from None
