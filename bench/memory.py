"""Benchmark: peak RSS of a backfill crawl and of ``viva-archive export``, as the size grows.

Backfills of the newest 5,000 / 10,000 / 20,000 articles of one fixture site, each into a
fresh archive; then one archive filled through ``store_articles`` in big batches (no crawl) and
exported to JSON lines at 25,000 / 50,000 / 100,000 articles. Each crawl and each export is a
child process, polled with psutil every 50 ms (with its children); the site stays in this
process, so its page cache is not counted. (Scrapy's own ``memusage/max`` stat is no use here:
it reads ``ru_maxrss``, which Linux carries over ``exec`` from the forked parent.)
Run: ``python -m bench.memory [--crawl 5000,10000,20000] [--export 25000,50000,100000]``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import (
    backfill_since,
    bench_table,
    bulk_item,
    crawl,
    database,
    fixture_articles,
    fixture_site,
    mib,
    report,
    run_measured,
)
from storage.migrate import upgrade
from storage.writes import ArchiveWriter

LIMIT = 300 * 2**20
FLAT = 1.25
"""'Flat': the largest size's peak is at most this many times the smallest size's."""
EXPORT = [str(Path(sys.executable).with_name("viva-archive")), "export", "--format", "jsonl"]
FILL_BATCH = 2000


def sizes(text: str) -> list[int]:
    return sorted(int(part) for part in text.split(",") if part)


def crawl_rows(counts: list[int], backend: str) -> list[list[object]]:
    """Backfill the newest ``count`` articles of one site into a fresh archive, per count."""
    rows: list[list[object]] = []
    with fixture_site(fixture_articles(max(counts))) as site:
        for count in counts:
            with database(backend) as url:
                since = f"since={backfill_since(count)}"
                done = crawl(site.base_url, url, "mode=backfill", since).check()
            rows.append([
                f"backfill {count}", done.run.articles_new, f"{done.seconds:.0f}",
                mib(done.peak_rss), "",
            ])  # fmt: skip
    return rows


def export_available() -> bool:
    """Whether ``viva-archive export`` exists yet (it is being written alongside)."""
    probe = subprocess.run([*EXPORT, "--help"], capture_output=True, text=True, check=False)
    return probe.returncode == 0


def export_rows(counts: list[int], backend: str) -> list[list[object]]:
    """Grow one archive to each count (bulk writes) and export it whole after each step."""
    if not export_available():
        return [[f"export {n}", "-", "-", "viva-archive export not available yet", "-"]
                for n in counts]  # fmt: skip
    rows: list[list[object]] = []
    with database(backend) as url, tempfile.TemporaryDirectory(prefix="viva-export-") as folder:
        upgrade(url)
        writer, stored = ArchiveWriter(url), 0
        env = {**os.environ, "DATABASE_URL": url}
        for count in counts:
            started = time.perf_counter()
            for first in range(stored, count, FILL_BATCH):
                last = min(first + FILL_BATCH, count)
                writer.store_articles([bulk_item(3_000_000 + n) for n in range(first, last)])
            fill, stored = time.perf_counter() - started, count
            out = Path(folder) / "export.jsonl"
            code, wall, peak, tail = run_measured([*EXPORT, "-o", str(out)], env)
            if code != 0:
                raise SystemExit(f"export failed (exit {code}):\n{tail}")
            lines = sum(1 for _ in out.open(encoding="utf-8"))
            rows.append([f"export {count}", lines, f"{wall:.0f}", mib(peak),
                         f"fill {fill:.0f}s"])  # fmt: skip
    return rows


def flat_and_under(rows: list[list[object]]) -> bool | None:
    """Target check on the 'peak RSS' column; None when nothing was measured."""
    peaks = [float(str(row[3]).split()[0]) for row in rows if str(row[3]).endswith("MB")]
    if not peaks:
        return None
    return max(peaks) * 2**20 < LIMIT and peaks[-1] <= FLAT * peaks[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--crawl", default="5000,10000,20000", help="backfill sizes ('' = skip)")
    parser.add_argument("--export", default="25000,50000,100000", help="export sizes ('' = skip)")
    parser.add_argument("--backend", default="sqlite", help="sqlite or postgresql")
    args = parser.parse_args()
    for name, counts, measure, extra in (
        ("crawl", sizes(args.crawl), crawl_rows, ""),
        ("export", sizes(args.export), export_rows, "note"),
    ):
        if not counts:
            continue
        rows = measure(counts, args.backend)
        headers = ["run", "articles", "seconds", "peak RSS", extra]
        ok = flat_and_under(rows)
        if ok is None:
            bench_table(headers, rows)
            continue
        title = f"{name}: peak RSS of the child process ({args.backend})"
        report(title, headers, rows, f"< 300 MB and flat (largest <= {FLAT}x smallest)", ok)
        print()


if __name__ == "__main__":
    main()
