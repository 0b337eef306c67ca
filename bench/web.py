"""Benchmark: requests per second and latency of the web reader on an archive of 100,000
articles on PostgreSQL, under a concurrent load generator on loopback.

The archive is filled through ``ArchiveRepository.store_articles`` in batches (invented
articles of the sample site's catalogue, 40 a day back from today), in a fresh schema dropped
afterwards. ``viva-archive serve`` runs as a child process (one uvicorn worker); an asyncio
httpx client keeps ``--concurrency`` requests in flight for ``--seconds`` per endpoint:
``/api/ping`` (touches nothing: the server's ceiling), ``/articles/{id}`` (random ids),
``/articles`` (random keyset pages) and ``/search`` (words of the catalogue), then ``/search``
again one request at a time (its latency without queueing).
Targets: article and list pages >= 50% of the ceiling's requests per second; search p95 <= 150 ms.
Run: ``python bench/web.py [--articles 100000] [--seconds 10] [--concurrency 16]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # the repository, not bench/ (bench/incremental.py shadows a package)

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from crawler.arguments import today_wib
from crawler.extraction.text import content_hash
from sample_site.catalog import TOPICS, generated_articles
from sample_site.render import expected_fields
from storage.engine import dispose_all
from storage.migrate import upgrade
from storage.repository import ArchiveRepository
from storage.runs import RunJournal

DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
FIRST_ID = 1_000_000
BATCH = 1000
SEARCH_WORDS = sorted({word for topic in TOPICS for word in topic[:3] if " " not in word})
"""Single words of the catalogue's topics (each matches about a sixth of the archive)."""


@contextmanager
def scratch_schema(server: str) -> Iterator[str]:
    """A URL whose connections use a new schema on ``server``; the schema is dropped after."""
    name = f"bench_web_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{name}"'))
    try:
        url = make_url(server).update_query_dict({"options": f"-csearch_path={name}"})
        yield url.render_as_string(hide_password=False)
    finally:
        dispose_all()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{name}" CASCADE'))
        admin.dispose()


def fill(url: str, count: int) -> float:
    """Store ``count`` invented articles (and a few runs); returns the seconds it took."""
    upgrade(url)
    repository = ArchiveRepository(url)
    started = time.perf_counter()
    now = datetime.now(UTC).isoformat()
    specs = generated_articles(count, today_wib(), first_id=FIRST_ID)
    for start in range(0, count, BATCH):
        items = []
        for spec in specs[start : start + BATCH]:
            item = expected_fields(spec)
            item.update(
                content_hash=content_hash(item["title"], item["body"]),
                fetched_at=now,
                extraction_warnings=[],
            )
            items.append(item)
        repository.store_articles(items)
    journal = RunJournal(url)
    for mode in ("latest", "recheck", "backfill"):
        journal.finish(journal.start(mode, {}), status="finished", reason="finished")
    return time.perf_counter() - started


@dataclass(slots=True)
class Measure:
    """Latencies (seconds) of one endpoint's requests over ``wall`` seconds."""

    name: str
    latencies: list[float]
    wall: float
    failures: int

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.wall

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


async def load(
    base: str, name: str, path: Callable[[random.Random], str], seconds: float, concurrency: int
) -> Measure:
    """Keep ``concurrency`` requests of ``path(rng)`` in flight for ``seconds``."""
    latencies: list[float] = []
    failures = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:

        async def worker(seed: int, until: float) -> None:
            nonlocal failures
            rng = random.Random(seed)
            while time.perf_counter() < until:
                started = time.perf_counter()
                response = await client.get(path(rng))
                if response.status_code != 200:
                    failures += 1
                latencies.append(time.perf_counter() - started)

        warm_until = time.perf_counter() + min(2.0, seconds / 4)
        await asyncio.gather(*(worker(-n - 1, warm_until) for n in range(concurrency)))
        latencies.clear()
        started = time.perf_counter()
        until = started + seconds
        await asyncio.gather(*(worker(n, until) for n in range(concurrency)))
        wall = time.perf_counter() - started
    return Measure(name, latencies, wall, failures)


@contextmanager
def server(url: str, port: int) -> Iterator[str]:
    """``viva-archive serve`` on loopback, until the block ends."""
    child = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "serve", "--port", str(port), "--database-url", url],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                httpx.get(f"{base}/api/ping", timeout=1)
                break
            except httpx.TransportError:
                if child.poll() is not None:
                    raise SystemExit(f"server exited: {child.stderr.read()}") from None  # type: ignore[union-attr]
                time.sleep(0.1)
        yield base
    finally:
        child.send_signal(signal.SIGINT)
        child.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=10.0, help="per endpoint")
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--server", default=os.environ.get("TEST_DATABASE_URL", DEFAULT_SERVER))
    args = parser.parse_args()
    last_id = FIRST_ID + args.articles - 1
    endpoints: dict[str, Callable[[random.Random], str]] = {
        "/api/ping (ceiling)": lambda rng: "/api/ping",
        "/articles/{id}": lambda rng: f"/articles/{rng.randint(FIRST_ID, last_id)}",
        "/articles": lambda rng: f"/articles?after={rng.randint(FIRST_ID + 100, last_id)}",
        "/search": lambda rng: f"/search?q={rng.choice(SEARCH_WORDS)}",
    }
    with scratch_schema(args.server) as url:
        filled = fill(url, args.articles)
        print(f"archive: {args.articles} articles stored in {filled:.0f}s (PostgreSQL)")
        with server(url, args.port) as base:
            results = [
                asyncio.run(load(base, name, path, args.seconds, args.concurrency))
                for name, path in endpoints.items()
            ]
            serial = "/search, 1 in flight"
            results.append(asyncio.run(load(base, serial, endpoints["/search"], args.seconds, 1)))
    ceiling = results[0].rps
    print(
        f"\n{args.concurrency} requests in flight, {args.seconds:.0f}s per endpoint, "
        "one uvicorn worker; load generator on the same machine\n"
    )
    print(f"{'endpoint':<22}{'requests':>10}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}"
          f"{'x ceiling':>11}{'non-200':>9}")  # fmt: skip
    for m in results:
        print(
            f"{m.name:<22}{len(m.latencies):>10}{m.rps:>9.0f}{m.percentile(0.5):>9.1f}"
            f"{m.percentile(0.95):>9.1f}{m.rps / ceiling:>11.2f}{m.failures:>9}"
        )
    article, listing, search = results[1], results[2], results[3]
    pages_ok = article.rps >= 0.5 * ceiling and listing.rps >= 0.5 * ceiling
    search_ok = search.percentile(0.95) <= 150
    print(f"\ntarget article and list >= 0.5x ceiling: {'met' if pages_ok else 'MISSED'}")
    print(f"target search p95 <= 150 ms: {'met' if search_ok else 'MISSED'}")


if __name__ == "__main__":
    main()
