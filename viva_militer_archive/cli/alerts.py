"""``viva-archive alerts [deliver]``: the recent deliveries, or send what is due."""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict
from datetime import UTC, datetime

from storage.clock import display_time
from storage.deliveries import DeliveryQueue
from viva_militer_archive.alerts.delivery import RUN_BUDGET, Deliverer
from viva_militer_archive.alerts.health import announce_health
from viva_militer_archive.cli.archive import open_archive
from viva_militer_archive.cli.arguments import positive
from viva_militer_archive.cli.output import print_json, print_table
from viva_militer_archive.cli.watch import settings_or_fail
from viva_militer_archive.scheduling.options import ScheduleError


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``alerts`` and ``alerts deliver``."""
    parser = subparsers.add_parser("alerts", help="recent alert deliveries; `alerts deliver`")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--failed", action="store_true", help="only deliveries that failed")
    parser.add_argument("--limit", type=positive, default=50, metavar="N", help="default 50")
    parser.set_defaults(handler=run_list)
    commands = parser.add_subparsers(dest="alerts_command", metavar="SUBCOMMAND")
    deliver = commands.add_parser("deliver", help="send every due event once (the daemon does)")
    deliver.add_argument(
        "--max-seconds", type=positive, default=int(RUN_BUDGET), metavar="N",
        help=f"leave what is still due after N seconds to the next run (default {RUN_BUDGET:g})",
    )  # fmt: skip
    deliver.set_defaults(handler=run_deliver)


def run_list(args: argparse.Namespace) -> int:
    queue = DeliveryQueue(open_archive(args.database_url))
    rows = queue.recent(limit=args.limit, status="failed" if args.failed else None)
    if args.json:
        print_json([asdict(row) for row in rows])
        return 0
    if not rows:
        print("no failed deliveries" if args.failed else "no deliveries yet")
        return 0
    table = [
        (
            display_time(r.event_at),
            r.watch,
            r.kind,
            r.article_id or "",
            r.destination,
            r.status,
            r.attempts,
            r.last_error or "",
        )
        for r in rows
    ]
    headers = ("event", "watch", "kind", "article", "destination", "status", "tries", "error")
    print_table(headers, table, labels=6)
    return 0


def run_deliver(args: argparse.Namespace) -> int:
    """Announce health changes to health watches, then send what is due; exit 0 even when some
    destination failed (its deliveries wait for the next run), as the daemon runs it. Silent
    when nothing was due."""
    url = open_archive(args.database_url)
    settings = settings_or_fail()
    try:
        announce_health(url, datetime.now(UTC), args.environment)
    except ScheduleError as exc:
        print(f"viva-archive: warning: health not checked: {exc}", file=sys.stderr)
    report = Deliverer(url, settings).run(budget=args.max_seconds)
    if report.sent + report.retrying + report.failed + report.deferred == 0:
        return 0  # nothing was due: no line every minute in the daemon's log
    print(f"alerts: {report.line()}")
    for destination, error in sorted(report.errors.items()):
        print(f"  {destination}: {error}")
    return 0
