"""Email: the events of one watch for one address in one message (plain text and escaped HTML),
through the SMTP server of ``VIVA_SMTP_URL`` (``smtp://user:password@host:587``, STARTTLS when
the server offers it; ``smtps://`` for TLS from the start). The password is used for ``LOGIN``
only: never shown, logged or put in an error."""

from __future__ import annotations

import html
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from viva_militer_archive.alerts.payload import plain_text, summary_line
from viva_militer_archive.alerts.webhook import TIMEOUT, Outcome
from viva_militer_archive.settings import from_environment

DEFAULT_SENDER = "viva-archive@localhost"


def smtp_url_from_env() -> str | None:
    """The SMTP server's URL (``VIVA_SMTP_URL``), or None: no email can be sent."""
    return from_environment().smtp_url


class SmtpUrlError(ValueError):
    """A ``VIVA_SMTP_URL`` that names no server (the message never repeats the URL)."""


@dataclass(frozen=True, slots=True, repr=False)
class SmtpServer:
    """Where and as whom to send (``repr`` hides the password)."""

    host: str
    port: int
    tls: bool
    user: str | None
    password: str | None
    sender: str

    @classmethod
    def parse(cls, url: str) -> SmtpServer:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise SmtpUrlError("VIVA_SMTP_URL must look like smtp://user:password@host:587")
        try:
            port = parts.port or (465 if parts.scheme == "smtps" else 587)
        except ValueError:
            raise SmtpUrlError("VIVA_SMTP_URL has a bad port") from None
        sender = parse_qs(parts.query).get("from", [DEFAULT_SENDER])[0]
        return cls(
            parts.hostname,
            port,
            parts.scheme == "smtps",
            unquote(parts.username) if parts.username else None,
            unquote(parts.password) if parts.password else None,
            sender,
        )

    def __repr__(self) -> str:
        return f"SmtpServer({self.host}:{self.port})"


def message(sender: str, address: str, watch: str, payloads: list[dict[str, Any]]) -> EmailMessage:
    """One message holding every event in ``payloads`` (a digest when there are several)."""
    mail = EmailMessage()
    mail["From"], mail["To"] = sender, address
    first = summary_line(payloads[0])
    more = f" (+{len(payloads) - 1} more)" if len(payloads) > 1 else ""
    mail["Subject"] = f"[viva-archive] {watch}: {first}{more}"[:200]
    texts = [plain_text(payload) for payload in payloads]
    mail.set_content("\n\n".join(texts) + "\n")
    parts = "".join(f"<pre>{html.escape(text)}</pre>" for text in texts)
    mail.add_alternative(f"<html><body>{parts}</body></html>", subtype="html")
    return mail


def send_mail(server: SmtpServer, mail: EmailMessage) -> Outcome:
    """Send one message; a 5xx refusal of the message is final, anything else is retried."""
    try:
        if server.tls:
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                server.host, server.port, timeout=TIMEOUT, context=ssl.create_default_context()
            )
        else:
            client = smtplib.SMTP(server.host, server.port, timeout=TIMEOUT)
        with client:
            client.ehlo()
            if not server.tls and client.has_extn("starttls"):
                client.starttls(context=ssl.create_default_context())
                client.ehlo()
            if server.user:
                client.login(server.user, server.password or "")
            client.send_message(mail)
    except smtplib.SMTPResponseException as exc:
        return Outcome(False, f"SMTP {exc.smtp_code}", retry=exc.smtp_code < 500)
    except smtplib.SMTPRecipientsRefused:
        return Outcome(False, "SMTP recipient refused", retry=False)
    except (OSError, smtplib.SMTPException) as exc:
        return Outcome(False, f"{type(exc).__name__} talking to {server.host}:{server.port}")
    return Outcome(True)
