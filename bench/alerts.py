"""Benchmark: does following words slow a crawl? A backfill of the fixture site with no watch;
with 10 watches (every article matches several, so each batch writes events); and with the 10
watches while ``viva-archive alerts deliver`` runs every ``--deliver-every`` seconds beside it
(the daemon: every minute and after each crawl) against a slow webhook receiver (each request
answered after ``--receiver-delay`` seconds). Prints the crawl's seconds (Scrapy's
elapsed time) of each repeat, the medians, the events written and delivered during the crawl.
Run: ``python -m bench.alerts [--articles 400] [--repeat 3] [--backend sqlite]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from bench.common import backfill_since, crawl, database, fixture_articles, fixture_site, report
from storage.deliveries import DeliveryQueue
from storage.migrate import upgrade
from storage.watches import WatchSpec, WatchStore

QUERIES = ("TNI", "kapal perang", "Kopassus", "latihan gabungan", "menggelar", "pengamat",
           "Natuna", "senjata", "sorotan", "pemerintah memantau")  # fmt: skip
"""Ten watches; the generated articles match most of them (a worst case for the writes)."""


@contextmanager
def slow_receiver(delay: float) -> Iterator[str]:
    """A webhook receiver on loopback that takes ``delay`` seconds to answer 204."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            time.sleep(delay)
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def delivering(url: str, every: float) -> Iterator[None]:
    """``viva-archive alerts deliver`` in a loop (as the daemon's every-minute job, faster)."""
    stop = threading.Event()
    env = {**os.environ, "DATABASE_URL": url, "VIVA_WEBHOOK_SECRET": "bench-secret"}
    command = [sys.executable, "-m", "viva_militer_archive.cli.main", "alerts", "deliver"]

    running: list[subprocess.Popen[bytes]] = []

    def loop() -> None:
        while not stop.is_set():
            child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
            running[:] = [child]
            child.wait()
            stop.wait(every)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        for child in running:  # the crawl is over: a delivery still at work is not measured
            child.terminate()
        thread.join()


def one_crawl(
    site_url: str, backend: str, since: str, hook: str | None, deliver_every: float | None
) -> tuple[float, int, int]:
    """Seconds of one backfill into a fresh archive (with watches when ``hook``, delivering
    meanwhile when ``deliver_every``); events written and delivered during the crawl."""
    with database(backend) as url:
        upgrade(url)
        if hook is None:
            return crawl(site_url, url, "mode=backfill", since).check().seconds, 0, 0
        store = WatchStore(url)
        for n, query in enumerate(QUERIES):
            store.add(WatchSpec(f"w{n}", query=query, destinations=(f"webhook:{hook}",)))
        if deliver_every is None:
            seconds = crawl(site_url, url, "mode=backfill", since).check().seconds
        else:
            with delivering(url, deliver_every):
                seconds = crawl(site_url, url, "mode=backfill", since).check().seconds
        counts = DeliveryQueue(url).counts()
        return seconds, sum(counts.values()), counts["sent"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=400)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--backend", default="sqlite", help="sqlite or postgresql")
    parser.add_argument("--receiver-delay", type=float, default=1.0, help="seconds per request")
    parser.add_argument("--deliver-every", type=float, default=5.0, help="seconds between runs")
    args = parser.parse_args()
    since = f"since={backfill_since(args.articles)}"
    kinds = {"no watch": (False, None), "10 watches": (True, None),
             "10 watches + slow receiver": (True, args.deliver_every)}  # fmt: skip
    seconds: dict[str, list[float]] = {kind: [] for kind in kinds}
    figures: dict[str, tuple[int, int]] = {}
    with (
        fixture_site(fixture_articles(args.articles)) as site,
        slow_receiver(args.receiver_delay) as hook,
    ):
        for _ in range(args.repeat):  # interleaved, so drift of the machine hits all alike
            for kind, (watches, every) in kinds.items():
                took, *counts = one_crawl(
                    site.base_url, args.backend, since, hook if watches else None, every
                )
                seconds[kind].append(took)
                figures[kind] = (counts[0], counts[1])
    base = statistics.median(seconds["no watch"])
    spread = max(seconds["no watch"]) - min(seconds["no watch"])
    allowed = max(0.10 * base, spread, 0.5)
    rows = [
        [kind, *(f"{s:.2f}" for s in runs), f"{statistics.median(runs):.2f}", *figures[kind]]
        for kind, runs in seconds.items()
    ]
    worst = max(statistics.median(runs) for runs in seconds.values())
    report(
        f"backfill of {args.articles} articles ({args.backend}), receiver answering after "
        f"{args.receiver_delay:g}s, alerts deliver every {args.deliver_every:g}s",
        ["crawl", *(f"run {n + 1} s" for n in range(args.repeat)), "median s", "events",
         "delivered"],
        rows,
        f"every median within the noise of no watch (<= {base:.2f} + {allowed:.2f} s: 10%, "
        "the spread of the runs without, or 0.5 s)",
        worst <= base + allowed,
    )  # fmt: skip


if __name__ == "__main__":
    main()
