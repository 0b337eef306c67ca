"""``python -m sample_site [--redesign KIND] [--port N]``: serve the sample site on loopback
until interrupted, today's markup or a redesign (see :mod:`sample_site.site_change`), so a
developer can point a crawl (``VIVA_BASE_URL``), a browser or curl at a site that changed."""

from __future__ import annotations

import argparse
import contextlib
import threading
from datetime import datetime

from crawler.dates import WIB
from sample_site.catalog import sample_articles
from sample_site.server import SampleSite
from sample_site.site_change import REDESIGN_NEWS, REDESIGNS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sample_site", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--redesign", choices=REDESIGNS, help="serve the site changed")
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    args = parser.parse_args(argv)
    now = datetime.now(WIB).replace(microsecond=0)
    site = SampleSite(
        sample_articles(now), today=now.date(), redesign=args.redesign, port=args.port
    )
    with site:
        print(site.base_url, flush=True)
        if args.redesign:
            print(REDESIGN_NEWS[args.redesign], flush=True)
        with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C: stop serving
            threading.Event().wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
