"""The systemd unit: writable places and credentials as systemd provides them, sandboxed so
that ``systemd-analyze security`` rates it "OK" (≤ 4.0), and ``systemd-analyze verify`` clean."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sample_site.harness import REPO_ROOT

UNIT = REPO_ROOT / "deploy" / "viva-militer-archive.service"
ENV_EXAMPLE = REPO_ROOT / "deploy" / "viva-militer-archive.env"
EXEC = "/opt/viva-militer-archive/.venv/bin/python"


def directives() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in UNIT.read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            name, _, value = line.partition("=")
            found.setdefault(name.strip(), []).append(value.strip())
    return found


def test_unit_has_state_logs_credentials_and_sandbox() -> None:
    unit = directives()
    assert unit["StateDirectory"] == ["viva-militer-archive"]
    assert unit["LogsDirectory"] == ["viva-militer-archive"]
    assert unit["EnvironmentFile"] == ["/etc/viva-militer-archive/env"]
    assert not any(v.startswith("DATABASE_URL") for v in unit.get("Environment", []))
    for name, value in {
        "ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes",
        "NoNewPrivileges": "yes", "RestrictAddressFamilies": "AF_UNIX AF_INET AF_INET6",
    }.items():  # fmt: skip
        assert unit[name] == [value], name
    assert "DATABASE_URL=" in ENV_EXAMPLE.read_text(encoding="utf-8")


@pytest.fixture
def runnable_unit(tmp_path: Path) -> Path:
    """The unit with ExecStart pointing at this Python (verify checks that it exists)."""
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed")
    copy = tmp_path / UNIT.name
    copy.write_text(UNIT.read_text(encoding="utf-8").replace(EXEC, sys.executable))
    return copy


def test_systemd_analyze_verify_is_clean(runnable_unit: Path) -> None:
    done = subprocess.run(
        ["systemd-analyze", "verify", str(runnable_unit)],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0 and done.stdout + done.stderr == "", done.stderr


def test_systemd_analyze_security_rates_it_ok(runnable_unit: Path) -> None:
    done = subprocess.run(
        ["systemd-analyze", "security", "--offline=yes", str(runnable_unit)],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    score = re.search(r"Overall exposure level for \S+: ([\d.]+) (\w+)", done.stdout)
    assert score, done.stdout + done.stderr
    assert float(score[1]) <= 4.0 and score[2] == "OK", score[0]
