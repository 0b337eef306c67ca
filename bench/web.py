"""Benchmark: the web reader under load, beside Datasette on the same SQLite archive.

An archive of ``--articles`` invented articles (the sample site's catalogue, 40 a day back from
today) is filled through ``ArchiveWriter.store_articles`` in batches: a SQLite file in a temp
dir, or a fresh schema on ``TEST_DATABASE_URL``'s PostgreSQL, dropped afterwards.
``viva-archive serve`` runs as a child process, one uvicorn worker, then ``--workers`` (when
``serve`` has that option); on SQLite, Datasette (bench/datasette_app.py) then serves the same
file the same ways, through uvicorn too.
``wrk`` (an asyncio httpx client when wrk is missing) keeps ``--concurrency`` requests in flight
for ``--seconds`` per endpoint, after ``--warmup`` seconds: the article page and its JSON
(random ids), a keyset list page of 20 and of 50 rows, a search for a topic word one request at
a time (its latency without queueing) and under the same load; ours also ``/api/ping`` (touches
nothing: the server's ceiling) and article pages revalidated with ``If-None-Match`` (304s).
Each endpoint also records the CPU seconds each server process spent (how evenly the workers
share the load). Targets: search p95 <= 150 ms in flight; ours ahead of Datasette everywhere.
Run: ``python -m bench.web [--articles 20000] [--backends sqlite,postgresql] [--workers 2]``.
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
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psutil
from sqlalchemy.engine import make_url

from bench.common import bench_table, database, verdict
from bench.datasette_app import DATABASE
from crawler.arguments import today_wib
from crawler.extraction.text import content_hash
from storage.engine import dispose_all
from storage.migrate import upgrade
from storage.runs import RunJournal
from storage.writes import ArchiveWriter
from viva_militer_archive.sample_site.catalog import TOPICS, generated_articles
from viva_militer_archive.sample_site.render import expected_fields

ROOT = Path(__file__).resolve().parent.parent

FIRST_ID = 1_000_000
BATCH = 1000
REVALIDATED = 2000
"""Article pages fetched once before the conditional row, then revalidated at random."""
SEARCH_WORDS = sorted({word for topic in TOPICS for word in topic[:3] if " " not in word})
"""Single words of the catalogue's topics (each matches about a sixth of the archive)."""
SEARCH_P95_MS = 150


# -- the archive ----------------------------------------------------------------------------


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
    dispose_all()  # the server is another process: no connection of ours stays open
    return time.perf_counter() - started


@contextmanager
def archive(backend: str, args: argparse.Namespace) -> Iterator[str]:
    """``--archive``, or a fresh archive filled with ``--articles`` articles (removed after)."""
    if args.archive:
        yield args.archive
        return
    with database(backend) as url:  # SQLite: archive.sqlite3, Datasette's "archive"
        filled = fill(url, args.articles)
        print(f"archive: {args.articles:,} articles stored in {filled:.0f}s ({backend})")
        yield url


