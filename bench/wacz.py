"""Benchmark: peak RSS and time of ``viva-archive export --format wacz`` as the archive grows.

One archive (bulk-written articles, each with its page kept as a WARC record the way a crawl
writes it) is grown to each size and exported whole after each step, in a child process whose
peak RSS is sampled from outside. Target: memory flat in the number of articles (the largest
export's peak at most 1.25x the smallest's). Run: ``python -m bench.wacz [--articles
2000,8000,32000] [--backend sqlite|postgresql]``."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import zipfile
from datetime import UTC, datetime
from pathlib import Path

from bench.common import PARAGRAPH, bulk_item, database, mib, report, run_measured
from crawler.warc import Exchange, RollingWarcWriter
from storage.migrate import upgrade
from storage.writes import ArchiveWriter

FLAT = 1.25
"""'Flat': the largest size's peak is at most this many times the smallest size's."""
FILL_BATCH = 2000
FIRST_ID = 4_000_000
EXPORT = [str(Path(sys.executable).with_name("viva-archive")), "export", "--format", "wacz"]


def page(item: dict[str, object]) -> Exchange:
    """The article page a crawl would have fetched for ``item`` (about 3 KB of HTML)."""
    paragraphs = "".join(
        f"<p>{PARAGRAPH.format(n=int(str(item['article_id'])) + k)}</p>" for k in range(6)
    )
    html = f"<html><head><title>{item['title']}</title></head><body>{paragraphs}</body></html>"
    return Exchange(
        url=f"{item['url']}?page=all",
        method="GET",
        request_headers=[("User-Agent", "bench")],
        status=200,
        reason="OK",
        protocol="HTTP/1.1",
        response_headers=[("Content-Type", "text/html; charset=utf-8")],
        body=html.encode(),
        fetched_at=datetime.now(UTC),
    )


def fill(writer: ArchiveWriter, warc: RollingWarcWriter, first: int, last: int) -> None:
    """Store articles ``first..last-1``, each with its page written to the WARC files."""
    for start in range(first, last, FILL_BATCH):
        items = [bulk_item(FIRST_ID + n) for n in range(start, min(start + FILL_BATCH, last))]
        for item in items:
            item["warc_records"] = [warc.write(page(item))]
        writer.store_articles(items)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", default="2000,8000,32000", help="archive sizes")
    parser.add_argument("--backend", default="sqlite", help="sqlite or postgresql")
    args = parser.parse_args()
    counts = [int(n) for n in args.articles.split(",")]
    rows: list[list[object]] = []
    with database(args.backend) as url, tempfile.TemporaryDirectory(prefix="viva-wacz-") as tmp:
        upgrade(url)
        archive = Path(tmp) / "warc"
        writer, warc, stored = ArchiveWriter(url), RollingWarcWriter(archive, label="bench"), 0
        env = {**os.environ, "DATABASE_URL": url, "ARCHIVE_DIR": str(archive)}
        for count in counts:
            started = time.perf_counter()
            fill(writer, warc, stored, count)
            warc.close()
            filled, stored = time.perf_counter() - started, count
            out = Path(tmp) / "export.wacz"
            code, wall, peak, tail = run_measured([*EXPORT, "-o", str(out)], env)
            if code != 0:
                raise SystemExit(f"export failed (exit {code}):\n{tail}")
            with zipfile.ZipFile(out) as wacz:
                pages = sum(1 for _ in wacz.open("pages/pages.jsonl")) - 1
            rows.append([f"wacz {count}", pages, mib(out.stat().st_size), f"{wall:.1f}",
                         mib(peak), f"fill {filled:.0f}s"])  # fmt: skip
    peaks = [float(str(row[4]).split()[0]) for row in rows]
    report(
        f"export --format wacz: peak RSS of the child process ({args.backend})",
        ["run", "articles", "WACZ", "seconds", "peak RSS", "note"],
        rows,
        f"flat (largest <= {FLAT}x smallest)",
        peaks[-1] <= FLAT * peaks[0],
    )


if __name__ == "__main__":
    main()
