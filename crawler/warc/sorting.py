"""Sorting more lines than fit in memory: sorted runs spilled to temporary files, then merged.

A CDXJ index must be sorted (replay tools binary-search it), and an export or an archive may
hold millions of records: :class:`ExternalSorter` keeps at most ``run_lines`` lines in memory,
whatever the total."""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import IO

RUN_LINES = 50_000
"""Lines sorted in memory before a run is spilled to disk (a few MB of CDXJ)."""


class ExternalSorter:
    """Collects lines (each ending in ``\\n``) with :meth:`add`; :meth:`sorted` yields them in
    order, duplicates dropped. Use as a context manager: the spilled runs are deleted on exit."""

    def __init__(self, run_lines: int = RUN_LINES) -> None:
        self.run_lines = run_lines
        self._pending: list[str] = []
        self._folder = TemporaryDirectory(prefix="viva-sort-")
        self._runs: list[Path] = []
        self._open: list[IO[str]] = []

    def __enter__(self) -> ExternalSorter:
        return self

    def __exit__(self, *exc: object) -> None:
        for handle in self._open:
            handle.close()
        self._folder.cleanup()

    def add(self, line: str) -> None:
        self._pending.append(line)
        if len(self._pending) >= self.run_lines:
            self._spill()

    def sorted(self) -> Iterator[str]:
        """Every line added, in order, each distinct line once."""
        self._pending.sort()
        self._open = [path.open(encoding="utf-8") for path in self._runs]
        return unique(heapq.merge(*self._open, self._pending))

    def _spill(self) -> None:
        path = Path(self._folder.name) / f"run{len(self._runs):05d}"
        self._pending.sort()
        with path.open("w", encoding="utf-8") as handle:
            handle.writelines(self._pending)
        self._runs.append(path)
        self._pending = []


def unique(lines: Iterable[str]) -> Iterator[str]:
    """Sorted ``lines`` without repeats (a record indexed twice is listed once)."""
    previous = None
    for line in lines:
        if line != previous:
            yield line
        previous = line
