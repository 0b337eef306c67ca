"""``viva-archive serve`` as a real server (issue 19): the access log masks the token, the token
can come from a file, a port in use is one line with its own exit code, slow headers are cut
off, exhausted descriptors do not flood the log, and ``--workers`` spreads connections over
its processes. Plus the one-line refusals of bad options."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from storage.migrate import upgrade
from tests.crawling import REPO_ROOT
from tests.web_archive import free_port, serving
from viva_militer_archive.cli.main import main
from viva_militer_archive.web.serving import HEADER_TIMEOUT, REUSE_PORT

TOKEN = "S3cr3t-T0ken"


@pytest.fixture
def archive(tmp_path: Path) -> str:
    """An empty SQLite archive at head (what is served does not matter here)."""
    url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    upgrade(url)
    return url


# -- one-line refusals ------------------------------------------------------------------------


def refusal(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    """Exit code and standard error of ``viva-archive argv`` (argparse exits, the rest returns)."""
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    return code, err


def test_bad_serve_options_are_refused_in_one_line(
    archive: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    serve = ["--database-url", archive, "serve"]
    code, err = refusal(capsys, *serve, "--host", "")
    assert code == 2 and "--host: is empty" in err
    code, err = refusal(capsys, *serve, "--token-file", str(tmp_path / "none"))
    assert code == 2 and "--token-file" in err
    code, err = refusal(capsys, *serve, "--base-url", "https://a.example/prefix")
    assert code == 2 and "--base-url" in err
    code, err = refusal(capsys, *serve, "--workers", "0")
    assert code == 2


def test_argument_errors_mask_passwords(capsys: pytest.CaptureFixture[str]) -> None:
    url = "postgresql://viva:Pa55word@db.example/archive?sslpassword=Other5ecret"
    for argv in ([url], ["demo", "--database-url", url], ["--database-url"]):
        _, err = refusal(capsys, *argv)
        assert "Pa55word" not in err and "Other5ecret" not in err, err


def test_db_copy_refuses_an_in_memory_target(
    archive_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    for target in ("sqlite:///", "sqlite://", "sqlite:///:memory:"):
        code, err = refusal(capsys, "--database-url", archive_url, "db", "copy", "--to", target)
        assert code == 2 and "in-memory" in err, err


# -- a real server ----------------------------------------------------------------------------


@pytest.mark.slow
def test_access_log_masks_the_token_read_from_a_file(archive: str, tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n")
    with serving(archive, "--access-log", "--token-file", str(token_file)) as served:
        assert httpx.get(f"{served.base_url}/healthz?token={TOKEN}").status_code == 200
        bearer = {"Authorization": f"Bearer {TOKEN}"}
        assert httpx.get(f"{served.base_url}/articles", headers=bearer).status_code == 200
        assert httpx.get(f"{served.base_url}/articles").status_code == 401
    assert served.returncode == 0, served.output
    assert '"GET /healthz?token=*** HTTP/1.1" 200' in served.output
    assert TOKEN not in served.output
    assert "process list" not in served.output


@pytest.mark.slow
def test_a_token_on_the_command_line_is_warned_about(archive: str) -> None:
    with serving(archive, "--token", TOKEN) as served:
        bearer = {"Authorization": f"Bearer {TOKEN}"}
        assert httpx.get(f"{served.base_url}/healthz", headers=bearer).status_code == 200
    assert "--token is visible to every user in the process list" in served.output


@pytest.mark.slow
def test_a_port_in_use_is_one_line_and_its_own_exit_code(archive: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "viva_militer_archive.cli.main", "serve", "--port", str(port),
             "--database-url", archive],
            cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
    assert result.returncode == 4, result.stderr
    assert result.stderr.splitlines() == [
        f"viva-archive: error: cannot listen on 127.0.0.1:{port}: Address already in use"
    ]


@pytest.mark.slow
def test_a_connection_that_never_finishes_its_headers_is_closed(archive: str) -> None:
    with serving(archive) as served:
        port = int(served.base_url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port)) as slow:
            slow.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            slow.settimeout(1)
            closed = False
            for _ in range(int(HEADER_TIMEOUT * 4)):  # one header line a second, never the end
                try:
                    closed = slow.recv(1024) == b""
                    break
                except TimeoutError:
                    try:
                        slow.sendall(b"X-Slow: 1\r\n")
                    except OSError:
                        closed = True
                        break
                except OSError:
                    closed = True
                    break
            assert closed, "the server still waits for the headers"
        assert httpx.get(f"{served.base_url}/healthz").status_code == 200


LIMITED = (
    "import resource, sys; resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64)); "
    "from viva_militer_archive.cli.main import main; sys.exit(main(sys.argv[1:]))"
)
"""``viva-archive`` with 64 file descriptors."""


@pytest.mark.slow
def test_exhausted_descriptors_do_not_flood_the_log(archive: str) -> None:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-c", LIMITED, "serve", "--port", str(port), "--database-url", archive],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base)
        with flooded(port):
            time.sleep(3)  # connections pile up in the backlog while accept() fails
        assert httpx.get(f"{base}/healthz", timeout=10).status_code == 200, "it recovers"
        with flooded(port):  # and stops cleanly while accept() still fails
            time.sleep(0.5)
            server.send_signal(signal.SIGINT)
            output, _ = server.communicate(timeout=30)
    finally:
        if server.poll() is None:
            server.kill()
            server.communicate()
    about_it = [line for line in output.splitlines() if "open files" in line or "accept" in line]
    assert 1 <= len(about_it) <= 3, output[-3000:]
    assert "Traceback" not in output


@contextmanager
def flooded(port: int, count: int = 300) -> Iterator[None]:
    """``count`` connections to ``port`` held open meanwhile."""
    flood = [socket.create_connection(("127.0.0.1", port)) for _ in range(count)]
    try:
        yield
    finally:
        for sock in flood:
            sock.close()


def wait_until_up(base: str) -> None:
    for _ in range(200):
        try:
            httpx.get(f"{base}/static/style.css", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(f"{base} never answered")


def listening_sockets(port: int) -> int:
    """How many sockets listen on ``port`` (IPv4), from /proc/net/tcp."""
    hex_port = f":{port:04X}"
    lines = Path("/proc/net/tcp").read_text().splitlines()[1:]
    return sum(
        1 for line in lines if line.split()[1].endswith(hex_port) and line.split()[3] == "0A"
    )


def connections_per_process(pids: list[int], port: int) -> dict[int, int]:
    """Established connections to ``port`` that each of ``pids`` holds."""
    hex_port = f":{port:04X}"
    inodes = {
        fields[9]
        for fields in (line.split() for line in Path("/proc/net/tcp").read_text().splitlines()[1:])
        if fields[1].endswith(hex_port) and fields[3] == "01"
    }
    held = {}
    for pid in pids:
        links = [os.readlink(fd) for fd in Path(f"/proc/{pid}/fd").iterdir()]
        held[pid] = sum(1 for link in links if link.startswith("socket:[") and link[8:-1] in inodes)
    return held


def workers_of(pid: int) -> list[int]:
    """The worker processes uvicorn spawned (not multiprocessing's resource tracker)."""
    found = [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    return [
        child for child in found if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes()
    ]


@pytest.fixture
def keep_alive_connections() -> Iterator[list[http.client.HTTPConnection]]:
    connections: list[http.client.HTTPConnection] = []
    yield connections
    for connection in connections:
        connection.close()


@pytest.mark.slow
@pytest.mark.skipif(not REUSE_PORT or not Path("/proc/net/tcp").exists(), reason="Linux only")
def test_workers_share_the_connections(
    archive: str, keep_alive_connections: list[http.client.HTTPConnection]
) -> None:
    with serving(archive, "--workers", "2") as served:
        port = int(served.base_url.rsplit(":", 1)[1])
        for _ in range(300):  # each worker listens on a socket of its own, once started
            if listening_sockets(port) == 2:
                break
            time.sleep(0.1)
        assert listening_sockets(port) == 2
        workers = workers_of(served.pid)
        for _ in range(16):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.request("GET", "/api/ping")
            assert connection.getresponse().read() == b'{"ok":true}'
            keep_alive_connections.append(connection)
        held = connections_per_process(workers, port)
        assert len(held) == 2 and sum(held.values()) == 16 and min(held.values()) >= 1, held
    assert served.returncode == 0, served.output


def test_listening_sockets_say_they_are_tcp() -> None:
    """asyncio turns Nagle off (TCP_NODELAY) only on sockets created as IPPROTO_TCP: with
    proto 0 every page waited for a delayed ACK (~44 ms)."""
    import socket

    from viva_militer_archive.web.serving import listening_socket, own_socket

    shared = listening_socket("127.0.0.1", 0, shared=True)
    own = own_socket(shared)
    try:
        assert shared.proto == own.proto == socket.IPPROTO_TCP
    finally:
        own.close()
        shared.close()
