"""Benchmark: the spider's CPU per article page during a backfill of the fixture site.

A loopback sample site with ``--articles`` invented articles is backfilled into a fresh SQLite
archive by a crawl child run under :mod:`cProfile`. Printed: the child's total CPU seconds per
article page, and the profiled CPU of the article work alone per article page (the article
callback, which parses, plus the normalize pipeline), where a second parse of a page or a
recomputed field would show. cProfile slows everything alike, so compare figures of one script.
Run: ``python bench/spider_cpu.py [--articles 400]``.
"""

from __future__ import annotations

import argparse
import pstats
import resource
import sys
import tempfile
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # see bench/crawl.py

from bench.common import (
    backfill_since,
    database,
    fixture_articles,
    fixture_site,
    print_table,
    run_measured,
)
from tests.crawling import FAST_SETTINGS, crawl_command, crawl_env, last_run

ARTICLE_WORK = (
    ("viva_militer.py", "parse_article_page"),
    ("normalize.py", "process_item"),
)
"""(file name, function) of the article work: the callback and the normalize pipeline."""


def article_seconds(profile: Path) -> float:
    """Cumulative seconds of the :data:`ARTICLE_WORK` functions in a cProfile dump."""
    stats = pstats.Stats(str(profile)).stats  # type: ignore[attr-defined]
    return sum(
        entry[3]
        for (filename, _, function), entry in stats.items()
        if any(filename.endswith(f) and function == name for f, name in ARTICLE_WORK)
    )


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=400)
    args = parser.parse_args()
    specs = fixture_articles(args.articles)
    settings = {**FAST_SETTINGS, "LOG_LEVEL": "WARNING"}
    with (
        fixture_site(specs) as site,
        database("sqlite") as url,
        tempfile.TemporaryDirectory(prefix="viva-bench-prof-") as folder,
    ):
        profile = Path(folder) / "crawl.prof"
        command = crawl_command("mode=backfill", f"since={backfill_since(args.articles)}",
                                settings=settings)  # fmt: skip
        profiled = [sys.executable, "-m", "cProfile", "-o", str(profile), *command[1:]]
        env = {**crawl_env(site.base_url, url), "ARCHIVE_DIR": folder}
        before = children_cpu()
        code, wall, _, tail = run_measured(profiled, env)
        cpu = children_cpu() - before
        if code != 0:
            raise SystemExit(f"crawl failed (exit {code}):\n{tail}")
        stats = last_run(url).stats or {}
        parsed = int(stats.get("articles/parsed") or 0)
        pages = parsed + int(stats.get("articles/extra_pages") or 0)
        work = article_seconds(profile)
    print(f"backfill of {args.articles} articles: {parsed} parsed from {pages} article pages")
    print_table(
        ["measure", "total s", "ms per article page"],
        [
            ["crawl child CPU (user+sys)", f"{cpu:.2f}", f"{cpu * 1000 / pages:.2f}"],
            ["article callback + normalize", f"{work:.2f}", f"{work * 1000 / pages:.2f}"],
            ["wall", f"{wall:.2f}", ""],
        ],
    )


if __name__ == "__main__":
    main()
