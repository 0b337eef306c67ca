"""Running ``viva-archive`` as a user does: a child process, optionally fed on stdin."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.crawling import REPO_ROOT


def viva(*arguments: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m cli.main ARGUMENTS`` from the repository root; output captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *arguments],
        cwd=REPO_ROOT,
        env=dict(os.environ),
        input=input,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
