"""The web reader under uvicorn: what ``viva-archive serve`` runs.

The listening socket is bound here first, so a port in use is one line of our own; every
connection must send its request headers within :data:`HEADER_TIMEOUT`; descriptor exhaustion
is logged once in a while, not once per refused accept; the access log masks ``?token=``; and
with several workers each accepts on a socket of its own in one ``SO_REUSEPORT`` group, so
that the kernel spreads connections instead of letting whichever worker wakes first take them
all (uvicorn's own process manager starts, watches and stops the workers)."""

from __future__ import annotations

import asyncio
import copy
import logging
import math
import socket
import time
from dataclasses import dataclass
from functools import partial
from typing import Any

import h11
import uvicorn
from uvicorn.config import LOGGING_CONFIG, STARTUP_FAILURE
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.supervisors.multiprocess import Multiprocess

from storage.config import mask_secrets
from viva_militer_archive.web.app import create_app
from viva_militer_archive.web.memento import ArticleOfUrl

log = logging.getLogger("viva_archive.serve")

HEADER_TIMEOUT = 5.0
"""Seconds a connection has to send a request's headers (slowloris connections are closed)."""
KEEP_ALIVE = 5
"""Seconds an idle kept-alive connection stays open (uvicorn's ``timeout_keep_alive``)."""
QUIET_INTERVAL = 10.0
"""At most one log line per this many seconds while descriptors are exhausted."""
ACCEPT_EXHAUSTED = "socket.accept() out of system resource"
"""asyncio's message when ``accept()`` fails with EMFILE/ENFILE/ENOBUFS/ENOMEM."""
REUSE_PORT = hasattr(socket, "SO_REUSEPORT")


class CannotListen(Exception):
    """The address cannot be bound (in use, not an address of this machine); one line."""


@dataclass(frozen=True)
class ServeOptions:
    """Everything ``serve`` was told."""

    database_url: str
    host: str
    port: int
    token: str | None = None
    allowed_hosts: tuple[str, ...] = ()
    base_url: str | None = None
    access_log: bool = False
    workers: int = 1
    article_of_url: ArticleOfUrl | None = None
    """The crawler's URL rules, for the Memento routes (:mod:`viva_militer_archive.web.memento`)."""


def listening_socket(host: str, port: int, *, shared: bool) -> socket.socket:
    """A TCP socket bound to ``host:port``, in an ``SO_REUSEPORT`` group when ``shared`` (its
    workers then bind their own sockets to the same address). Raises :class:`CannotListen`."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets that say they are TCP, and
    # without it every small answer waits ~40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if shared:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        where = f"[{host}]:{port}" if family == socket.AF_INET6 else f"{host}:{port}"
        raise CannotListen(f"cannot listen on {where}: {exc.strerror or exc}") from None
    return sock


def shares_port(sock: socket.socket) -> bool:
    return REUSE_PORT and sock.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT) == 1


def own_socket(shared: socket.socket) -> socket.socket:
    """A socket of this worker's own on ``shared``'s address, in its ``SO_REUSEPORT`` group."""
    sock = socket.socket(shared.family, shared.type, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(shared.getsockname())
    return sock


class ServingLoop(asyncio.SelectorEventLoop):
    """asyncio's loop, listening on a socket of its own where the given one is shared."""

    async def create_server(  # type: ignore[override]
        self, *args: Any, sock: socket.socket | None = None, **kwargs: Any
    ) -> asyncio.Server:
        if sock is not None and shares_port(sock):
            inherited, sock = sock, own_socket(sock)
            inherited.close()
        return await super().create_server(*args, sock=sock, **kwargs)


