"""Benchmark: WARC bytes of a simulated year of daily re-checks of unchanged pages.

Each article's ``?page=all`` page (the fixture site's HTML, headers as a crawl sends and
receives them; with ``--pad-kib`` grown by that many KiB of site-like boilerplate, since the
fixture pages are far smaller than the real site's) is captured once; then every day for
``--days`` days it is fetched again, unchanged. Written without revisit records (a full response
each time, as before) and with them (a ``revisit`` of the first capture, identical payload
digest); printed per page size: bytes of the re-checks both ways and their ratio.
Run: ``python -m bench.warc_growth [--articles N] [--days D] [--pad-kib K ...]``; offline.
"""

from __future__ import annotations

import argparse
import random
import tempfile
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from crawler.arguments import today_wib
from crawler.settings import DEFAULT_REQUEST_HEADERS, USER_AGENT
from crawler.urls import article_page_url
from crawler.warc.writer import Exchange, RollingWarcWriter
from viva_militer_archive.cli.output import print_table
from viva_militer_archive.sample_site.catalog import generated_articles
from viva_militer_archive.sample_site.render import render_article_pages

RESPONSE_HEADERS = [
    ("Content-Type", "text/html; charset=UTF-8"),
    ("Cache-Control", "max-age=60, public"),
    ("Server", "nginx"),
    ("Vary", "Accept-Encoding"),
    ("X-Frame-Options", "SAMEORIGIN"),
]


def boilerplate(kib: int, seed: int) -> str:
    """About ``kib`` KiB of script and menu text built from the site's words (compresses about
    as HTML does), to bring a fixture page to a real page's size."""
    if kib <= 0:
        return ""
    chance = random.Random(seed)
    words = ("berita", "militer", "tni", "prajurit", "kapal", "perang", "jakarta", "pertahanan")
    parts: list[str] = []
    size = 0
    while size < kib * 1024:
        part = f'"{chance.choice(words)}{chance.randrange(10**6)}":"{chance.choice(words)}",'
        parts.append(part)
        size += len(part)
    return "<script>window.__STATE__={" + "".join(parts) + "}</script>"


def first_fetches(count: int, pad_kib: int) -> list[Exchange]:
    """One fetch of each of ``count`` fixture articles' ``?page=all`` page."""
    fetches = []
    for spec in generated_articles(count, today_wib()):
        url = article_page_url(spec.canonical, "all")
        html = render_article_pages(spec)["all"]
        html = html.replace("</body>", boilerplate(pad_kib, spec.article_id) + "</body>")
        body = html.encode()
        headers = [("User-Agent", USER_AGENT), *DEFAULT_REQUEST_HEADERS.items()]
        fetches.append(
            Exchange(
                url=url,
                method="GET",
                request_headers=headers,
                status=200,
                reason="OK",
                protocol="HTTP/1.1",
                response_headers=[*RESPONSE_HEADERS, ("Content-Length", str(len(body)))],
                body=body,
                fetched_at=spec.published_at,
                ip_address="127.0.0.1",
            )
        )
    return fetches


def recheck_bytes(fetches: list[Exchange], days: int, folder: Path, *, revisits: bool) -> int:
    """Bytes of the WARC files the re-checks of ``days`` days write (whole files: warcinfo,
    response or revisit, request records), one run a day as the scheduler's re-check job; the
    first capture not counted."""
    first = RollingWarcWriter(folder / "first", label="run0")
    originals = [first.write(fetch) for fetch in fetches]
    first.close()
    total = 0
    for day in range(1, days + 1):
        writer = RollingWarcWriter(folder, label=f"run{day}")
        for fetch, original in zip(fetches, originals, strict=True):
            again = replace(fetch, fetched_at=fetch.fetched_at + timedelta(days=day))
            writer.write(again, previous=original if revisits else None)
        writer.close()
        total += sum((folder / name).stat().st_size for name in writer.files)
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10, help="pages re-checked daily")
    parser.add_argument("--days", type=int, default=365, help="days of daily re-checks")
    parser.add_argument(
        "--pad-kib",
        type=int,
        action="append",
        help="boilerplate KiB added to each page (repeatable; default: 0 and 100)",
    )
    args = parser.parse_args()
    checks = args.articles * args.days
    print(f"{args.articles} unchanged pages re-checked daily for {args.days} days: {checks}")
    rows = []
    for pad in args.pad_kib or [0, 100]:
        fetches = first_fetches(args.articles, pad)
        with tempfile.TemporaryDirectory(prefix="warc-growth-") as temporary:
            before = recheck_bytes(fetches, args.days, Path(temporary, "full"), revisits=False)
            after = recheck_bytes(fetches, args.days, Path(temporary, "revisit"), revisits=True)
        page = sum(len(f.body) for f in fetches) / len(fetches) / 1024
        rows.append(
            (f"{page:.1f}", before, after, round(before / checks), round(after / checks),
             f"{after / before:.3f}")
        )  # fmt: skip
    print_table(
        ("page KiB", "bytes before", "bytes after", "per check before", "per check after",
         "after/before"),
        rows,
    )  # fmt: skip
    print("target: after/before at most 0.1")


if __name__ == "__main__":
    main()
