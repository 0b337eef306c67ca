"""Watching the crawl lock while the crawl runs: a lock can vanish under its holder (the
PostgreSQL session holding the advisory lock is terminated), and a crawl must never go on
without it, or a second crawl of the same mode would run beside it."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from storage.locks import NamedLock

log = logging.getLogger(__name__)

LOCK_CHECK_SECONDS = 2.0
"""How often the lock is checked: a lost lock stops the crawl within about this long."""


class LockWatcher:
    """Checks ``lock`` every ``interval`` seconds in a thread of its own; the first time it is
    gone, sets :attr:`lost` and calls ``on_lost`` (from that thread), then stops checking."""

    def __init__(
        self, lock: NamedLock, on_lost: Callable[[], None], interval: float = LOCK_CHECK_SECONDS
    ) -> None:
        self.lock, self.on_lost, self.interval = lock, on_lost, interval
        self.lost = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="lock-watcher", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop checking and wait for the thread, so the lock may be released safely."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _watch(self) -> None:
        while not self._stop.wait(self.interval):
            if not self.lock.is_held():
                self.lost = True
                log.error("Lost the crawl lock %s: stopping the crawl", self.lock.name)
                self.on_lost()
                return
