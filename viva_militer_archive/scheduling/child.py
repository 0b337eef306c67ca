"""One crawl in a child process of its own process group, with a time limit.

Twisted's reactor cannot restart, so every run gets a fresh interpreter. The child is the same
crawl as ``scrapy crawl viva_militer -a mode=...``. Stopping is graceful first (SIGTERM lets
Scrapy close the spider and flush the store), then forceful (SIGKILL) after a grace period."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

log = logging.getLogger(__name__)

EXIT_TIMEOUT = 124
"""Exit status reported for a crawl stopped by its time limit (as timeout(1) does)."""


def crawl_command(mode_arguments: Mapping[str, str], settings: Sequence[str]) -> list[str]:
    """``python -m scrapy crawl viva_militer -a k=v ... -s K=V ...``."""
    command = [sys.executable, "-m", "scrapy", "crawl", "viva_militer"]
    for key, value in mode_arguments.items():
        command += ["-a", f"{key}={value}"]
    for setting in settings:
        command += ["-s", setting]
    return command


def verify_command(settings: Sequence[str]) -> list[str]:
    """``python -m viva_militer_archive.cli.main verify``, on the crawls' ``ARCHIVE_DIR`` when
    a ``-s ARCHIVE_DIR=...`` setting names one (else the environment's, as the crawls)."""
    command = [sys.executable, "-m", "viva_militer_archive.cli.main", "verify"]
    for setting in settings:
        name, _, value = setting.partition("=")
        if name.strip() == "ARCHIVE_DIR" and value.strip():
            command += ["--archive-dir", value.strip()]
    return command


def alerts_command() -> list[str]:
    """``python -m viva_militer_archive.cli.main alerts deliver`` (the archive's URL goes in the
    environment, secrets too: nothing secret on the command line)."""
    return [sys.executable, "-m", "viva_militer_archive.cli.main", "alerts", "deliver"]


@dataclass(slots=True)
class ChildResult:
    """How a crawl child ended."""

    pid: int
    exit_code: int
    seconds: float
    timed_out: bool = False
    stopped: bool = False
    """Stopped on purpose (daemon shutdown), not by its own end."""


class CrawlChild:
    """Starts a crawl child and supervises it until it ends, times out or is stopped."""

    def __init__(
        self,
        command: list[str],
        *,
        timeout: float,
        grace: float,
        environment: Mapping[str, str] | None = None,
    ) -> None:
        self.command, self.timeout, self.grace = command, timeout, grace
        self.environment = dict(environment or {})
        """Variables added to the child's environment: secrets go here, never on the command
        line (``/proc/<pid>/cmdline`` is readable by every local user)."""
        self.process: subprocess.Popen[bytes] | None = None
        self._stop = threading.Event()

    def run(self) -> ChildResult:
        """Run to the end (blocking); enforce the time limit; honour :meth:`stop`."""
        env = {**os.environ, **self.environment, "SCRAPY_SETTINGS_MODULE": "crawler.settings"}
        started = time.monotonic()
        self.process = subprocess.Popen(self.command, env=env, start_new_session=True)
        deadline = started + self.timeout
        timed_out = stopped = False
        while self.process.poll() is None:
            if self._stop.wait(0.2):
                stopped = True
                self._terminate()
            elif time.monotonic() >= deadline:
                timed_out = True
                log.error(
                    "Crawl pid %d exceeded its %.0fs limit: stopping it",
                    self.process.pid,
                    self.timeout,
                )
                self._terminate()
        code = self.process.returncode
        return ChildResult(
            pid=self.process.pid,
            exit_code=EXIT_TIMEOUT if timed_out else code,
            seconds=time.monotonic() - started,
            timed_out=timed_out,
            stopped=stopped,
        )

    def stop(self) -> None:
        """Ask the supervising thread to stop the child (graceful, then forceful)."""
        self._stop.set()

    def _terminate(self) -> None:
        """SIGTERM the child's process group, wait ``grace`` seconds, then SIGKILL it."""
        assert self.process is not None
        self._signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=self.grace)
        except subprocess.TimeoutExpired:
            log.error(
                "Crawl pid %d ignored SIGTERM for %.0fs: killing it", self.process.pid, self.grace
            )
            self._signal(signal.SIGKILL)
            self.process.wait()

    def _signal(self, signum: signal.Signals) -> None:
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signum)