# -- what is requested ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Span:
    """The archive's article ids, and what the requests draw from them."""

    first: int
    last: int

    @property
    def key_first(self) -> int:
        """The lowest ``after`` key that still has a full page of 20 older articles."""
        return self.first + min(100, (self.last - self.first) // 2)

    def draw(self, kind: str, rng: random.Random) -> int | str:
        if kind == "id":
            return rng.randint(self.first, self.last)
        if kind == "key":
            return rng.randint(self.key_first, self.last)
        return rng.choice(SEARCH_WORDS)


LUA_DRAWS = {
    "id": "math.random(first, last)",
    "key": "math.random(key_first, last)",
    "word": "words[math.random(#words)]",
}


@dataclass(frozen=True, slots=True)
class Endpoint:
    """What to request: a path with one drawn value (an article id, a keyset key or a search
    word: ``draw``) or none."""

    name: str
    template: str
    draw: str = ""
    in_flight: int | None = None
    """Requests in flight; ``None``: ``--concurrency``."""
    revalidated: dict[str, str] = field(default_factory=dict)
    """Path -> ETag: draw from these paths instead and send ``If-None-Match`` with their ETag."""

    def path(self, span: Span, rng: random.Random) -> str:
        return self.template % span.draw(self.draw, rng) if self.draw else self.template

    def lua(self) -> str:
        """The same path as a Lua expression for wrk."""
        if not self.draw:
            return f'"{self.template}"'
        return f'string.format("{self.template}", {LUA_DRAWS[self.draw]})'


SEARCH_ALONE = "search, 1 in flight"
SEARCH_LOADED = "search, in flight"
OURS = (
    Endpoint("/api/ping (ceiling)", "/api/ping"),
    Endpoint("article page", "/articles/%d", "id"),
    Endpoint("article JSON", "/api/articles/%d", "id"),
    Endpoint("list, 20 rows", "/articles?after=%d", "key"),
    Endpoint("list, 50 rows", "/articles?limit=50&after=%d", "key"),
    Endpoint("article page 304", "/articles/%d", "id"),  # given its ETags before it runs
    Endpoint(SEARCH_ALONE, "/search?q=%s", "word", in_flight=1),
    Endpoint(SEARCH_LOADED, "/search?q=%s", "word"),
)
TABLE = f"/{DATABASE}/articles"
DATASETTE = (
    Endpoint("article page", f"{TABLE}/%d", "id"),
    Endpoint("article JSON", f"{TABLE}/%d.json", "id"),
    Endpoint("list, 20 rows", f"{TABLE}?_size=20&_next=%d", "id"),
    Endpoint("list, 50 rows", f"{TABLE}?_size=50&_next=%d", "id"),
    Endpoint(SEARCH_ALONE, f"{TABLE}?_size=20&_search=%s", "word", in_flight=1),
    Endpoint(SEARCH_LOADED, f"{TABLE}?_size=20&_search=%s", "word"),
)


# -- servers --------------------------------------------------------------------------------


@dataclass(slots=True)
class Server:
    """A web server child on loopback: its base URL and process (with its workers, if any)."""

    base: str
    process: psutil.Process

    def cpu_seconds(self) -> dict[int, float]:
        """CPU seconds so far of each process that serves requests: the workers, or the
        server itself when it has none."""
        serving = self.process.children(recursive=True) or [self.process]
        seconds = {}
        for process in serving:
            try:
                times = process.cpu_times()
            except psutil.Error:  # a worker just ended
                continue
            seconds[process.pid] = times.user + times.system
        return seconds


@contextmanager
def serving(command: Sequence[str], env: dict[str, str], port: int, probe: str) -> Iterator[Server]:
    """Run ``command`` until the block ends, once ``probe`` answers."""
    child = subprocess.Popen(
        command, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                if httpx.get(f"{base}{probe}", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if child.poll() is not None:
                raise SystemExit(f"server exited: {child.stderr.read()}")  # type: ignore[union-attr]
            time.sleep(0.1)
        else:
            raise SystemExit(f"server did not answer {probe} within 60 s")
        yield Server(base, psutil.Process(child.pid))
    finally:
        child.send_signal(signal.SIGINT)
        try:
            child.wait(30)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def serves_workers() -> bool:
    """Whether ``viva-archive serve`` has ``--workers`` (added by issue 19)."""
    help_text = subprocess.run(
        [sys.executable, "-m", "viva_militer_archive.cli.main", "serve", "--help"],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
    ).stdout  # fmt: skip
    return "--workers" in help_text


def ours(url: str, port: int, workers: int) -> AbstractContextManager[Server]:
    command = [sys.executable, "-m", "viva_militer_archive.cli.main", "serve", "--port", str(port)]
    command += ["--database-url", url]
    if workers > 1:
        command += ["--workers", str(workers)]
    return serving(command, {}, port, "/api/ping")


def datasette(url: str, port: int, workers: int) -> AbstractContextManager[Server]:
    command = [sys.executable, "-m", "uvicorn", "--factory", "bench.datasette_app:create"]
    command += ["--port", str(port), "--workers", str(workers), "--no-access-log"]
    command += ["--log-level", "warning"]
    path = make_url(url).database or ""
    return serving(command, {"BENCH_DATASETTE_FILE": path}, port, "/-/versions.json")


# -- load -----------------------------------------------------------------------------------


@dataclass(slots=True)
class Measure:
    """One endpoint under load: requests served, their rate and latency (ms), failures, and
    the CPU seconds of each serving process meanwhile."""

    name: str
    requests: int
    rps: float
    p50: float
    p95: float
    failures: int
    cpu: list[float] = field(default_factory=list)

    @property
    def cpu_ms(self) -> float:
        """Server CPU milliseconds per request (all processes): what a request costs, whatever
        else the machine is doing."""
        return sum(self.cpu) * 1000 / self.requests if self.requests else float("inf")


WRK_SCRIPT = """
first, last, key_first = {first}, {last}, {key_first}
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


@dataclass(frozen=True, slots=True)
class Load:
    """How hard and how long to press each endpoint."""

    seconds: float
    warmup: float
    concurrency: int

    def in_flight(self, endpoint: Endpoint) -> int:
        return endpoint.in_flight or self.concurrency


def wrk_load(base: str, endpoint: Endpoint, span: Span, in_flight: int, seconds: float) -> Measure:
    """``wrk`` (C, two threads) keeping ``in_flight`` connections busy for ``seconds``."""
    script = WRK_SCRIPT.format(
        first=span.first, last=span.last, key_first=span.key_first, lua=endpoint.lua(),
        words=", ".join(f'"{word}"' for word in SEARCH_WORDS),
        paths=", ".join(f'"{path}"' for path in endpoint.revalidated),
        tags=", ".join(f"[[{tag}]]" for tag in endpoint.revalidated.values()),
    )  # fmt: skip
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as lua:
        lua.write(script)
        lua.flush()
        command = ["wrk", "-t", str(min(2, in_flight)), "-c", str(in_flight), "--timeout", "30s"]
        command += ["-s", lua.name, "-d", f"{max(1, round(seconds))}s", base]
        out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    requests, micros, p50, p95, failures = (int(v) for v in out.split("RESULT")[1].split())
    if requests == 0:  # nothing finished within the window: slower than the window itself
        return Measure(endpoint.name, 0, 0.0, float("inf"), float("inf"), failures)
    return Measure(
        endpoint.name, requests, requests / (micros / 1e6), p50 / 1e3, p95 / 1e3, failures
    )


async def client_load(
    base: str, endpoint: Endpoint, span: Span, in_flight: int, seconds: float
) -> Measure:
    """The same with an asyncio httpx client (when wrk is not installed): heavier, so it
    takes CPU from the server on a small machine."""
    latencies: list[float] = []
    failures = 0
    limits = httpx.Limits(max_connections=in_flight, max_keepalive_connections=in_flight)
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
                    response = await client.get(endpoint.path(span, rng))
                failures += response.status_code not in (200, 304)
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        seeds = [random.randrange(2**32) for _ in range(in_flight)]
        await asyncio.gather(*(worker(seed, started + seconds) for seed in seeds))
        wall = time.perf_counter() - started
    ordered = sorted(latencies)

    def ms(share: float) -> float:
        if not ordered:
            return float("inf")
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000

    return Measure(endpoint.name, len(ordered), len(ordered) / wall, ms(0.5), ms(0.95), failures)


def generate(base: str, endpoint: Endpoint, span: Span, in_flight: int, seconds: float) -> Measure:
    """Load from wrk, else from the httpx client."""
    if shutil.which("wrk"):
        return wrk_load(base, endpoint, span, in_flight, seconds)
    return asyncio.run(client_load(base, endpoint, span, in_flight, seconds))


def measure(server: Server, endpoint: Endpoint, span: Span, load: Load) -> Measure:
    """One endpoint under load after its warm-up, with each serving process's CPU seconds
    during the timed window."""
    in_flight = load.in_flight(endpoint)
    if load.warmup > 0:
        generate(server.base, endpoint, span, in_flight, load.warmup)
    before = server.cpu_seconds()
    result = generate(server.base, endpoint, span, in_flight, load.seconds)
    after = server.cpu_seconds()
    result.cpu = sorted((after[pid] - before.get(pid, 0.0) for pid in after), reverse=True)
    return result


def entity_tags(base: str, span: Span) -> dict[str, str]:
    """Random article pages and the ETag each was served with (what a revalidating browser
    or proxy holds)."""
    rng = random.Random(7)
    count = min(REVALIDATED, span.last - span.first + 1)
    paths = {f"/articles/{rng.randint(span.first, span.last)}" for _ in range(count)}
    with httpx.Client(base_url=base, timeout=30) as client:
        return {path: client.get(path).headers["etag"] for path in sorted(paths)}


def run_all(server: Server, endpoints: Sequence[Endpoint], span: Span, load: Load) -> list[Measure]:
    """Every endpoint in turn (the search alone before the search under load: a query still
    running on the server would otherwise be measured as the next one's latency)."""
    results = []
    for endpoint in endpoints:
        if endpoint.name.endswith("304"):
            endpoint = Endpoint(endpoint.name, endpoint.template, endpoint.draw,
                                revalidated=entity_tags(server.base, span))  # fmt: skip
        results.append(measure(server, endpoint, span, load))
    return results


# -- output ---------------------------------------------------------------------------------


def cpu_spread(cpu: Sequence[float]) -> str:
    """CPU seconds per serving process, busiest first."""
    return " / ".join(f"{seconds:.1f}" for seconds in cpu) or "-"


def print_detail(title: str, results: Sequence[Measure]) -> None:
    print(title)
    headers = ("endpoint", "requests", "req/s", "p50 ms", "p95 ms", "failed", "CPU ms/req",
               "CPU s/process")  # fmt: skip
    rows = [
        [m.name, m.requests, f"{m.rps:.0f}", f"{m.p50:.1f}", f"{m.p95:.1f}", m.failures,
         f"{m.cpu_ms:.2f}", cpu_spread(m.cpu)]
        for m in results
    ]  # fmt: skip
    bench_table(headers, rows)


def print_side_by_side(title: str, ours: Sequence[Measure], theirs: Sequence[Measure]) -> bool:
    """The endpoints both serve, ours beside Datasette's; whether ours is ahead on each."""
    print(title)
    by_name = {m.name: m for m in ours}
    rows, ahead = [], True
    for their in theirs:
        our = by_name[their.name]
        better = their.rps == 0 or our.rps / their.rps
        ahead = ahead and our.rps > their.rps and our.failures == 0
        rows.append(
            [their.name, f"{our.rps:.0f}", f"{our.p95:.1f}", f"{our.cpu_ms:.2f}",
             f"{their.rps:.0f}", f"{their.p95:.1f}", f"{their.cpu_ms:.2f}", their.failures,
             "all" if better is True else f"{better:.1f}x"]
        )  # fmt: skip
    headers = ("endpoint", "ours req/s", "p95 ms", "CPU ms/req", "Datasette req/s", "p95 ms",
               "CPU ms/req", "failed", "ours ×")  # fmt: skip
    bench_table(headers, rows)
    return ahead


# -- main -----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--backends", default="sqlite,postgresql", help="sqlite,postgresql")
    parser.add_argument("--workers", type=int, default=2, help="the second round (1: none)")
    parser.add_argument("--seconds", type=float, default=10.0, help="per endpoint")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds before each")
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight")
    parser.add_argument("--no-datasette", action="store_true", help="only our web reader")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--archive",
        metavar="URL",
        help="measure an archive this script filled before (same --articles; e.g. a copy of "
        "its file or schema) instead of filling a fresh one; --backends is then its backend",
    )
    args = parser.parse_args()
    span = Span(FIRST_ID, FIRST_ID + args.articles - 1)
    load = Load(args.seconds, args.warmup, args.concurrency)
    rounds = [1]
    if args.workers > 1:
        if serves_workers():
            rounds.append(args.workers)
        else:
            print("`viva-archive serve` has no --workers yet: one worker only\n")
    generator = "wrk" if shutil.which("wrk") else "an asyncio httpx client"
    print(
        f"{args.concurrency} requests in flight ({generator}), {args.seconds:.0f}s per endpoint "
        f"after {args.warmup:.0f}s, {os.cpu_count()} CPUs shared by servers and load\n"
    )
    searches: list[float] = []
    ahead = True
    for backend in args.backends.split(","):
        with archive(backend, args) as url:
            for workers in rounds:
                label = f"{backend}, {args.articles:,} articles, {workers} worker(s)"
                with ours(url, args.port, workers) as server:
                    mine = run_all(server, OURS, span, load)
                print_detail(f"web reader, {label}", mine)
                searches.append(next(m.p95 for m in mine if m.name == SEARCH_LOADED))
                if backend != "sqlite" or args.no_datasette:
                    continue
                with datasette(url, args.port, workers) as server:
                    theirs = run_all(server, DATASETTE, span, load)
                print_detail(f"Datasette, {label}", theirs)
                ahead &= print_side_by_side(f"side by side, {label}", mine, theirs)
    print(f"target search p95 <= {SEARCH_P95_MS} ms: {verdict(max(searches) <= SEARCH_P95_MS)}")
    if not args.no_datasette and "sqlite" in args.backends:
        print(f"target ahead of Datasette on every endpoint: {verdict(ahead)}")


if __name__ == "__main__":
    main()
