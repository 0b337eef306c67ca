"""The archive's CDXJ index (``viva-archive index``): every WARC file of the archive directory
indexed once, so pywb replays the archive without re-indexing it.

``<archive>/indexes/index.cdxj`` is one sorted CDXJ file (pywb's ``index_paths``);
``<archive>/indexes/indexed.json`` records how many bytes of each WARC file are indexed. An
update walks only what is new (new files, and the records a running crawl appended since),
sorts those lines and merges them into the index: memory stays flat whatever the archive's size,
and the index is replaced atomically (a reader never sees half of one)."""

from __future__ import annotations

import errno
import fcntl
import heapq
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from crawler.warc.cdxj import index_file
from crawler.warc.reader import WarcReadError
from crawler.warc.sorting import ExternalSorter, unique

INDEX_FOLDER = "indexes"
INDEX_NAME = "index.cdxj"
LEDGER_NAME = "indexed.json"
WARC_SUFFIX = ".warc.gz"


@dataclass(slots=True)
class IndexUpdate:
    """What one update did."""

    index: Path
    files: int = 0
    """WARC files with records newly indexed."""
    records: int = 0
    """Index lines added."""
    problems: list[str] = field(default_factory=list)
    """One line per file that could not be read to its end (damaged, or still being written:
    the records before that point are indexed, the rest is retried next time)."""


def index_path(directory: Path) -> Path:
    """Where the archive's CDXJ index lives."""
    return directory / INDEX_FOLDER / INDEX_NAME


def update_index(directory: Path) -> IndexUpdate:
    """Index what is new in the WARC files of ``directory`` (a missing directory is an
    ``OSError``); one update at a time (a lock file), a concurrent one waits."""
    if not directory.is_dir():
        raise FileNotFoundError(errno.ENOENT, "no such archive directory", str(directory))
    folder = directory / INDEX_FOLDER
    folder.mkdir(exist_ok=True)
    update = IndexUpdate(index=folder / INDEX_NAME)
    with _locked(folder / ".lock"):
        ledger = _read_ledger(folder / LEDGER_NAME)
        with ExternalSorter() as fresh:
            for line in _new_lines(directory, ledger, update):
                fresh.add(line)
                update.records += 1
            if update.records:
                _merge_into(update.index, fresh.sorted())
        _write_atomically(folder / LEDGER_NAME, json.dumps(ledger, indent=0, sort_keys=True))
    return update


def _new_lines(directory: Path, ledger: dict[str, int], update: IndexUpdate) -> Iterator[str]:
    """The index lines of the records not yet indexed; ``ledger`` follows what is read."""
    for path in sorted(directory.glob(f"*{WARC_SUFFIX}")):
        done = ledger.get(path.name, 0)
        if path.stat().st_size <= done:
            continue
        added = 0
        try:
            for record in index_file(directory, path.name, done):
                ledger[path.name] = record.end
                if record.line is not None:
                    added += 1
                    yield record.line
        except WarcReadError as exc:
            update.problems.append(f"{exc}; indexed up to byte {ledger.get(path.name, 0)}")
        update.files += 1 if added else 0


def _merge_into(index: Path, fresh: Iterator[str]) -> None:
    """Replace ``index`` by its lines merged with the sorted ``fresh`` ones."""
    partial = index.with_name(index.name + ".part")
    with partial.open("w", encoding="utf-8") as out:
        if index.exists():
            with index.open(encoding="utf-8") as old:
                out.writelines(unique(heapq.merge(old, fresh)))
        else:
            out.writelines(fresh)
        out.flush()
        os.fsync(out.fileno())
    os.replace(partial, index)


def _read_ledger(path: Path) -> dict[str, int]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except ValueError:
        return {}  # unreadable: index everything again (merging drops the repeated lines)
    return {str(name): int(size) for name, size in data.items()}


def _write_atomically(path: Path, text: str) -> None:
    partial = path.with_name(path.name + ".part")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
