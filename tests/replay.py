"""Replay tools in tests: py-wacz's ``wacz validate`` and pywb (``wb-manager``, ``wayback``),
run as the command-line programs a user runs, pywb serving on 127.0.0.1 only.

They are found in ``$REPLAY_TOOLS`` (a ``bin`` folder: CI installs them in an environment of
their own, as pywb's brotlipy would shadow the crawler's brotli), else next to the running
Python, else on ``PATH``. Missing, the tests skip with the reason, unless ``REQUIRE_REPLAY=1``
(CI), where they fail instead."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

COLLECTION = "viva"
STARTUP_SECONDS = 60


def replay_tool(name: str) -> str:
    """The path of the program ``name``; skips (or fails, under ``REQUIRE_REPLAY=1``)."""
    folders = [os.environ.get("REPLAY_TOOLS"), str(Path(sys.executable).parent)]
    for folder in filter(None, folders):
        candidate = Path(folder) / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which(name)
    if found:
        return found
    reason = f"{name} not installed (pip install wacz pywb; or set REPLAY_TOOLS to their bin/)"
    if os.environ.get("REQUIRE_REPLAY") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


def run_tool(
    name: str, *arguments: str, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [replay_tool(name), *arguments],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def wacz_validate(path: Path) -> subprocess.CompletedProcess[str]:
    """``wacz validate -f PATH``."""
    return run_tool("wacz", "validate", "-f", str(path))


def collection_from_wacz(root: Path, wacz: Path) -> None:
    """A pywb collection in ``root`` holding the WACZ's WARCs and its own index, as
    ``wb-manager add --unpack-wacz`` makes it (pywb reads the WACZ's index, not its own)."""
    for arguments in (("init", COLLECTION), ("add", "--unpack-wacz", COLLECTION, str(wacz))):
        done = run_tool("wb-manager", *arguments, cwd=root)
        assert done.returncode == 0, done.stderr


def collection_from_archive(root: Path, archive: Path) -> None:
    """A pywb ``config.yaml`` in ``root`` replaying ``archive`` through the index
    ``viva-archive index`` keeps (what docs/verify-and-share.md tells users to write)."""
    (root / "config.yaml").write_text(
        f"collections:\n  {COLLECTION}:\n"
        f"    archive_paths: {archive}/\n"
        f"    index_paths: {archive}/indexes/index.cdxj\n",
        encoding="utf-8",
    )


@contextmanager
def pywb(root: Path) -> Iterator[str]:
    """``wayback`` serving ``root``'s collections on a free loopback port; yields the base URL
    of the collection (``http://127.0.0.1:PORT/viva/``)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [replay_tool("wayback"), "-b", "127.0.0.1", "-p", str(port)]
    log = (root / "wayback.log").open("w")
    server = subprocess.Popen(command, cwd=root, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            assert server.poll() is None, (root / "wayback.log").read_text()
            try:
                httpx.get(base, timeout=5)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "pywb did not start"
                time.sleep(0.2)
        yield f"{base}{COLLECTION}/"
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def replayed(collection: str, uri: str, timestamp: str = "") -> httpx.Response:
    """The archived response of ``uri`` (at ``timestamp``, 14 digits; default: the newest)
    as pywb replays it, unrewritten (``id_``)."""
    return httpx.get(f"{collection}{timestamp}id_/{uri}", timeout=30)
