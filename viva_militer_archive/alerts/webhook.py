"""Webhooks: one event per ``POST``, signed like Stripe's: ``X-Viva-Archive-Signature:
sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>`` with the timestamp sent beside it,
so a receiver can refuse a forged or replayed request."""

from __future__ import annotations

import hashlib
import hmac
import urllib.error
import urllib.request
from dataclasses import dataclass

from viva_militer_archive.settings import from_environment

USER_AGENT = "viva-militer-archive alerts"
TIMEOUT = 10.0
"""Seconds a receiver has to answer."""
RETRIED_4XX = (408, 429)
"""Client errors worth another try (timeout, rate limit); other 4xx are final."""


def webhook_secret_from_env() -> str | None:
    """The signing secret (``VIVA_WEBHOOK_SECRET``); None leaves webhooks unsigned."""
    return from_environment().webhook_secret


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The ``X-Viva-Archive-Signature`` value of ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one attempt went: ``ok``, or an error and whether trying again may help."""

    ok: bool
    error: str | None = None
    retry: bool = True


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer to judge (not followed: a POST must not turn into a GET)."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects())


def post_event(url: str, body: bytes, event_id: str, secret: str | None, timestamp: int) -> Outcome:
    """``POST`` one event; any 2xx is delivered, 408/429/5xx/3xx and network errors are retried,
    other 4xx are final."""
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Viva-Archive-Event-Id": event_id,
        "X-Viva-Archive-Timestamp": str(timestamp),
    }
    if secret:
        headers["X-Viva-Archive-Signature"] = signature(secret, timestamp, body)
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with _OPENER.open(request, timeout=TIMEOUT) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or exc
        return Outcome(False, f"{type(exc).__name__}: {reason}")
    if 200 <= status < 300:
        return Outcome(True)
    final = 400 <= status < 500 and status not in RETRIED_4XX
    return Outcome(False, f"HTTP {status}", retry=not final)
