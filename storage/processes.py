"""Who runs a crawl: pid, host and process start time, so a run is judged dead only when its
process is really gone (a pid alone can be reused by an unrelated process)."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

PROC = Path("/proc")
START_TOLERANCE = timedelta(seconds=2)
"""How far two readings of one process's start time may differ (boot time is whole seconds)."""


@dataclass(frozen=True, slots=True)
class ProcessIdentity:
    """One process on one host: a reused pid has another start time."""

    pid: int
    hostname: str
    started_at: datetime | None
    """When the process started (UTC), None where ``/proc`` cannot tell."""


def pid_exists(pid: int) -> bool:
    """Whether a process with ``pid`` exists on this host."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def process_started_at(pid: int) -> datetime | None:
    """Start time of process ``pid`` from ``/proc`` (boot time + ``starttime`` ticks), or None
    when the process is gone or the system has no ``/proc``."""
    try:
        stat = (PROC / str(pid) / "stat").read_text()
        boot = next(
            int(line.split()[1])
            for line in (PROC / "stat").read_text().splitlines()
            if line.startswith("btime ")
        )
    except (OSError, StopIteration, ValueError):
        return None
    # Field 22 (starttime) counted after the ")" that ends the command name, which may hold spaces.
    fields = stat.rpartition(")")[2].split()
    ticks = int(fields[19])
    return datetime.fromtimestamp(boot, UTC) + timedelta(seconds=ticks / os.sysconf("SC_CLK_TCK"))


def current_process() -> ProcessIdentity:
    """The identity of this process, as a run records it."""
    pid = os.getpid()
    return ProcessIdentity(pid, socket.gethostname(), process_started_at(pid))


def is_running(identity: ProcessIdentity) -> bool | None:
    """Whether the process is still alive: None when it ran on another host (cannot tell).

    Alive means a process with that pid exists and, when both start times are known, started
    at the recorded time; a pid taken over by a later process counts as dead."""
    if identity.hostname != socket.gethostname():
        return None
    if not pid_exists(identity.pid):
        return False
    if identity.started_at is None:
        return True
    started = process_started_at(identity.pid)
    return started is None or abs(started - identity.started_at) <= START_TOLERANCE
