"""Benchmark: articles per second through ``ArchiveWriter.store_articles`` on PostgreSQL
(new, unchanged, changed articles) beside a plain ``COPY`` of the same rows.

Each batch size gets a fresh schema at head. The ``COPY`` reference writes the rows a first
capture produces (``articles`` plus ``article_revisions``), built beforehand, with psycopg's
``cursor.copy`` in one transaction: the database's own speed for that data, into the same
schema and indexes; tag and author links are not part of it.
Run: ``python -m bench.store [--articles 10000] [--batches 50,500]``.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from bench.common import bulk_item, database, report
from crawler.settings import STORE_BATCH_SIZE
from storage.batching import chunks
from storage.engine import get_engine
from storage.migrate import upgrade
from storage.records import article_row, content_columns, revision_row
from storage.writes import ArchiveWriter

JSON_COLUMNS = {"authors", "tags", "images", "extraction_warnings", "lead_image"}
FIRST_ID = 2_000_000


def timed(action: Callable[[], Any]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def store_all(writer: ArchiveWriter, items: Sequence[dict[str, Any]], batch: int) -> None:
    for part in chunks(items, batch):
        writer.store_articles(part)


def copy_rows(url: str, items: Sequence[dict[str, Any]]) -> float:
    """Seconds to ``COPY`` the article and revision rows of ``items`` (built before timing)."""
    now = datetime.now(UTC)
    contents = [content_columns(item) for item in items]
    tables = {
        "articles": [article_row(item, c, now) for item, c in zip(items, contents, strict=True)],
        "article_revisions": [
            revision_row(item, c, 1, now, None) for item, c in zip(items, contents, strict=True)
        ],
    }
    for rows in tables.values():
        for row in rows:
            row.update({k: json.dumps(row[k]) for k in JSON_COLUMNS & row.keys()})
    connection = get_engine(url).raw_connection()
    try:
        driver = connection.driver_connection
        started = time.perf_counter()
        with driver.cursor() as cursor:
            for table, rows in tables.items():
                columns = list(rows[0])
                with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row([row[c] for c in columns])
        driver.commit()
        return time.perf_counter() - started
    finally:
        connection.close()


def measure(count: int, batch: int) -> dict[str, float]:
    """Articles per second of each kind of write, each in a fresh schema."""
    new = [bulk_item(FIRST_ID + n) for n in range(count)]
    changed = [bulk_item(FIRST_ID + n, edition=1) for n in range(count)]
    with database("postgresql") as url:
        upgrade(url)
        writer = ArchiveWriter(url)
        seconds = {
            "new": timed(lambda: store_all(writer, new, batch)),
            "unchanged": timed(lambda: store_all(writer, new, batch)),
            "changed": timed(lambda: store_all(writer, changed, batch)),
        }
    with database("postgresql") as url:
        upgrade(url)
        seconds["COPY"] = copy_rows(url, new)
    return {kind: count / s for kind, s in seconds.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000, help="articles per run")
    parser.add_argument(
        "--batches", default="50,200,500", help="batch sizes (200: the crawler's STORE_BATCH_SIZE)"
    )
    args = parser.parse_args()
    rows, ok = [], True
    for batch in (int(b) for b in args.batches.split(",")):
        rate = measure(args.articles, batch)
        if batch == STORE_BATCH_SIZE:  # the target is judged at the crawler's own batch size
            ok = ok and rate["new"] >= 0.5 * rate["COPY"] and rate["unchanged"] > rate["new"]
        rows.append([
            batch, f"{rate['new']:.0f}", f"{rate['unchanged']:.0f}", f"{rate['changed']:.0f}",
            f"{rate['COPY']:.0f}", f"{rate['new'] / rate['COPY']:.2f}",
            f"{rate['unchanged'] / rate['new']:.2f}",
        ])  # fmt: skip
    report(
        f"{args.articles} articles (~3 KB body each) per run, PostgreSQL; articles/s",
        ["batch", "new", "unchanged", "changed", "COPY", "new/COPY", "unch/new"],
        rows,
        f"at batch {STORE_BATCH_SIZE}: new >= 0.5x COPY and unchanged faster than new",
        ok,
    )


if __name__ == "__main__":
    main()
