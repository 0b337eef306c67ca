"""``viva-archive alerts deliver``: send every due delivery of the outbox once.

Each delivery is claimed before it is sent (the attempt counted), then marked ``sent``, retried
later with exponential backoff (:func:`retry_delay`: about 10 s, doubling, for a day), or kept
as ``failed`` (a final refusal, or a day of failures). A destination that fails is not tried
again in the same run, so a dead receiver costs one timeout per run and never holds up the
others. Webhooks get one event per request; the due events of one watch for one email address
go in one message."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from storage.browse import ArchiveBrowser
from storage.deliveries import DeliveryQueue, DueDelivery
from storage.engine import get_session_factory
from viva_militer_archive.alerts.email import (
    SmtpServer,
    SmtpUrlError,
    message,
    send_mail,
    smtp_url_from_env,
)
from viva_militer_archive.alerts.payload import PayloadBuilder, reader_url_from_env
from viva_militer_archive.alerts.webhook import Outcome, post_event, webhook_secret_from_env
from viva_militer_archive.settings import from_environment

RETRY_BASE = 10.0
"""Seconds before the first retry; each further retry waits twice as long."""
RETRY_FOR = timedelta(days=1)
"""How long a delivery is retried before it is kept as failed."""
RUN_BUDGET = 50.0
"""Seconds one run may spend sending before it leaves the rest to the next run (the daemon
starts one a minute: a slow receiver must not keep one run going for hours)."""


def retry_base_from_env() -> float:
    """``VIVA_ALERT_RETRY_BASE`` (seconds before the first retry; tests set 0), else 10."""
    value = from_environment().alert_retry_base
    try:
        base = float(value) if value else RETRY_BASE
    except ValueError:
        raise ValueError(
            f"VIVA_ALERT_RETRY_BASE must be a number of seconds, not {value!r}"
        ) from None
    if base < 0:
        raise ValueError("VIVA_ALERT_RETRY_BASE must not be negative")
    return base


def retry_delay(attempts: int, base: float = RETRY_BASE) -> timedelta:
    """The wait after the ``attempts``-th failed attempt: base, 2 x base, 4 x base..."""
    return timedelta(seconds=base * 2 ** max(attempts - 1, 0))


@dataclass(frozen=True, slots=True, repr=False)
class DeliverySettings:
    """What delivery needs from the environment (``repr`` shows no secret)."""

    secret: str | None = None
    smtp_url: str | None = None
    reader_url: str | None = None
    retry_base: float = RETRY_BASE
    retry_for: timedelta = RETRY_FOR

    @classmethod
    def from_env(cls) -> DeliverySettings:
        return cls(
            webhook_secret_from_env(), smtp_url_from_env(), reader_url_from_env(),
            retry_base_from_env(),
        )  # fmt: skip

    def __repr__(self) -> str:
        return f"DeliverySettings(reader_url={self.reader_url!r}, retry_base={self.retry_base})"


@dataclass(slots=True)
class DeliveryReport:
    """What one run did, by delivery."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0
    deferred: int = 0
    """Left for a later run: their destination failed earlier in this one, or the run's time
    budget was spent."""
    errors: dict[str, str] = field(default_factory=dict)
    """Destination -> the last error it gave in this run."""

    def line(self) -> str:
        return (
            f"{self.sent} sent, {self.retrying} to retry, {self.failed} failed, "
            f"{self.deferred} deferred"
        )


class Deliverer:
    """Sends the due deliveries of one archive."""

    def __init__(
        self,
        url: str | None,
        settings: DeliverySettings,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        sessions = get_session_factory(url)
        self.queue = DeliveryQueue(sessions=sessions)
        self.payloads = PayloadBuilder(ArchiveBrowser(url), settings.reader_url)
        self.settings = settings
        self.clock = clock

    def run(self, *, event_id: str | None = None, budget: float = RUN_BUDGET) -> DeliveryReport:
        """Send what is due now (only ``event_id``'s deliveries when given); after ``budget``
        seconds the rest is left, untouched, to the next run."""
        report = DeliveryReport()
        now = self.clock()
        deadline = time.monotonic() + budget
        for unit in _units(self.queue.due(now, event_id=event_id)):
            destination = unit[0].destination
            if destination in report.errors or time.monotonic() > deadline:
                report.deferred += len(unit)
                continue
            claimed = [due for due in unit if self.queue.claim(due.id, now)]
            if not claimed:
                continue
            outcome = self._send(claimed)
            if not outcome.ok:
                report.errors[destination] = outcome.error or "failed"
            for due in claimed:
                self._record(due, outcome, now, report)
        return report

    def _send(self, unit: list[DueDelivery]) -> Outcome:
        kind, _, target = unit[0].destination.partition(":")
        try:
            if kind == "webhook":
                return self._post(unit[0], target)
            return self._mail(unit, target)
        except SmtpUrlError as exc:
            return Outcome(False, str(exc))

    def _post(self, due: DueDelivery, url: str) -> Outcome:
        if not self.settings.secret:
            return Outcome(False, "VIVA_WEBHOOK_SECRET is not set: webhooks are always signed")
        body = self.payloads.body(due)
        return post_event(url, body, due.event_id, self.settings.secret, int(time.time()))

    def _mail(self, unit: list[DueDelivery], address: str) -> Outcome:
        if not self.settings.smtp_url:
            return Outcome(False, "VIVA_SMTP_URL is not set: no email can be sent")
        server = SmtpServer.parse(self.settings.smtp_url)
        payloads = [self.payloads.payload(due) for due in unit]
        return send_mail(server, message(server.sender, address, unit[0].watch_name, payloads))

    def _record(
        self, due: DueDelivery, outcome: Outcome, now: datetime, report: DeliveryReport
    ) -> None:
        if outcome.ok:
            self.queue.finish(due.id, "sent", now=now)
            report.sent += 1
            return
        attempts = due.attempts + 1
        retry_at = now + retry_delay(attempts, self.settings.retry_base)
        if outcome.retry and retry_at - due.created_at <= self.settings.retry_for:
            self.queue.finish(due.id, "pending", now=now, error=outcome.error, retry_at=retry_at)
            report.retrying += 1
            return
        why = outcome.error if not outcome.retry else f"{outcome.error} (gave up after a day)"
        self.queue.finish(due.id, "failed", now=now, error=f"{why}; {attempts} attempts")
        report.failed += 1


def _units(due: list[DueDelivery]) -> list[list[DueDelivery]]:
    """What is sent together: each webhook delivery alone, an email address's deliveries of one
    watch together (a digest)."""
    units: dict[tuple[str, str, str | int], list[DueDelivery]] = {}
    for each in due:
        if each.destination.startswith("email:"):
            key: tuple[str, str, str | int] = (each.destination, each.watch_name, "")
        else:
            key = (each.destination, "", each.id)
        units.setdefault(key, []).append(each)
    return list(units.values())
