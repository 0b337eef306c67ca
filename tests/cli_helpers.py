"""Running ``viva-archive`` as a user does: a child process, optionally fed on stdin."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.crawling import REPO_ROOT


def viva(
    *arguments: str,
    input: str | None = None,
    env: dict[str, str] | None = None,
    cwd: Path = REPO_ROOT,
    timeout: float = 180,
) -> subprocess.CompletedProcess[str]:
    """``python -m viva_militer_archive.cli.main ARGUMENTS`` (from the repository root unless
    ``cwd``), with
    ``env`` added to the environment; output captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "viva_militer_archive.cli.main", *arguments],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
