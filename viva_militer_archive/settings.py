"""Every setting the program takes from the environment, read here and nowhere else.

:func:`from_environment` reads the variables once into a frozen :class:`Settings`, which the
entry points (the command line, the scheduler, the Scrapy settings module, the web reader)
pass down. A value is the text of its variable, or None when it is unset or empty: the module
that uses a setting owns its default and its parsing, so this module imports nothing but the
standard library (``storage`` and ``crawler`` import it). docs/configuration.md lists them."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any


def variable(name: str, text: str, *, test_only: bool = False) -> Any:
    """A field read from the environment variable ``name``, documented by ``text``."""
    return field(default=None, metadata={"variable": name, "text": text, "test_only": test_only})


@dataclass(frozen=True, slots=True)
class Settings:
    """The environment's settings (None: not set, the user of the setting decides)."""

    database_url: str | None = variable(
        "DATABASE_URL", "archive database; default sqlite:///data/archive.sqlite3"
    )
    archive_dir: str | None = variable("ARCHIVE_DIR", "folder of the WARC files; default data/warc")
    viva_base_url: str | None = variable(
        "VIVA_BASE_URL", "site root crawled (a mirror, or a local test server)"
    )
    archive_token: str | None = variable(
        "VIVA_ARCHIVE_TOKEN", "access token of `viva-archive serve` (else --token-file)"
    )
    scrapy_settings_module: str | None = variable(
        "SCRAPY_SETTINGS_MODULE",
        "Scrapy settings of crawls and reextract; default crawler.settings",
    )
    latest_every: str | None = variable("VIVA_LATEST_EVERY", "daemon: latest job interval")
    latest_cron: str | None = variable("VIVA_LATEST_CRON", "daemon: latest job as cron")
    recheck_every: str | None = variable("VIVA_RECHECK_EVERY", "daemon: recheck job interval")
    backfill_cron: str | None = variable("VIVA_BACKFILL_CRON", "daemon: nightly backfill (WIB)")
    verify_cron: str | None = variable(
        "VIVA_VERIFY_CRON", "daemon: weekly fixity check (viva-archive verify), cron in WIB"
    )
    backfill_days: str | None = variable("VIVA_BACKFILL_DAYS", "daemon: days the backfill covers")
    jobs: str | None = variable("VIVA_JOBS", "daemon: jobs to run, comma-separated")
    crawl_timeout: str | None = variable("VIVA_CRAWL_TIMEOUT", "daemon: time limit of one crawl")
    stop_grace: str | None = variable("VIVA_STOP_GRACE", "daemon: shutdown time of a crawl")
    max_failures: str | None = variable("VIVA_MAX_FAILURES", "health: failed runs in a row")
    stale_after: str | None = variable("VIVA_STALE_AFTER", "health: latest finds nothing for")
    warning_share: str | None = variable("VIVA_WARNING_SHARE", "health: extraction warnings")
    error_share: str | None = variable("VIVA_ERROR_SHARE", "health: errors per request")
    alerts_every: str | None = variable(
        "VIVA_ALERTS_EVERY", "daemon: how often pending alerts are delivered"
    )
    webhook_secret: str | None = variable(
        "VIVA_WEBHOOK_SECRET", "alerts: HMAC-SHA256 secret signing every webhook (secret)"
    )
    smtp_url: str | None = variable(
        "VIVA_SMTP_URL", "alerts: smtp://user:password@host:587 for email (secret)"
    )
    reader_url: str | None = variable(
        "VIVA_READER_URL", "alerts: the web reader's public address, for article links"
    )
    alert_retry_base: str | None = variable(
        "VIVA_ALERT_RETRY_BASE", "alerts: seconds before the first retry (doubling); default 10"
    )
    test_database_url: str | None = variable(
        "TEST_DATABASE_URL", "PostgreSQL server of the tests and samples", test_only=True
    )

    @staticmethod
    def variable_of(name: str) -> str:
        """The environment variable of the field ``name`` (for messages and documentation)."""
        return str(Settings.__dataclass_fields__[name].metadata["variable"])


def from_environment(environ: Mapping[str, str] | None = None) -> Settings:
    """The settings ``environ`` (default: this process's environment) holds; an empty
    variable counts as unset."""
    source = os.environ if environ is None else environ
    return Settings(
        **{each.name: source.get(each.metadata["variable"]) or None for each in fields(Settings)}
    )


def variables() -> dict[str, str]:
    """Field name -> environment variable, for every setting."""
    return {each.name: each.metadata["variable"] for each in fields(Settings)}
