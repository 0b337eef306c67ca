"""Benchmark: bounded work per search in the web reader (issue 19), on SQLite and PostgreSQL.

Three figures, each against ``viva-archive serve`` (one uvicorn worker) on loopback:

1. One archived article with an 8 MB body (``'kata ' * 1_600_000``, written straight into the
   table, as an archive kept from before the store's body bound holds it): ``/api/search?q=kata``
   one at a time and 4 at once, latency and the server's RSS before and after.
2. 50 heavy searches in flight (the archive's 14 most common words, ``offset=9980``) for
   ``--seconds`` (after bench/web.py's warm-up), while ``/healthz`` and an article page are
   requested one after the other: their latency, and how the searches ended (200, or 503
   past the search deadline).
3. ``/search`` with 16 in flight (one word of the catalogue each): p50/p95 (bench/web.py's load
   generator: ``wrk``, or an asyncio client).

The archive: ``--articles`` (20,000) invented articles of the sample site's catalogue, stored
through ``ArchiveWriter`` (bench/web.py's ``fill``). Targets: 8 MB search < 100 ms, health and
article page < 200 ms under the heavy searches, search p95 <= 150 ms.
Run: ``python -m bench.search_load [--articles 20000] [--seconds 10]
[--backends sqlite,postgresql]``.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import random
import statistics
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import psutil
import sqlalchemy as sa

import bench.web as web
from bench.common import database
from crawler.arguments import today_wib
from storage.engine import get_engine
from storage.word_forms import WORD_RE
from viva_militer_archive.sample_site.catalog import generated_articles
from viva_militer_archive.sample_site.render import expected_fields

HUGE_BODY = "kata " * 1_600_000
HEAVY_SEARCHES, HEAVY_OFFSET = 50, 9980
PROBES = ("/healthz", f"/articles/{web.FIRST_ID + 7}")


@contextmanager
def archive(backend: str, count: int) -> Iterator[str]:
    """A filled archive of ``backend`` (a temporary SQLite file or a scratch PostgreSQL
    schema from ``TEST_DATABASE_URL``), removed after."""
    with database(backend) as url:
        print(f"{backend}: {count:,} articles stored in {web.fill(url, count):.0f} s")
        yield url


def common_words(count: int) -> list[str]:
    """The ``count`` words most articles of the catalogue hold."""
    documents: collections.Counter[str] = collections.Counter()
    for spec in generated_articles(500, today_wib(), first_id=web.FIRST_ID):
        item = expected_fields(spec)
        documents.update({w.lower() for w in WORD_RE.findall(item["body"]) if len(w) > 3})
    return [word for word, _ in documents.most_common(count)]


def cpu_seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


def timed_get(client: httpx.Client, path: str) -> tuple[float, int]:
    started = time.perf_counter()
    status = client.get(path).status_code
    return (time.perf_counter() - started) * 1000, status


async def concurrent(base: str, path: str, count: int) -> list[tuple[float, int]]:
    """``count`` requests for ``path`` at once: (ms, status) of each."""
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:

        async def one() -> tuple[float, int]:
            started = time.perf_counter()
            status = (await client.get(path)).status_code
            return (time.perf_counter() - started) * 1000, status

        return await asyncio.gather(*(one() for _ in range(count)))


def huge_body(url: str, server: web.Server) -> None:
    """Figure 1: the 8 MB body."""
    base = server.base
    with get_engine(url).begin() as connection:
        connection.execute(
            sa.text("UPDATE articles SET body = :body WHERE article_id = :id"),
            {"body": HUGE_BODY, "id": web.FIRST_ID + 3},
        )
    process = server.process
    rss_before, cpu_before = process.memory_info().rss, cpu_seconds(process)
    with httpx.Client(base_url=base, timeout=120) as client:
        single = [timed_get(client, "/api/search?q=kata") for _ in range(10)]
    four = [asyncio.run(concurrent(base, "/api/search?q=kata", 4)) for _ in range(5)]
    rss_after, cpu = process.memory_info().rss, cpu_seconds(process) - cpu_before
    print(
        f"  8 MB body, /api/search?q=kata: 1 at a time median "
        f"{statistics.median(ms for ms, _ in single):.1f} ms (max "
        f"{max(ms for ms, _ in single):.1f}); 4 at once median "
        f"{statistics.median(ms for run in four for ms, _ in run):.1f} ms (max "
        f"{max(ms for run in four for ms, _ in run):.1f}); statuses "
        f"{sorted({s for _, s in single} | {s for run in four for _, s in run})}; server RSS "
        f"{rss_before / 2**20:.0f} → {rss_after / 2**20:.0f} MiB; server CPU "
        f"{cpu / 30 * 1000:.1f} ms a request"
    )


def heavy_searches(server: web.Server, span: web.Span, seconds: float) -> None:
    """Figure 2: 50 heavy searches in flight (bench/web.py's load generator, in a thread)
    while the probes are requested one after the other."""
    base = server.base
    heavy = f"/api/search?q={'+'.join(common_words(14))}&offset={HEAVY_OFFSET}"
    endpoint = web.Endpoint("heavy search", heavy, in_flight=HEAVY_SEARCHES)
    load_once = web.Load(seconds=seconds, warmup=1.0, concurrency=HEAVY_SEARCHES)
    searches: list[web.Measure] = []
    load = threading.Thread(
        target=lambda: searches.append(web.measure(server, endpoint, span, load_once))
    )
    load.start()
    time.sleep(1.0)  # the searches are in flight
    latencies: dict[str, list[float]] = {path: [] for path in PROBES}
    statuses: collections.Counter[int] = collections.Counter()
    with httpx.Client(base_url=base, timeout=120) as client:
        while load.is_alive():
            for path in PROBES:
                ms, status = timed_get(client, path)
                latencies[path].append(ms)
                statuses[status] += 1
            time.sleep(0.05)
    (result,) = searches
    print(
        f"  {HEAVY_SEARCHES} heavy searches in flight ({seconds:.0f} s after a warm-up): "
        f"{result.requests} answered, {result.failures} of them not 200 (503 past the deadline)"
    )
    for path, values in latencies.items():
        ordered = sorted(values)
        print(
            f"    {path:<22} {len(values):>4} requests  p50 {statistics.median(values):7.1f} ms  "
            f"p95 {ordered[int(0.95 * (len(ordered) - 1))]:7.1f} ms  max {ordered[-1]:7.1f} ms"
        )
    print(f"    probe statuses {dict(statuses)}")
    time.sleep(6)  # the last searches end (at their deadline at the latest)


def search_p95(server: web.Server, span: web.Span, seconds: float) -> None:
    """Figure 3: /search with 16 in flight."""
    endpoint = web.Endpoint("search", "/search?q=%s", "word", in_flight=16)
    result = web.measure(server, endpoint, span, web.Load(seconds, min(2.0, seconds), 16))
    print(
        f"  /search, 16 in flight: {result.requests} requests, {result.rps:.0f}/s, p50 "
        f"{result.p50:.1f} ms, p95 {result.p95:.1f} ms, failures {result.failures}, server CPU "
        f"{result.cpu_ms:.1f} ms a request (target p95 <= 150 ms: "
        f"{'met' if result.p95 <= 150 else 'MISSED'}; load average {os.getloadavg()[0]:.1f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--port", type=int, default=8766)
    args = parser.parse_args()
    span = web.Span(web.FIRST_ID, web.FIRST_ID + args.articles - 1)
    random.seed(7)
    for backend in args.backends.split(","):
        with archive(backend, args.articles) as url, web.ours(url, args.port, 1) as server:
            search_p95(server, span, args.seconds)
            heavy_searches(server, span, args.seconds)
            huge_body(url, server)
        sys.stdout.flush()


if __name__ == "__main__":
    main()
