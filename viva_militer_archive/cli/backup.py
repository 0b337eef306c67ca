"""``viva-archive backup DIR`` and ``viva-archive restore DIR --to URL``.

Backup: the list of WARC files is taken first, then the database snapshot (see
:mod:`storage.backup`), then the files: a file of a crawl running at the snapshot is copied
and cut after its last whole record (it may still grow; everything the snapshot refers to was
written before it), every other file is hard-linked (copied across file systems). The manifest
comes last. Restore checks every file against the manifest and refuses a non-empty target
database or a WARC file of the same name with other content before writing anything."""

from __future__ import annotations

import argparse
import errno
import os
import shutil
from pathlib import Path

from sqlalchemy.engine import make_url

from crawler.warc import archive_dir
from crawler.warc.reader import whole_records_length
from crawler.warc.writer import FILE_PREFIX
from storage.backup import (
    DATABASE_FILE,
    WARC_FOLDER,
    BackupError,
    FileEntry,
    check_files,
    file_entry,
    new_manifest,
    read_manifest,
    running_labels,
    sha256_of,
    snapshot_database,
    write_manifest,
)
from storage.config import ConfigError, in_memory, mask_url, resolve_database_url
from storage.copy import copy_archive, is_empty
from storage.search import refresh_search_index
from viva_militer_archive.cli.archive import open_archive
from viva_militer_archive.cli.errors import CliError

WARC_SUFFIXES = (".warc.gz", ".warc")


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``backup DIR`` and ``restore DIR --to URL``."""
    backup = subparsers.add_parser(
        "backup",
        help="snapshot the database and the WARC files into DIR, with a SHA-256 manifest",
        description="A consistent snapshot of the archive, taken while crawls go on: the "
        "database as a SQLite file, the WARC files (hard links where possible) and "
        "manifest.json with every file's size and SHA-256. DIR must be new or empty.",
    )
    backup.add_argument("folder", metavar="DIR", type=Path)
    add_archive_dir(backup, "where the WARC files are")
    backup.set_defaults(handler=run_backup)
    restore = subparsers.add_parser(
        "restore",
        help="restore a backup into an empty database (and its WARC files)",
        description="Checks every file of the backup against its manifest, then copies the "
        "database into --to (which must be empty) and the WARC files into --archive-dir.",
    )
    restore.add_argument("folder", metavar="DIR", type=Path)
    restore.add_argument("--to", required=True, metavar="URL", help="the empty target database")
    add_archive_dir(restore, "where to put the WARC files")
    restore.set_defaults(handler=run_restore)


def add_archive_dir(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "--archive-dir", metavar="DIR", help=f"{what} (default: $ARCHIVE_DIR, else ./data/warc)"
    )


def warc_names(folder: Path) -> list[str]:
    """The WARC files in ``folder`` (none when it does not exist)."""
    if not folder.is_dir():
        return []
    return sorted(
        p.name for p in folder.iterdir() if p.is_file() and p.name.endswith(WARC_SUFFIXES)
    )


def run_backup(args: argparse.Namespace) -> int:
    source = open_archive(args.database_url)
    folder: Path = args.folder
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise CliError(f"{folder} is not an empty folder: give a new one", exit_code=2)
    warc_source = archive_dir(args.archive_dir)
    names = warc_names(warc_source)  # before the snapshot: later files are not referred to
    (folder / WARC_FOLDER).mkdir(parents=True, exist_ok=True)
    snapshot_database(source, folder / DATABASE_FILE)
    growing = running_labels(folder / DATABASE_FILE)
    entries = [
        keep_warc(warc_source / name, folder / WARC_FOLDER / name, folder, growing)
        for name in names
    ]
    manifest = new_manifest(source, folder, entries)
    write_manifest(folder, manifest)
    total = sum(entry.size for entry in manifest.files())
    print(f"backup of {mask_url(source)} in {folder}: the database and {len(entries)} WARC "
          f"file{'s' if len(entries) != 1 else ''}, {total:,} bytes")  # fmt: skip
    return 0


def keep_warc(source: Path, target: Path, folder: Path, growing: set[str]) -> FileEntry:
    """``source`` kept as ``target``: copied and cut after its last whole record when its crawl
    was running at the snapshot, else hard-linked (copied when linking is not possible)."""
    label = source.name.removeprefix(f"{FILE_PREFIX}-").split("-", 1)[0]
    if label in growing or label == "adhoc":
        shutil.copyfile(source, target)
        with target.open("r+b") as handle:
            handle.truncate(whole_records_length(target))
    else:
        link_or_copy(source, target)
    return file_entry(folder, target)


def link_or_copy(source: Path, target: Path) -> None:
    """A hard link, or a copy where the file system cannot link (another device, no links)."""
    try:
        os.link(source, target)
    except OSError as exc:
        if exc.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP):
            raise
        shutil.copy2(source, target)


def run_restore(args: argparse.Namespace) -> int:
    folder: Path = args.folder
    try:
        manifest = read_manifest(folder)
        check_files(folder, manifest)
    except BackupError as exc:
        raise CliError(str(exc)) from None
    target = restore_target(args.to)
    if not is_empty(target):
        raise CliError(f"{mask_url(target)} is not empty: restore only into an empty database")
    warc_target = archive_dir(args.archive_dir)
    clashes = [e.path for e in manifest.warc if clashes_with(folder / e.path, warc_target, e)]
    if clashes:
        raise CliError(f"{warc_target} already holds {clashes[0]} with other content")
    copy_archive(f"sqlite:///{folder / DATABASE_FILE}", target)
    refresh_search_index(target)
    warc_target.mkdir(parents=True, exist_ok=True)
    for entry in manifest.warc:
        destination = warc_target / Path(entry.path).name
        if not destination.exists():
            shutil.copy2(folder / entry.path, destination)
    print(f"restored {folder} into {mask_url(target)} and {len(manifest.warc)} WARC "
          f"file{'s' if len(manifest.warc) != 1 else ''} into {warc_target}")  # fmt: skip
    return 0


def restore_target(url: str) -> str:
    """The ``--to`` URL resolved; an argument error for a bad or in-memory one."""
    try:
        target = resolve_database_url(url)
    except ConfigError as exc:
        raise CliError(f"--to: {exc}", exit_code=2) from None
    if in_memory(make_url(target)):
        raise CliError("--to names an in-memory database, gone when the restore ends", 2)
    return target


def clashes_with(source: Path, folder: Path, entry: FileEntry) -> bool:
    """Whether ``folder`` holds a file of that name that is not the backup's."""
    existing = folder / source.name
    if not existing.exists():
        return False
    return existing.stat().st_size != entry.size or sha256_of(existing) != entry.sha256
