"""Security of every response: strict headers, bounded request lines, an optional access token.

A pure ASGI middleware (no per-request task or body buffering), so the ceiling of the server
stays the ceiling of the framework."""

from __future__ import annotations

import hmac
import json
from http.cookies import SimpleCookie

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
OPEN_PATHS = ("/static/",)
"""What needs no token: the style sheet carries nothing of the archive."""


def wants_json(path: str) -> bool:
    """Whether errors on ``path`` are answered in JSON (machine interfaces) rather than HTML."""
    return path.startswith(("/api/", "/healthz", "/metrics", "/feeds/", "/openapi"))


class SecurityMiddleware:
    """Adds the security headers to every response; refuses over-long request lines and, when a
    token is set, requests without it (``Authorization: Bearer``, the cookie, or ``?token=``
    which also sets the cookie so that a browser needs it once)."""

    def __init__(self, app: ASGIApp, token: str | None = None) -> None:
        self.app = app
        self.token = token or None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if len(path.encode()) > MAX_PATH_BYTES or len(scope["query_string"]) > MAX_QUERY_BYTES:
            await self.refuse(scope, send, 414, "request line too long")
            return
        set_cookie = False
        if self.token and not path.startswith(OPEN_PATHS):
            presented, set_cookie = self.presented_token(scope)
            if presented is None or not hmac.compare_digest(
                presented.encode(), self.token.encode()
            ):
                await self.refuse(scope, send, 401, "access token required")
                return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.extend(SECURITY_HEADERS)
                if set_cookie:
                    cookie = f"{TOKEN_COOKIE}={self.token}; Path=/; HttpOnly; SameSite=Strict"
                    headers.append((b"set-cookie", cookie.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)

    def presented_token(self, scope: Scope) -> tuple[str | None, bool]:
        """The token the request carries, and whether it came in the query (set the cookie)."""
        headers = Headers(scope=scope)
        scheme, _, credentials = headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and credentials:
            return credentials.strip(), False
        query = QueryParams(scope["query_string"]).get("token")
        if query:
            return query, True
        cookies = SimpleCookie()
        try:
            cookies.load(headers.get("cookie", ""))
        except Exception:  # a malformed Cookie header is simply no token
            return None, False
        morsel = cookies.get(TOKEN_COOKIE)
        return (morsel.value if morsel else None), False

    async def refuse(self, scope: Scope, send: Send, status: int, message: str) -> None:
        """Answer ``status`` with a one-line reason, JSON or plain text by path."""
        if wants_json(scope["path"]):
            body, kind = json.dumps({"error": message}).encode(), b"application/json"
        else:
            body, kind = f"{status}: {message}\n".encode(), b"text/plain; charset=utf-8"
        headers = [(b"content-type", kind), (b"content-length", str(len(body)).encode())]
        if status == 401:
            headers.append((b"www-authenticate", b"Bearer"))
        await send(
            {"type": "http.response.start", "status": status, "headers": headers + SECURITY_HEADERS}
        )
        await send({"type": "http.response.body", "body": body})
