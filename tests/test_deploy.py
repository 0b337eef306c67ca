"""The systemd units of the scheduler daemon and of the web reader: credentials from a 0600
environment file (never in the unit), writable places as systemd provides them, the same
sandbox for both so that ``systemd-analyze security`` rates each "OK" (≤ 4.0, the same score),
and ``systemd-analyze verify`` clean."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from viva_militer_archive.sample_site.harness import REPO_ROOT

DEPLOY = REPO_ROOT / "deploy"
UNIT = DEPLOY / "viva-militer-archive.service"
WEB_UNIT = DEPLOY / "viva-militer-archive-web.service"
UNITS = {
    UNIT: (DEPLOY / "viva-militer-archive.env", "/etc/viva-militer-archive/env"),
    WEB_UNIT: (DEPLOY / "viva-militer-archive-web.env", "/etc/viva-militer-archive/web.env"),
}
"""Each unit, its environment file's example in the repository and its installed place."""
EXEC = "/opt/viva-militer-archive/.venv/bin/"
SANDBOX = {
    "NoNewPrivileges": "yes", "CapabilityBoundingSet": "", "AmbientCapabilities": "",
    "ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes", "PrivateDevices": "yes",
    "DevicePolicy": "closed", "PrivateUsers": "yes", "ProtectKernelTunables": "yes",
    "ProtectKernelModules": "yes", "ProtectKernelLogs": "yes", "ProtectControlGroups": "yes",
    "ProtectClock": "yes", "ProtectHostname": "yes", "ProtectProc": "invisible",
    "ProcSubset": "pid", "RestrictAddressFamilies": "AF_UNIX AF_INET AF_INET6",
    "RestrictNamespaces": "yes", "RestrictRealtime": "yes", "RestrictSUIDSGID": "yes",
    "RemoveIPC": "yes", "LockPersonality": "yes", "SystemCallArchitectures": "native",
    "SystemCallErrorNumber": "EPERM",
}  # fmt: skip
"""What both units set, each to the same value."""


def directives(unit: Path = UNIT) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in unit.read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            name, _, value = line.partition("=")
            found.setdefault(name.strip(), []).append(value.strip())
    return found


def test_unit_has_state_logs_credentials_and_sandbox() -> None:
    unit = directives()
    assert unit["StateDirectory"] == ["viva-militer-archive"]
    assert unit["LogsDirectory"] == ["viva-militer-archive"]


@pytest.mark.parametrize("unit_path", list(UNITS), ids=lambda path: path.stem)
def test_both_units_share_the_sandbox_and_read_credentials_from_a_file(unit_path: Path) -> None:
    unit = directives(unit_path)
    example, installed = UNITS[unit_path]
    assert unit["EnvironmentFile"] == [installed]
    assert not any(v.startswith(("DATABASE_URL", "VIVA_ARCHIVE_TOKEN"))
                   for v in unit.get("Environment", []))  # fmt: skip
    assert "DATABASE_URL=" in example.read_text(encoding="utf-8")
    assert f"install -m 0600 -o root -g root deploy/{example.name} {installed}" in (
        unit_path.read_text(encoding="utf-8")
    )
    for name, value in SANDBOX.items():
        assert unit.get(name) == [value], name
    assert unit["SystemCallFilter"] == ["@system-service", "~@privileged"]
    comments = " ".join(line for line in unit_path.read_text().splitlines() if line[:1] == "#")
    assert "only IP sockets" not in comments, "the comment must say what the unit allows"


@pytest.fixture(params=list(UNITS), ids=lambda path: path.stem)
def runnable_unit(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """A unit with ExecStart pointing at this Python's programs (verify checks they exist)."""
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed")
    unit: Path = request.param
    copy = tmp_path / unit.name
    copy.write_text(
        unit.read_text(encoding="utf-8").replace(EXEC, str(Path(sys.executable).parent) + "/")
    )
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
    assert float(score[1]) <= 2.0 and score[2] == "OK", score[0]
