"""Benchmark: ``reextract --unarchived`` over the WARC files of a blind spell.

Writes the captures of N generated articles (as a crawl writes them, no site served) into a
temporary archive directory, then recovers them into an empty database in a child process
(``viva-archive reextract --unarchived``), for each N given: wall seconds, articles a second
and the child's peak RSS. The WARC walk keeps only record locations, so the peak should grow
far slower than the WARC bytes. A second run over the same files (everything already archived)
shows the cost of the walk alone.
Run: ``python -m bench.recover [--articles 500 2000] [--backend sqlite|postgresql]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.common import bench_table, database, mib, run_measured
from crawler.arguments import today_wib
from crawler.warc import RollingWarcWriter
from storage.migrate import upgrade
from viva_militer_archive.sample_site.captures import write_capture
from viva_militer_archive.sample_site.catalog import generated_articles

ROOT = Path(__file__).resolve().parent.parent


def write_archive(directory: Path, count: int) -> int:
    """Captures of ``count`` articles fetched in the last hours; the WARC bytes written."""
    writer = RollingWarcWriter(directory, label="run1", max_bytes=64 * 2**20)
    start = datetime.now(UTC) - timedelta(hours=2)
    for n, spec in enumerate(generated_articles(count, today_wib())):
        write_capture(writer, spec, start + timedelta(milliseconds=n))
    writer.close()
    return sum(path.stat().st_size for path in directory.iterdir())


def recover_once(database_url: str, directory: Path, expected: str) -> tuple[float, int]:
    """One ``reextract --unarchived`` child: wall seconds and peak RSS; stops the benchmark
    unless its summary says ``expected`` (``2000 recovered``)."""
    command = [
        sys.executable,
        "-m",
        "viva_militer_archive.cli.main",
        "--database-url",
        database_url,
    ]
    command += ["reextract", "--unarchived", "--archive-dir", str(directory)]
    code, wall, peak, tail = run_measured(command, dict(os.environ))
    if code != 0 or expected not in tail:
        raise SystemExit(f"reextract did not say {expected!r} (exit {code}):\n{tail}")
    return wall, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, nargs="+", default=[500, 2000])
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    rows = []
    for count in args.articles:
        with tempfile.TemporaryDirectory(prefix="viva-bench-recover-") as folder:
            directory = Path(folder)
            size = write_archive(directory, count)
            with database(args.backend) as url:
                upgrade(url)
                runs = (("recover", f"{count} recovered"), ("again", f"{count} already archived"))
                for label, expected in runs:
                    wall, peak = recover_once(url, directory, expected)
                    rows.append(
                        (
                            f"{count} articles, {label}",
                            mib(size),
                            f"{wall:.1f}",
                            f"{count / wall:.0f}",
                            mib(peak),
                        )
                    )
    print(f"reextract --unarchived ({args.backend}), one child process per run")
    bench_table(("run", "WARC", "seconds", "articles/s", "peak RSS"), rows)


if __name__ == "__main__":
    main()
