"""Benchmark: requests per second and latency of the web reader on an archive of 100,000
articles on PostgreSQL, under a concurrent load generator on loopback.

The archive is filled through ``ArchiveWriter.store_articles`` in batches (invented
articles of the sample site's catalogue, 40 a day back from today), in a fresh schema dropped
afterwards. ``viva-archive serve`` runs as a child process (one uvicorn worker);
``wrk`` (an asyncio httpx client when wrk is missing) keeps ``--concurrency`` requests in
flight for ``--seconds`` per endpoint:
``/api/ping`` (touches nothing: the server's ceiling), ``/articles/{id}`` (random ids),
``/articles`` (random keyset pages: the default 20 rows, then 50), ``/articles/{id}`` again
as revalidating readers ask for it (``If-None-Match`` with the ETag each of 2,000 random pages
was served with: a separate row, 304s), ``/search`` one request at a time (its latency
without queueing), then ``/search`` under the same load (words of the catalogue).
Targets: article and list pages >= 50% of the ceiling's requests per second; search p95 <= 150 ms.
Run: ``python bench/web.py [--articles 100000] [--seconds 10] [--concurrency 16]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
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
from storage.runs import RunJournal
from storage.writes import ArchiveWriter

DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
FIRST_ID = 1_000_000
LAST_ID = FIRST_ID + 100_000 - 1
"""The last article id of the archive (set from ``--articles``)."""
BATCH = 1000
REVALIDATED = 2000
"""Article pages fetched once before the conditional row, then revalidated at random."""
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
    writer = ArchiveWriter(url)
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
        writer.store_articles(items)
    journal = RunJournal(url)
    for mode in ("latest", "recheck", "backfill"):
        journal.finish(journal.start(mode, {}), status="finished", reason="finished")
    return time.perf_counter() - started


@dataclass(frozen=True, slots=True)
class Endpoint:
    """What to request: a path drawn at random, for each load generator."""

    name: str
    path: Callable[[random.Random], str]
    lua: str
    """The same as a Lua expression for wrk (``first``, ``last`` and ``words`` are defined)."""
    revalidated: dict[str, str] | None = None
    """Path -> ETag: draw from these paths and send ``If-None-Match`` with their ETag."""


@dataclass(frozen=True, slots=True)
class Measure:
    """One endpoint under load: requests served, their rate and latency (ms), failures."""

    name: str
    requests: int
    rps: float
    p50: float
    p95: float
    failures: int


WRK_SCRIPT = """
first, last = {first}, {last}
words = {{{words}}}
paths, tags = {{{paths}}}, {{{tags}}}
init = function(args) math.randomseed(math.floor(os.clock() * 1e6) + #tostring({{}})) end
request = function()
  if #paths > 0 then
    local i = math.random(#paths)
    return wrk.format("GET", paths[i], {{["If-None-Match"] = tags[i]}})
  end
  return wrk.format("GET", {lua})
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95),
    e.connect + e.read + e.write + e.timeout + e.status))
