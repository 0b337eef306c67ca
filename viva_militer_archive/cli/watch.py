"""``viva-archive watch add|list|remove|test``: what the archive tells people about."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from storage.models import WATCH_EVENTS
from storage.watches import WatchError, WatchSpec, WatchStore, record_test_event, watch_record
from viva_militer_archive.alerts.delivery import Deliverer, DeliverySettings
from viva_militer_archive.cli.archive import open_archive
from viva_militer_archive.cli.errors import CliError
from viva_militer_archive.cli.output import print_json, print_table


def events_list(value: str) -> tuple[str, ...]:
    """``new,changed`` -> ("new", "changed"), each checked."""
    events = tuple(part.strip() for part in value.split(",") if part.strip())
    unknown = [event for event in events if event not in WATCH_EVENTS]
    if unknown or not events:
        raise argparse.ArgumentTypeError(
            f"events are a comma-separated list of {', '.join(WATCH_EVENTS)}"
        )
    return events


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``watch`` and its subcommands."""
    parser = subparsers.add_parser("watch", help="follow a word or filter: add, list, remove, test")
    commands = parser.add_subparsers(dest="watch_command", required=True, metavar="SUBCOMMAND")
    add = commands.add_parser("add", help="add a watch (see docs/alerts.md)")
    add.add_argument("name", help="letters, digits, - and _")
    add.add_argument("--query", metavar="TEXT", help="words to find, as search finds them")
    add.add_argument("--subchannel", metavar="S")
    add.add_argument("--tag", metavar="T", help="exact tag, any case")
    add.add_argument("--author", metavar="A", help="exact author, any case")
    add.add_argument(
        "--events", type=events_list, default=WATCH_EVENTS, metavar="LIST",
        help="which of new,changed,gone (default: all)",
    )  # fmt: skip
    add.add_argument("--health", action="store_true", help="the daemon's health warnings instead")
    add.add_argument("--webhook", action="append", default=[], metavar="URL", help="repeatable")
    add.add_argument("--email", action="append", default=[], metavar="ADDRESS", help="repeatable")
    add.set_defaults(handler=run_add)
    listing = commands.add_parser("list", help="the watches")
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    listing.set_defaults(handler=run_list)
    remove = commands.add_parser("remove", help="delete a watch and its events")
    remove.add_argument("name")
    remove.set_defaults(handler=run_remove)
    test = commands.add_parser("test", help="send one sample event to each destination")
    test.add_argument("name")
    test.set_defaults(handler=run_test)


def _store(args: argparse.Namespace) -> WatchStore:
    return WatchStore(open_archive(args.database_url))


def run_add(args: argparse.Namespace) -> int:
    for url in args.webhook:
        if not url.startswith(("http://", "https://")):
            raise CliError(f"--webhook {url!r} is not an http(s) URL", 2)
    for address in args.email:
        if "@" not in address or any(c.isspace() for c in address):
            raise CliError(f"--email {address!r} is not an email address", 2)
    spec = WatchSpec(
        args.name,
        query=args.query,
        subchannel=args.subchannel,
        tag=args.tag,
        author=args.author,
        events=args.events,
        destinations=(*(f"webhook:{u}" for u in args.webhook), *(f"email:{a}" for a in args.email)),
        health=args.health,
    )
    try:
        watch = _store(args).add(spec)
    except WatchError as exc:
        raise CliError(str(exc), 2) from None
    print(f"watch {watch.name!r} added: {', '.join(watch.events)} -> "
          f"{', '.join(watch.destinations)}")  # fmt: skip
    return 0


def run_list(args: argparse.Namespace) -> int:
    records = [watch_record(watch) for watch in _store(args).all()]
    if args.json:
        print_json(records)
        return 0
    if not records:
        print("no watches yet (add one: viva-archive watch add NAME --query TEXT --webhook URL)")
        return 0
    rows = [
        (
            r["name"],
            r["query"] or "",
            " ".join(f"{key}={r[key]}" for key in ("subchannel", "tag", "author") if r[key]),
            ",".join(r["events"]),
            " ".join(r["destinations"]),
        )
        for r in records
    ]
    print_table(("name", "query", "filters", "events", "destinations"), rows, labels=5)
    return 0


def run_remove(args: argparse.Namespace) -> int:
    try:
        _store(args).remove(args.name)
    except WatchError as exc:
        raise CliError(str(exc)) from None
    print(f"watch {args.name!r} removed")
    return 0


def run_test(args: argparse.Namespace) -> int:
    """Record one ``test`` event and deliver it now; what each destination answered."""
    store = _store(args)
    try:
        event_id = record_test_event(store, args.name, datetime.now(UTC))
    except WatchError as exc:
        raise CliError(str(exc)) from None
    report = Deliverer(args.database_url, settings_or_fail()).run(event_id=event_id)
    print(f"test event {event_id}: {report.line()}")
    for destination in store.get(args.name).destinations:
        error = report.errors.get(destination)
        print(f"  {destination}: {'failed: ' + error if error else 'sent'}")
    return 0 if not report.errors else 1


def settings_or_fail() -> DeliverySettings:
    """The delivery settings of the environment; a bad value is a one-line error."""
    try:
        return DeliverySettings.from_env()
    except ValueError as exc:
        raise CliError(str(exc), 2) from None
