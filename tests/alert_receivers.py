"""Real receivers on loopback for the alert tests: an HTTP server that checks each webhook's
signature (and can fail the first attempts), and an SMTP server (aiosmtpd)."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

SECRET = "s3cret-webhook-key-for-tests"


def valid_signature(secret: str, headers: Any, body: bytes) -> bool:
    """The receiver's check, as docs/alerts.md shows it."""
    timestamp = headers["X-Viva-Archive-Timestamp"]
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return hmac.compare_digest(
        "sha256=" + expected.hexdigest(), headers.get("X-Viva-Archive-Signature", "")
    )


@dataclass
class Webhooks:
    """What the HTTP receiver saw: every request, and the accepted (2xx) events in order."""

    secret: str = SECRET
    fail_first: int = 0
    """Answer ``fail_status`` to this many requests of each event id first."""
    fail_status: int = 500
    always: int | None = None
    """Answer this status to everything."""
    attempts: dict[str, int] = field(default_factory=dict)
    accepted: list[dict[str, Any]] = field(default_factory=list)
    bad_signatures: int = 0
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    url: str = ""

    def answer(self, headers: Any, body: bytes) -> int:
        self.requests.append((dict(headers), body))
        if not valid_signature(self.secret, headers, body):
            self.bad_signatures += 1
            return 401
        payload = json.loads(body)
        event_id = headers["X-Viva-Archive-Event-Id"]
        assert payload["event_id"] == event_id
        seen = self.attempts[event_id] = self.attempts.get(event_id, 0) + 1
        if self.always is not None:
            return self.always
        if seen <= self.fail_first:
            return self.fail_status
        self.accepted.append(payload)
        return 204

    def accepted_ids(self) -> list[str]:
        return [payload["event_id"] for payload in self.accepted]


@contextmanager
def webhook_receiver(**options: Any) -> Iterator[Webhooks]:
    """A threaded HTTP server on 127.0.0.1 answering ``POST /hook``."""
    hooks = Webhooks(**options)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(hooks.answer(self.headers, body))
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    hooks.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield hooks
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Mailbox:
    messages: list[Message] = field(default_factory=list)
    port: int = 0

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        self.messages.append(message_from_bytes(envelope.original_content or b""))
        return "250 OK"


@contextmanager
def smtp_server(user: str = "archivist", password: str = "p4ss-w0rd-smtp") -> Iterator[Mailbox]:
    """aiosmtpd on 127.0.0.1 requiring ``LOGIN`` as ``user``/``password`` (no TLS: loopback)."""
    box = Mailbox()

    def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            user.encode(),
            password.encode(),
        )
        return AuthResult(success=ok)

    with socket.socket() as probe:  # a free port (aiosmtpd cannot start on port 0)
        probe.bind(("127.0.0.1", 0))
        box.port = probe.getsockname()[1]
    controller = Controller(
        box,
        hostname="127.0.0.1",
        port=box.port,
        authenticator=authenticate,
        auth_require_tls=False,
        auth_required=True,
    )
    controller.start()
    try:
        yield box
    finally:
        controller.stop()
