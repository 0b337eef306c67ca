"""Which database the archive lives in, and how to name it without leaking a password."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from viva_militer_archive.settings import from_environment

DEFAULT_SQLITE_PATH = Path("data") / "archive.sqlite3"
"""The embedded default: a SQLite file under ``./data/`` (created when first used)."""


SECRET_PARAMETER = re.compile(
    r"(?i)(\b[\w-]*(?:pass(?:word|wd|phrase)?|pwd|secret|token|api_?key|credential)[\w-]*"
    r"\s*=\s*)('[^']*'|\"[^\"]*\"|[^\s&;#'\"]+)"
)
"""``name=value`` whose name says secret: URL query parameters (``?password=``, ``&token=``)
and libpq ``key=value`` connection strings alike."""
URL_PASSWORD = re.compile(r"(://[^:/?#@\s]*:)[^@\s/]*@")
"""The password of ``scheme://user:password@host``."""


class ConfigError(ValueError):
    """A configuration value is unusable; the message is one line, safe to print."""


def resolve_database_url(setting: str | None = None) -> str:
    """The database URL: an explicit setting (``-s DATABASE_URL=``, ``--database-url``), then
    ``DATABASE_URL`` (:mod:`viva_militer_archive.settings`), then the SQLite default. The
    SQLite file's folder is created so a fresh machine just works."""
    url = setting or from_environment().database_url or f"sqlite:///{DEFAULT_SQLITE_PATH}"
    parsed = checked_url(url)
    if parsed.get_backend_name() == "sqlite" and not in_memory(parsed):
        Path(str(parsed.database)).expanduser().parent.mkdir(parents=True, exist_ok=True)
    return url


def in_memory(url: URL) -> bool:
    """Whether ``url`` is a SQLite database that lives in memory only (``sqlite://``,
    ``sqlite:///``, ``:memory:``, ``mode=memory``): gone when its connection closes."""
    if url.get_backend_name() != "sqlite":
        return False
    database = url.database or ""
    return (
        database in ("", ":memory:")
        or "mode=memory" in database
        or (url.query.get("mode") == "memory")
    )


def mask_secrets(text: str) -> str:
    """``text`` with every password-like value replaced by ``***``: ``user:password@`` in URLs,
    and ``password=``, ``sslpassword=``, ``token=``, ``secret=``, ``api_key=``... parameters."""
    return SECRET_PARAMETER.sub(r"\1***", URL_PASSWORD.sub(r"\1***@", text))


SUPPORTED_BACKENDS = ("postgresql", "sqlite")


def checked_url(url: str) -> URL:
    """``url`` parsed, for a supported database whose driver is installed; anything else is a
    :class:`ConfigError` (a malformed host or port, an unknown scheme, a missing driver)."""
    try:
        parsed = make_url(url)
        _ = parsed.port  # a port that is not a number fails only when read
        dialect = parsed.get_dialect()
    except (ArgumentError, ValueError, NoSuchModuleError):
        raise ConfigError(f"not a database URL: {mask_url(url)}") from None
    if parsed.get_backend_name() not in SUPPORTED_BACKENDS:
        raise ConfigError(
            f"{mask_url(url)}: the archive runs on {' or '.join(SUPPORTED_BACKENDS)} only"
        )
    try:
        dialect.import_dbapi()
    except ImportError as exc:
        raise ConfigError(f"{mask_url(url)}: driver not installed ({exc})") from None
    return parsed


def mask_url(url: str) -> str:
    """The URL with its password and secret query parameters replaced by ``***``, for logs and
    error messages."""
    try:
        rendered = make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        rendered = url  # not parseable as a URL: the patterns still find what to hide
    return mask_secrets(rendered)


def error_summary(exc: BaseException) -> str:
    """The first line of a database error (the driver's own message when wrapped), or its type;
    secrets a driver may quote (a connection string) are masked."""
    text = str(getattr(exc, "orig", None) or exc).strip()
    return mask_secrets(text.splitlines()[0]) if text else type(exc).__name__


def database_problem(url: str, exc: BaseException) -> str:
    """One line naming the database (password masked) and what went wrong with it."""
    return f"cannot use database {mask_url(url)}: {error_summary(exc)}"
