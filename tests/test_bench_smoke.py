"""Every script in bench/ runs at HEAD: each one in a child process at a tiny size, exit 0, as
the docs run them (``python -m bench.NAME`` from the repository root).

A smoke run, no timing asserted (figures come from the full-size runs in docs/performance.md):
a bench whose imports, fixtures or code paths rot fails here, in CI, instead of when next
measured.
The benches need the ``bench`` extra (trafilatura, Datasette, ...); without it these tests skip
with the reason, unless ``REQUIRE_BENCH=1`` (CI), where they fail instead.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.databases import skip_without_postgres

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
HELPERS = {"__init__.py", "common.py", "datasette_app.py"}
"""Modules of bench/ that other scripts import; not benchmarks themselves."""
BENCH_MODULES = ("trafilatura", "datasette", "psutil", "httpx")
"""What ``pip install -e '.[bench]'`` brings that the scripts import."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


TINY: dict[str, list[str]] = {
    "extract.py": ["--repeat", "1"],
    "spider_cpu.py": ["--articles", "20"],
    "crawl.py": ["--articles", "40", "--bench-seconds", "2"],
    "store.py": ["--articles", "100", "--batches", "50"],
    "incremental.py": ["--existing", "20"],
    "memory.py": ["--crawl", "40", "--export", "100"],
    "limits.py": ["--articles", "5"],
    "search.py": ["--articles", "50", "--words", "50"],
    "recover.py": ["--articles", "20"],
    "fallback.py": ["--repeat", "1"],
    "search_load.py": ["--articles", "200", "--seconds", "1", "--port", "{port}"],
    "wacz.py": ["--articles", "20,40"],
    "warc_growth.py": ["--articles", "2", "--days", "3", "--pad-kib", "1"],
    "alerts.py": ["--articles", "40", "--repeat", "1", "--receiver-delay", "0.2"],
    "web.py": [
        "--articles", "200", "--seconds", "1", "--warmup", "0", "--concurrency", "2",
        "--workers", "2", "--port", "{port}",
    ],
}  # fmt: skip
"""Each benchmark's arguments for a run of seconds; every backend it measures by default."""


def skip_without_bench_extra() -> None:
    missing = [name for name in BENCH_MODULES if importlib.util.find_spec(name) is None]
    if missing:
        reason = f"the bench extra is not installed (missing {', '.join(missing)})"
        if os.environ.get("REQUIRE_BENCH") == "1":
            pytest.fail(reason)
        pytest.skip(reason)


def test_every_bench_has_a_tiny_run() -> None:
    scripts = {path.name for path in BENCH.glob("*.py")} - HELPERS
    assert scripts == set(TINY)


@pytest.mark.slow
@pytest.mark.parametrize("script", sorted(TINY))
def test_bench_runs_at_a_tiny_size(script: str) -> None:
    skip_without_bench_extra()
    skip_without_postgres()  # most benches measure PostgreSQL too
    arguments = [argument.format(port=free_port()) for argument in TINY[script]]
    done = subprocess.run(
        [sys.executable, "-m", f"bench.{Path(script).stem}", *arguments],
        cwd=ROOT,
        capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert done.returncode == 0, f"{script} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    assert "Traceback" not in done.stderr
    assert done.stdout.strip()
