"""``viva-archive serve``: the read-only web reader over the archive (uvicorn on loopback)."""

from __future__ import annotations

import argparse
import ipaddress
import logging
import os
import re
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

from viva_militer_archive.cli.archive import missing_archive_file
from viva_militer_archive.cli.errors import CliError

TOKEN_ENV = "VIVA_ARCHIVE_TOKEN"
CANNOT_LISTEN = 4
"""Exit code when the address cannot be bound (a port in use): not 3, a crawl already running."""
MAX_WORKERS = 64
WILDCARD_HOSTS = ("0.0.0.0", "::")
_HOST_NAME = re.compile(r"[A-Za-z0-9.:\-\[\]_]{1,253}")
log = logging.getLogger("viva_archive.serve")


def port(value: str) -> int:
    """A TCP port, 1-65535 (argparse type)."""
    if not value.isdigit() or not 1 <= int(value) <= 65535:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port (1-65535)")
    return int(value)


def bind_host(value: str) -> str:
    """An address to bind; an empty one would bind every address unannounced (argparse type)."""
    if not value.strip():
        raise argparse.ArgumentTypeError("is empty (to bind every address, say 0.0.0.0 or ::)")
    return host_name(value.strip())


def host_name(value: str) -> str:
    """A host name or IP address, as a ``Host`` header names it (argparse type)."""
    if not _HOST_NAME.fullmatch(value):
        raise argparse.ArgumentTypeError(f"{value!r} is not a host name or address")
    return value.lower()


def base_url(value: str) -> str:
    """``http(s)://host[:port]``: how readers reach this server, e.g. behind a proxy."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise argparse.ArgumentTypeError(f"{value!r} is not an http(s)://host[:port] URL")
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        raise argparse.ArgumentTypeError(f"{value!r}: give only scheme, host and port")
    try:
        _ = parts.port
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} has a bad port") from None
    return f"{parts.scheme}://{parts.netloc.lower()}"


def workers(value: str) -> int:
    """Worker processes, 1 to :data:`MAX_WORKERS` (argparse type)."""
    if not value.isdigit() or not 1 <= int(value) <= MAX_WORKERS:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number from 1 to {MAX_WORKERS}")
    return int(value)


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``serve``."""
    parser = subparsers.add_parser(
        "serve",
        help="read the archive in a browser: pages, JSON API, Atom feeds, /healthz, /metrics",
        description="A read-only web application over the archive (it never writes; a "
        "read-only database role is enough). Bound to loopback unless --host says otherwise; "
        "answers only requests whose Host is a loopback name, the bound address, an "
        "--allowed-host or the --base-url's host.",
    )
    parser.add_argument(
        "--host", type=bind_host, default="127.0.0.1", help="address to bind (default 127.0.0.1)"
    )
    parser.add_argument("--port", type=port, default=8000, help="default 8000")
    parser.add_argument(
        "--database-url", default=argparse.SUPPRESS, metavar="URL", help="as the global option"
    )
    secret = parser.add_mutually_exclusive_group()
    secret.add_argument(
        "--token-file",
        type=Path,
        metavar="PATH",
        help=f"require the access token held in this file (Bearer header, or ?token= once in "
        f"a browser); default: ${TOKEN_ENV}",
    )
    secret.add_argument(
        "--token", help="the token itself (visible in the process list: prefer --token-file)"
    )
    parser.add_argument(
        "--allowed-host",
        action="append",
        type=host_name,
        default=[],
        metavar="NAME",
        help="also answer requests for this Host (repeatable; loopback names always)",
    )
    parser.add_argument(
        "--base-url",
        type=base_url,
        metavar="URL",
        help="how readers reach the server (e.g. https://archive.example): links, feeds and "
        "redirects use it, its host is allowed, and https marks the cookie Secure",
    )
    parser.add_argument(
        "--workers",
        type=workers,
        default=1,
        metavar="N",
        help="worker processes (default 1), each with its own database pool",
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


def access_token(args: argparse.Namespace) -> str | None:
    """The token from --token-file, --token (with a warning) or the environment."""
    if args.token_file is not None:
        try:
            token = args.token_file.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise CliError(f"--token-file {args.token_file}: cannot read it ({exc})", 2) from None
        if not token or "\n" in token:
            raise CliError(f"--token-file {args.token_file}: must hold one line, the token", 2)
        return token
    if args.token:
        log.warning("--token is visible to every user in the process list; use --token-file "
                    "or $%s instead", TOKEN_ENV)  # fmt: skip
        return str(args.token)
    return os.environ.get(TOKEN_ENV) or None


def allowed_hosts(args: argparse.Namespace) -> tuple[str, ...]:
    """The ``Host`` names to answer: loopback, the bound address unless a wildcard, the
    --allowed-host names (the --base-url's host is added by the application)."""
    from viva_militer_archive.web.security import LOOPBACK_HOSTS

    bound = () if args.host in WILDCARD_HOSTS else (args.host,)
    return tuple(dict.fromkeys([*LOOPBACK_HOSTS, *bound, *args.allowed_host]))


def crawl_base_url() -> str:
    """The base URL the crawler puts canonical article URLs on (``$VIVA_BASE_URL``)."""
    from crawler import site

    # settings: moves to viva_militer_archive/settings.py
    return os.environ.get("VIVA_BASE_URL") or site.DEFAULT_BASE_URL


def run(args: argparse.Namespace) -> int:
    from crawler.urls import article_id_of
    from viva_militer_archive.web.archive import (
        ArchiveNotReady,  # the web stack loads only for this command
    )
    from viva_militer_archive.web.serving import CannotListen, ServeOptions, serve

    missing = missing_archive_file(args.database_url)
    if missing is not None:
        raise missing
    token = access_token(args)
    if not is_loopback(args.host) and token is None:
        log.warning("Serving on %s without an access token (--token-file or $%s)",
                    args.host, TOKEN_ENV)  # fmt: skip
    options = ServeOptions(
        database_url=args.database_url,
        host=args.host,
        port=args.port,
        token=token,
        allowed_hosts=allowed_hosts(args),
        base_url=args.base_url,
        access_log=args.access_log,
        workers=args.workers,
        article_of_url=partial(article_id_of, base_url=crawl_base_url()),
    )
    try:
        code = serve(options)
    except ArchiveNotReady as exc:
        raise CliError(str(exc)) from None
    except CannotListen as exc:
        raise CliError(str(exc), CANNOT_LISTEN) from None
    if code:
        raise CliError("the web reader could not start (see above)")
    return 0
