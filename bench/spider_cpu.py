"""Benchmark: the spider's CPU per article page during a backfill of the fixture site.

A loopback sample site with ``--articles`` invented articles is backfilled into a fresh SQLite
archive by a crawl child whose article work is timed on the main thread's CPU clock (so other
processes on the machine and the store's worker thread do not count): the article callback,
which parses the page, and the normalize pipeline, where a second parse of a page or a
recomputed field would show. Printed per article page: that CPU, and the whole child's CPU.
Run: ``python -m bench.spider_cpu [--articles 400]``.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
from pathlib import Path

from bench.common import (
    ROOT,
    backfill_since,
    database,
    fixture_articles,
    fixture_site,
    print_table,
    run_measured,
)
from viva_militer_archive.sample_site.harness import (
    FAST_SETTINGS,
    crawl_command,
    crawl_env,
    last_run,
)

TIMED_CHILD = """
import atexit, json, sys, time, runpy
from crawler.pipelines.normalize import NormalizePipeline
from crawler.spiders.viva_militer import VivaMiliterSpider

report, sys.argv = sys.argv[1], ["scrapy", *sys.argv[2:]]
spent = {"callback": 0.0, "normalize": 0.0}


def timed_callback(callback):
    def run(*args, **kwargs):
        steps = callback(*args, **kwargs)
        while True:
            started = time.thread_time()
            try:
                output = next(steps)
            except StopIteration:
                return
            finally:
                spent["callback"] += time.thread_time() - started
            yield output
    return run


def timed_normalize(process_item):
    def run(self, item):
        started = time.thread_time()
        try:
            return process_item(self, item)
        finally:
            spent["normalize"] += time.thread_time() - started
    return run


VivaMiliterSpider.parse_article_page = timed_callback(VivaMiliterSpider.parse_article_page)
NormalizePipeline.process_item = timed_normalize(NormalizePipeline.process_item)
atexit.register(lambda: open(report, "w").write(json.dumps(spent)))
runpy.run_module("scrapy", run_name="__main__", alter_sys=True)
"""
"""Child program: ``scrapy <args>`` with the article callback and the normalize pipeline
timed (``thread_time``, main thread), the seconds written as JSON to the first argument."""


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
        tempfile.TemporaryDirectory(prefix="viva-bench-cpu-") as folder,
    ):
        report = Path(folder) / "spent.json"
        command = crawl_command("mode=backfill", f"since={backfill_since(args.articles)}",
                                settings=settings)  # fmt: skip
        program = Path(folder) / "timed_crawl.py"  # a file: Scrapy reads callbacks' source
        program.write_text(TIMED_CHILD, encoding="utf-8")
        timed = [sys.executable, str(program), str(report), *command[3:]]
        # PYTHONPATH: the child runs from the temp folder, its imports come from the repository
        env = {**crawl_env(site.base_url, url), "ARCHIVE_DIR": folder, "PYTHONPATH": str(ROOT)}
        before = children_cpu()
        code, wall, _, tail = run_measured(timed, env)
        cpu = children_cpu() - before
        if code != 0:
            raise SystemExit(f"crawl failed (exit {code}):\n{tail}")
        stats = last_run(url).stats or {}
        spent = json.loads(report.read_text(encoding="utf-8"))
    parsed = int(stats.get("articles/parsed") or 0)
    pages = parsed + int(stats.get("articles/extra_pages") or 0)
    rows = [
        [name, f"{seconds:.3f}", f"{seconds * 1000 / pages:.3f}"]
        for name, seconds in [*spent.items(), ("article work", sum(spent.values())),
                              ("crawl child CPU (user+sys)", cpu)]
    ]  # fmt: skip
    print(f"backfill of {args.articles} articles: {parsed} parsed from {pages} article pages")
    print_table(["CPU", "total s", "ms per article page"], [*rows, ["wall", f"{wall:.2f}", ""]])


if __name__ == "__main__":
    main()