end
"""


def wrk_load(base: str, endpoint: Endpoint, seconds: float, concurrency: int) -> Measure:
    """``wrk`` (C, two threads) keeping ``concurrency`` connections busy for ``seconds``,
    after a two-second warm-up."""
    revalidated = endpoint.revalidated or {}
    script = WRK_SCRIPT.format(
        first=FIRST_ID, last=LAST_ID, lua=endpoint.lua,
        words=", ".join(f'"{word}"' for word in SEARCH_WORDS),
        paths=", ".join(f'"{path}"' for path in revalidated),
        tags=", ".join(f"[[{tag}]]" for tag in revalidated.values()),
    )  # fmt: skip
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as lua:
        lua.write(script)
        lua.flush()
        threads = str(min(2, concurrency))
        command = ["wrk", "-t", threads, "-c", str(concurrency), "--timeout", "30s", "-s", lua.name]
        subprocess.run([*command, "-d", "2s", base], capture_output=True, check=True)
        out = subprocess.run(
            [*command, "-d", f"{seconds:.0f}s", base], capture_output=True, text=True, check=True
        ).stdout
    requests, micros, p50, p95, failures = (int(v) for v in out.split("RESULT")[1].split())
    if requests == 0:  # nothing finished within the window: slower than the window itself
        return Measure(endpoint.name, 0, 0.0, float("inf"), float("inf"), failures)
    return Measure(
        endpoint.name, requests, requests / (micros / 1e6), p50 / 1e3, p95 / 1e3, failures
    )


async def client_load(base: str, endpoint: Endpoint, seconds: float, concurrency: int) -> Measure:
    """The same with an asyncio httpx client (when wrk is not installed): heavier, so it
    takes CPU from the server on a small machine."""
    latencies: list[float] = []
    failures = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:

        async def worker(seed: int, until: float) -> None:
            nonlocal failures
            rng = random.Random(seed)
            while time.perf_counter() < until:
                started = time.perf_counter()
                if endpoint.revalidated:
                    path = rng.choice(list(endpoint.revalidated))
                    headers = {"If-None-Match": endpoint.revalidated[path]}
                    response = await client.get(path, headers=headers)
                else:
                    response = await client.get(endpoint.path(rng))
                failures += response.status_code not in (200, 304)
                latencies.append(time.perf_counter() - started)

        warm_until = time.perf_counter() + 2.0
        await asyncio.gather(*(worker(-n - 1, warm_until) for n in range(concurrency)))
        latencies.clear()
        started = time.perf_counter()
        await asyncio.gather(*(worker(n, started + seconds) for n in range(concurrency)))
        wall = time.perf_counter() - started
    ordered = sorted(latencies)

    def ms(share: float) -> float:
        if not ordered:
            return float("inf")
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000

    return Measure(endpoint.name, len(ordered), len(ordered) / wall, ms(0.5), ms(0.95), failures)


def measure(base: str, endpoint: Endpoint, seconds: float, concurrency: int) -> Measure:
    if shutil.which("wrk"):
        return wrk_load(base, endpoint, seconds, concurrency)
    return asyncio.run(client_load(base, endpoint, seconds, concurrency))


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


ENDPOINTS = (
    Endpoint("/api/ping (ceiling)", lambda rng: "/api/ping", '"/api/ping"'),
    Endpoint(
        "/articles/{id}",
        lambda rng: f"/articles/{rng.randint(FIRST_ID, LAST_ID)}",
        'string.format("/articles/%d", math.random(first, last))',
    ),
    Endpoint(
        "/articles",
        lambda rng: f"/articles?after={rng.randint(FIRST_ID + 100, LAST_ID)}",
        'string.format("/articles?after=%d", math.random(first + 100, last))',
    ),
    Endpoint(
        "/articles?limit=50",
        lambda rng: f"/articles?limit=50&after={rng.randint(FIRST_ID + 100, LAST_ID)}",
        'string.format("/articles?limit=50&after=%d", math.random(first + 100, last))',
    ),
    Endpoint(
        "/search",
        lambda rng: f"/search?q={rng.choice(SEARCH_WORDS)}",
        '"/search?q=" .. words[math.random(#words)]',
    ),
)


def entity_tags(base: str, count: int) -> dict[str, str]:
    """``count`` random article pages and the ETag each was served with (what a revalidating
    browser or proxy holds)."""
    rng = random.Random(7)
    paths = {f"/articles/{rng.randint(FIRST_ID, LAST_ID)}" for _ in range(count)}
    with httpx.Client(base_url=base, timeout=30) as client:
        return {path: client.get(path).headers["etag"] for path in sorted(paths)}


@contextmanager
def archive(args: argparse.Namespace) -> Iterator[str]:
    """``--archive``, or a fresh schema filled with ``--articles`` articles (dropped after)."""
    if args.archive:
        yield args.archive
        return
    with scratch_schema(args.server) as url:
        filled = fill(url, args.articles)
        print(f"archive: {args.articles} articles stored in {filled:.0f}s (PostgreSQL)")
        yield url


def main() -> None:
    global LAST_ID
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=10.0, help="per endpoint")
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--server", default=os.environ.get("TEST_DATABASE_URL", DEFAULT_SERVER))
    parser.add_argument(
        "--archive",
        metavar="URL",
        help="measure an archive this script filled before (same --articles; e.g. a copy of "
        "its schema) instead of filling a fresh one",
    )
    args = parser.parse_args()
    LAST_ID = FIRST_ID + args.articles - 1
    with archive(args) as url, server(url, args.port) as base:
        # search one at a time before the concurrent search: a query still running on the
        # server would otherwise be measured as the next one's latency
        revalidating = Endpoint(
            "/articles/{id} 304",
            ENDPOINTS[1].path,
            ENDPOINTS[1].lua,
            entity_tags(base, REVALIDATED),
        )
        serial = Endpoint("/search, 1 in flight", ENDPOINTS[4].path, ENDPOINTS[4].lua)
        pages = (*ENDPOINTS[:4], revalidating)
        results = [measure(base, e, args.seconds, args.concurrency) for e in pages]
        results.append(measure(base, serial, args.seconds, 1))
        results.append(measure(base, ENDPOINTS[4], args.seconds, args.concurrency))
    ceiling = results[0].rps
    generator = "wrk" if shutil.which("wrk") else "an asyncio httpx client"
    print(
        f"\n{args.concurrency} requests in flight ({generator}), {args.seconds:.0f}s per "
        "endpoint, one uvicorn worker, all on one machine\n"
    )
    print(f"{'endpoint':<22}{'requests':>10}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}"
          f"{'x ceiling':>11}{'failed':>8}")  # fmt: skip
    for m in results:
        print(
            f"{m.name:<22}{m.requests:>10}{m.rps:>9.0f}{m.p50:>9.1f}{m.p95:>9.1f}"
            f"{m.rps / ceiling:>11.2f}{m.failures:>8}"
        )
    article, listing, search = results[1], results[2], results[-1]
    pages_ok = article.rps >= 0.5 * ceiling and listing.rps >= 0.5 * ceiling
    search_ok = search.p95 <= 150
    print(f"\ntarget article and list >= 0.5x ceiling: {'met' if pages_ok else 'MISSED'}")
    print(f"target search p95 <= 150 ms: {'met' if search_ok else 'MISSED'}")


if __name__ == "__main__":
    main()
