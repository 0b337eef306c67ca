"""Benchmark: pages per second of a full backfill of the fixture site, beside ``scrapy bench``.

A loopback sample site with ``--articles`` invented articles (40 a day) is backfilled from an
empty archive with politeness delays off, into SQLite and into PostgreSQL (a fresh schema,
dropped afterwards). ``scrapy bench`` runs in the same script as the reference ceiling of
Scrapy on this machine: from an empty temp directory with the project's environment variables
removed, so it uses Scrapy's default settings, not ours.
Run: ``python -m bench.crawl [--articles 2000] [--backends sqlite,postgresql]``.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
from pathlib import Path

from bench.common import (
    BACKENDS,
    backfill_since,
    crawl,
    database,
    fixture_articles,
    fixture_site,
    mib,
    report,
    run_measured,
)

TARGET = 0.5
RATE_RE = re.compile(r"Crawled (\d+) pages \(at (\d+) pages/min\)")
PROJECT_VARIABLES = ("SCRAPY_SETTINGS_MODULE", "SCRAPY_PROJECT", "VIVA_BASE_URL", "DATABASE_URL")


def scrapy_bench(seconds: int) -> tuple[float, int]:
    """``scrapy bench``'s steady rate in pages per second (median of its per-second 'pages/min'
    log lines after the first, which is start-up) and the pages it crawled."""
    env = {k: v for k, v in os.environ.items() if k not in PROJECT_VARIABLES}
    command = [sys.executable, "-m", "scrapy", "bench", "-s", f"CLOSESPIDER_TIMEOUT={seconds}"]
    with tempfile.TemporaryDirectory(prefix="scrapy-bench-") as folder:
        code, _, _, log = run_measured(command, env, cwd=Path(folder))
    readings = [(int(pages), int(rate)) for pages, rate in RATE_RE.findall(log)]
    steady = [rate for _, rate in readings[1:] if rate > 0]
    if code != 0 or not steady:
        raise SystemExit(f"scrapy bench failed (exit {code}):\n{log}")
    return statistics.median(steady) / 60, readings[-1][0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000, help="fixture articles")
    parser.add_argument("--backends", default=",".join(BACKENDS), help="sqlite,postgresql")
    parser.add_argument("--concurrency", type=int, default=32, help="CONCURRENT_REQUESTS")
    parser.add_argument("--bench-seconds", type=int, default=20, help="scrapy bench duration")
    args = parser.parse_args()

    reference, bench_pages = scrapy_bench(args.bench_seconds)
    articles = fixture_articles(args.articles)
    settings = {
        "CONCURRENT_REQUESTS": str(args.concurrency),
        "CONCURRENT_REQUESTS_PER_DOMAIN": str(args.concurrency),
    }
    rows = [["scrapy bench (reference)", bench_pages, "", "", f"{reference:.1f}", "1.00", ""]]
    ratios = []
    with fixture_site(articles) as site:
        for backend in args.backends.split(","):
            with database(backend) as url:
                since = f"since={backfill_since(args.articles)}"
                done = crawl(site.base_url, url, "mode=backfill", since, settings=settings)
                done.check()
            rate = done.responses / done.seconds
            ratios.append(rate / reference)
            rows.append([
                f"backfill -> {backend}", done.responses, done.run.articles_new,
                f"{done.seconds:.1f}", f"{rate:.1f}", f"{rate / reference:.2f}",
                mib(done.peak_rss),
            ])  # fmt: skip
    report(
        f"{args.articles} fixture articles, CONCURRENT_REQUESTS={args.concurrency}, no delays; "
        f"scrapy bench: Scrapy defaults, {args.bench_seconds}s, run from an empty temp dir",
        ["run", "pages", "stored", "seconds", "pages/s", "x bench", "peak RSS"],
        rows,
        f">= {TARGET}x scrapy bench with storage on",
        min(ratios) >= TARGET,
    )


if __name__ == "__main__":
    main()