class QuietAcceptErrors:
    """Loop exception handler: asyncio logs a failed ``accept()`` once per pending connection
    (up to the backlog, every retry) with a traceback, and schedules one retry for each, which
    fail with another traceback if the server has stopped meanwhile. This logs one line per
    :data:`QUIET_INTERVAL`, with how many it left out, and drops the retries' failures.
    Anything else goes to the default handler."""

    def __init__(self) -> None:
        self.last = -math.inf
        self.left_out = 0

    def __call__(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        message = str(context.get("message", ""))
        if "._start_serving(" in message:
            return  # a retry of accept() due after the socket was closed (shutting down)
        if message != ACCEPT_EXHAUSTED:
            loop.default_exception_handler(context)
            return
        now = time.monotonic()
        if now - self.last < QUIET_INTERVAL:
            self.left_out += 1
            return
        reason = context.get("exception")
        more = f" ({self.left_out} more since the last report)" if self.left_out else ""
        log.error("Cannot accept connections: %s%s", reason, more)
        self.last, self.left_out = now, 0


def serving_loop() -> asyncio.AbstractEventLoop:
    """The event loop factory given to uvicorn (``Config(loop=...)``)."""
    loop = ServingLoop()
    loop.set_exception_handler(QuietAcceptErrors())
    return loop


class BoundedHeaders(H11Protocol):
    """uvicorn's HTTP/1.1 protocol, closing a connection whose request headers have not all
    arrived :data:`HEADER_TIMEOUT` seconds after its first byte (or after it opened)."""

    header_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._await_headers()

    def data_received(self, data: bytes) -> None:
        if self.header_deadline is None and self.conn.their_state is h11.IDLE:
            self._await_headers()  # the first bytes of a next request on a kept-alive connection
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:
            self._headers_arrived()

    def connection_lost(self, exc: Exception | None) -> None:
        self._headers_arrived()
        super().connection_lost(exc)

    def _await_headers(self) -> None:
        self.header_deadline = self.loop.call_later(HEADER_TIMEOUT, self._too_slow)

    def _headers_arrived(self) -> None:
        if self.header_deadline is not None:
            self.header_deadline.cancel()
            self.header_deadline = None

    def _too_slow(self) -> None:
        self.header_deadline = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.close()


class MaskSecrets(logging.Filter):
    """Masks ``token=`` (and any password-like parameter) in the access log's request line."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                mask_secrets(arg) if isinstance(arg, str) else arg for arg in record.args
            )
        return True


def logging_config() -> dict[str, Any]:
    """uvicorn's logging configuration with :class:`MaskSecrets` on the access log."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {"mask_secrets": {"()": f"{__name__}.MaskSecrets"}}
    config["handlers"]["access"]["filters"] = ["mask_secrets"]
    return config


def serve(options: ServeOptions) -> int:
    """Check the archive, bind, then serve until interrupted; returns uvicorn's exit status.
    Raises :class:`viva_militer_archive.web.archive.ArchiveNotReady` or :class:`CannotListen`
    before serving."""
    factory = partial(
        create_app,
        options.database_url,
        token=options.token,
        allowed_hosts=options.allowed_hosts,
        base_url=options.base_url,
        article_of_url=options.article_of_url,
    )
    app = factory()  # refuses an archive it cannot serve, here, as one line
    workers = options.workers
    sock = listening_socket(options.host, options.port, shared=workers > 1 and REUSE_PORT)
    config = uvicorn.Config(
        app if workers == 1 else factory,  # each worker builds its own application
        factory=workers > 1,
        host=options.host,
        port=options.port,
        workers=workers,
        loop=f"{__name__}:serving_loop",
        http=BoundedHeaders,
        timeout_keep_alive=KEEP_ALIVE,
        access_log=options.access_log,
        log_config=logging_config(),
        server_header=False,
        log_level="info",
    )
    shown = f"[{options.host}]" if ":" in options.host else options.host
    log.info("Serving the archive on http://%s:%d (%d worker%s; Ctrl-C stops)",
             shown, options.port, workers, "s" if workers > 1 else "")  # fmt: skip
    try:
        if workers > 1:
            Multiprocess(config, sockets=[sock]).run()
        else:
            uvicorn.Server(config).run(sockets=[sock])
    except KeyboardInterrupt:  # Ctrl-C (uvicorn re-raises the signal once shut down)
        pass
    except SystemExit as exc:  # uvicorn's way to report a failed start
        return STARTUP_FAILURE if exc.code == STARTUP_FAILURE else int(exc.code or 0)
    finally:
        sock.close()
    return 0
