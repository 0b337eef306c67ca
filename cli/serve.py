"""``viva-archive serve``: the read-only web reader over the archive (uvicorn on loopback)."""

from __future__ import annotations

import argparse
import ipaddress
import logging
import os

from cli.archive import missing_archive_file
from cli.errors import CliError

TOKEN_ENV = "VIVA_ARCHIVE_TOKEN"
log = logging.getLogger("viva_archive.serve")


def port(value: str) -> int:
    """A TCP port, 1-65535 (argparse type)."""
    if not value.isdigit() or not 1 <= int(value) <= 65535:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port (1-65535)")
    return int(value)


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``serve``."""
    parser = subparsers.add_parser(
        "serve",
        help="read the archive in a browser: pages, JSON API, Atom feeds, /healthz, /metrics",
        description="A read-only web application over the archive (it never writes; a "
        "read-only database role is enough). Bound to loopback unless --host says otherwise.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=port, default=8000, help="default 8000")
    parser.add_argument(
        "--database-url", default=argparse.SUPPRESS, metavar="URL", help="as the global option"
    )
    parser.add_argument(
        "--token",
        help=f"require this access token (Bearer header, or ?token= once in a browser); "
        f"default: ${TOKEN_ENV}",
    )
    parser.add_argument(
        "--access-log", action="store_true", help="log every request (off: readers stay private)"
    )
    parser.set_defaults(handler=run)


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def run(args: argparse.Namespace) -> int:
    import uvicorn  # the web stack loads only for this command

    from web.app import create_app
    from web.archive import ArchiveNotReady

    token = args.token or os.environ.get(TOKEN_ENV) or None
    missing = missing_archive_file(args.database_url)
    if missing is not None:
        raise missing
    try:
        app = create_app(args.database_url, token=token)
    except ArchiveNotReady as exc:
        raise CliError(str(exc)) from None
    if not is_loopback(args.host) and token is None:
        log.warning("Serving on %s without an access token (--token or $%s)", args.host, TOKEN_ENV)
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        access_log=args.access_log,
        server_header=False,
        log_level="info",
    )
    return 0
