"""Security of every response: strict headers, bounded request lines, trusted hosts only, an
optional access token; and ``HEAD`` wherever ``GET`` answers.

A pure ASGI middleware (no per-request task or body buffering), so the ceiling of the server
stays the ceiling of the framework."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from http.cookies import SimpleCookie
from urllib.parse import urlsplit

from starlette.datastructures import Headers, QueryParams
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
"""Only this server's own files: no inline script or style, no picture from elsewhere."""
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]
TOKEN_COOKIE = "viva_archive_token"
MAX_PATH_BYTES = 512
MAX_QUERY_BYTES = 2048
"""Longer request lines are refused (414) before any work is done."""
OPEN_PATHS = ("/static/", "/favicon.ico")
"""What needs no token: the style sheet and the icon carry nothing of the archive."""
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")
"""The ``Host`` names a reader on loopback answers to unless told of others: a page on some
other name that resolves to 127.0.0.1 (DNS rebinding) gets a 400, not the archive."""


def host_name(host_header: str) -> str:
    """The name in a ``Host`` header, lower case, without its port or IPv6 brackets."""
    host = host_header.strip().lower()
    if host.startswith("["):
        return host[1:].partition("]")[0]
    return host.rpartition(":")[0] if host.count(":") == 1 else host


def cookie_value(token: str) -> str:
    """What the cookie holds: a value derived from the token, never the token itself (a
    leaked cookie jar or a log of cookies does not give away what a Bearer header needs)."""
    return hmac.new(token.encode(), b"viva-archive web cookie", hashlib.sha256).hexdigest()


def wants_json(path: str) -> bool:
    """Whether errors on ``path`` are answered in JSON (machine interfaces) rather than HTML."""
    return path.startswith(("/api/", "/healthz", "/metrics", "/feeds/", "/openapi"))


class SecurityMiddleware:
    """Adds the security headers to every response; refuses over-long request lines, a ``Host``
    outside ``allowed_hosts`` (None: any) and, when a token is set, requests without it
    (``Authorization: Bearer``, the cookie, or ``?token=`` which also sets the cookie so that
    a browser needs it once). With ``base_url`` every link and redirect the application builds
    names that URL's scheme and host, whatever the request said. ``HEAD`` is answered as
    ``GET`` without the body."""

    def __init__(
        self,
        app: ASGIApp,
        token: str | None = None,
        allowed_hosts: Iterable[str] | None = None,
        base_url: str | None = None,
    ) -> None:
        self.app = app
        self.token = token or None
        self.cookie = cookie_value(self.token) if self.token else None
        self.base = urlsplit(base_url) if base_url else None
        hosts = set(allowed_hosts) if allowed_hosts is not None else None
        if hosts is not None and self.base is not None and self.base.hostname:
            hosts.add(self.base.hostname)
        self.allowed_hosts = None if hosts is None else {host_name(h) for h in hosts}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if len(path.encode()) > MAX_PATH_BYTES or len(scope["query_string"]) > MAX_QUERY_BYTES:
            await self.refuse(scope, send, 414, "request line too long")
            return
        if not self.host_allowed(scope):
            await self.refuse(scope, send, 400, "unknown host: see serve --allowed-host")
            return
        set_cookie = False
        if self.token and not path.startswith(OPEN_PATHS):
            presented, set_cookie = self.presented_token(scope)
            if not presented:
                await self.refuse(scope, send, 401, "access token required")
                return
        scope = self.as_configured(scope)
        head = scope["method"] == "HEAD"
        if head:
            scope = {**scope, "method": "GET"}
        secure = scope.get("scheme") == "https"
        started = False

        async def with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", []))
                if self.token:  # what a token guards is no shared cache's business
                    headers = [private(name, value) for name, value in headers]
                headers.extend(SECURITY_HEADERS)
                if set_cookie:
                    attributes = "; Secure" if secure else ""
                    cookie = f"{TOKEN_COOKIE}={self.cookie}; Path=/; HttpOnly; SameSite=Strict"
                    headers.append((b"set-cookie", (cookie + attributes).encode()))
                message["headers"] = headers
            elif head and message["type"] == "http.response.body":
                message = {**message, "body": b""}  # the length stays the GET's
            await send(message)

        try:
            await self.app(scope, receive, with_headers)
        except Exception:  # a bug: logged with its traceback by the server, answered as usual
            if not started:
                await self.refuse(scope, send, 500, "internal error; see the server log")
            raise

    def host_allowed(self, scope: Scope) -> bool:
        """Whether the request's ``Host`` is one this server answers to (no header: HTTP/1.0,
        the application falls back to the listening address)."""
        if self.allowed_hosts is None:
            return True
        host = Headers(scope=scope).get("host")
        return host is None or host_name(host) in self.allowed_hosts

    def as_configured(self, scope: Scope) -> Scope:
        """``scope`` with the configured base URL's scheme and host, when there is one."""
        if self.base is None:
            return scope
        headers = [(k, v) for k, v in scope["headers"] if k != b"host"]
        headers.append((b"host", self.base.netloc.encode()))
        return {**scope, "scheme": self.base.scheme, "headers": headers}

    def presented_token(self, scope: Scope) -> tuple[bool, bool]:
        """Whether the request carries the token (or the cookie derived from it), and whether it
        came in the query (then the cookie is set)."""
        assert self.token is not None and self.cookie is not None
        headers = Headers(scope=scope)
        scheme, _, credentials = headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and credentials:
            return same(credentials.strip(), self.token), False
        query = QueryParams(scope["query_string"]).get("token")
        if query:
            return same(query, self.token), True
        cookies = SimpleCookie()
        try:
            cookies.load(headers.get("cookie", ""))
        except Exception:  # a malformed Cookie header is simply no token
            return False, False
        morsel = cookies.get(TOKEN_COOKIE)
        return (morsel is not None and same(morsel.value, self.cookie)), False

    async def refuse(self, scope: Scope, send: Send, status: int, message: str) -> None:
        """Answer ``status`` with a one-line reason, JSON or plain text by path."""
        if wants_json(scope["path"]):
            body, kind = json.dumps({"error": message}).encode(), b"application/json"
        else:
            body, kind = f"{status}: {message}\n".encode(), b"text/plain; charset=utf-8"
        headers = [(b"content-type", kind), (b"content-length", str(len(body)).encode())]
        if scope["method"] == "HEAD":
            body = b""
        if status == 401:
            headers.append((b"www-authenticate", b"Bearer"))
        await send(
            {"type": "http.response.start", "status": status, "headers": headers + SECURITY_HEADERS}
        )
        await send({"type": "http.response.body", "body": body})


def same(presented: str, expected: str) -> bool:
    """Constant-time comparison of what was presented with what is expected."""
    return hmac.compare_digest(presented.encode(), expected.encode())


def private(name: bytes, value: bytes) -> tuple[bytes, bytes]:
    """A ``Cache-Control: public`` header turned ``private``; any other header as it is."""
    if name == b"cache-control":
        return name, value.replace(b"public", b"private")
    return name, value
