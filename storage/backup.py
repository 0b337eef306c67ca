"""Backups of the archive database and the manifest that proves a backup whole.

A backup folder holds ``archive.sqlite3`` (a consistent snapshot of the database), the WARC
files under ``warc/`` and ``manifest.json`` (written last: a folder without it is no backup)
with each file's size and SHA-256. The snapshot of a SQLite archive is made by SQLite's online
backup API (one step: readers and the crawl's writes go on, the copy is one instant of the
file); of a PostgreSQL archive by :func:`storage.copy.copy_archive` in one REPEATABLE READ
transaction (one instant of every table) into that SQLite file, which any database restores
from."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.engine import make_url

from storage.copy import copy_archive
from storage.engine import dispose_all, get_engine
from storage.migrate import current_revision
from storage.models import CrawlRun

MANIFEST = "manifest.json"
DATABASE_FILE = "archive.sqlite3"
WARC_FOLDER = "warc"
FORMAT = "viva-militer-archive backup 1"
_CHUNK = 1 << 20


class BackupError(RuntimeError):
    """A backup cannot be made or restored as asked; the message is one line."""


@dataclass(frozen=True, slots=True)
class FileEntry:
    """One file of a backup: its path in the folder, size and SHA-256."""

    path: str
    size: int
    sha256: str


@dataclass(slots=True)
class Manifest:
    """What a backup holds (``manifest.json``)."""

    created_at: str
    schema_revision: str | None
    source_dialect: str
    database: FileEntry
    warc: list[FileEntry] = field(default_factory=list)
    format: str = FORMAT

    def files(self) -> list[FileEntry]:
        return [self.database, *self.warc]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def file_entry(folder: Path, path: Path) -> FileEntry:
    """The manifest entry of ``path`` (inside ``folder``) as it is now."""
    return FileEntry(path.relative_to(folder).as_posix(), path.stat().st_size, sha256_of(path))


def snapshot_database(url: str, target: Path) -> None:
    """A consistent copy of the archive at ``url`` as the SQLite file ``target`` (new)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        source = sqlite3.connect(f"file:{quote(str(parsed.database))}?mode=ro", uri=True)
        destination = sqlite3.connect(target)
        try:
            source.backup(destination)  # pages=-1: the whole file in one step, one instant
        finally:
            destination.close()
            source.close()
        return
    copy_archive(url, f"sqlite:///{target}", snapshot=True)
    dispose_all()  # let go of the new file's engine: the folder is handed over as it is


def running_labels(snapshot: Path) -> set[str]:
    """The WARC file labels (``run7``) of the crawls running at the snapshot: their newest file
    may still grow while the backup copies it."""
    engine = get_engine(f"sqlite:///{snapshot}")
    with engine.connect() as connection:
        ids = connection.scalars(select(CrawlRun.id).where(CrawlRun.status == "running"))
        return {f"run{run_id}" for run_id in ids}


def new_manifest(url: str, folder: Path, warc: Iterable[FileEntry]) -> Manifest:
    """The manifest of the snapshot in ``folder`` and the ``warc`` files copied next to it."""
    database = file_entry(folder, folder / DATABASE_FILE)
    return Manifest(
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        schema_revision=current_revision(f"sqlite:///{folder / DATABASE_FILE}"),
        source_dialect=make_url(url).get_backend_name(),
        database=database,
        warc=sorted(warc, key=lambda entry: entry.path),
    )


def write_manifest(folder: Path, manifest: Manifest) -> None:
    """``manifest.json``, written to a temporary name then renamed: all or nothing."""
    temporary = folder / f".{MANIFEST}.tmp"
    temporary.write_text(json.dumps(asdict(manifest), indent=2) + "\n", encoding="utf-8")
    temporary.replace(folder / MANIFEST)


def read_manifest(folder: Path) -> Manifest:
    """The manifest of the backup in ``folder``; :class:`BackupError` when there is none."""
    try:
        raw: dict[str, Any] = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        if raw.get("format") != FORMAT:
            raise BackupError(f"{folder / MANIFEST} is not a manifest of this program's backups")
        return Manifest(
            created_at=str(raw["created_at"]),
            schema_revision=raw["schema_revision"],
            source_dialect=str(raw["source_dialect"]),
            database=FileEntry(**raw["database"]),
            warc=[FileEntry(**entry) for entry in raw["warc"]],
        )
    except FileNotFoundError:
        raise BackupError(f"{folder} holds no backup ({MANIFEST} is missing)") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise BackupError(f"{folder / MANIFEST} is damaged: {exc}") from None


def check_files(folder: Path, manifest: Manifest) -> None:
    """:class:`BackupError` naming the first file of the backup that is missing or not as the
    manifest says (size, then SHA-256)."""
    for entry in manifest.files():
        path = folder / entry.path
        if ".." in Path(entry.path).parts or Path(entry.path).is_absolute():
            raise BackupError(f"{MANIFEST} names a file outside the backup: {entry.path!r}")
        if not path.is_file():
            raise BackupError(f"{entry.path} is missing from the backup")
        if path.stat().st_size != entry.size:
            raise BackupError(f"{entry.path} has {path.stat().st_size} bytes, not {entry.size}")
        if sha256_of(path) != entry.sha256:
            raise BackupError(f"{entry.path} does not match its SHA-256 in {MANIFEST}")
