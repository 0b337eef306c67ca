"""``viva-archive watch ...`` and ``viva-archive alerts [deliver]`` as users run them."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap

import pytest

from storage.watches import WatchSpec, WatchStore
from storage.writes import ArchiveWriter
from tests.alert_receivers import SECRET, webhook_receiver
from tests.cli_helpers import viva
from tests.factories import make_item
from viva_militer_archive.cli.main import main

ENV = {"VIVA_WEBHOOK_SECRET": SECRET, "VIVA_ALERT_RETRY_BASE": "0"}


def run(url: str, *arguments: str) -> int:
    return main(["--database-url", url, *arguments])


def test_add_list_remove(archive_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(archive_url, "watch", "add", "kri", "--query", "KRI Nanggala", "--tag", "TNI AL",
               "--events", "new,gone", "--webhook", "http://127.0.0.1:9/h",
               "--email", "a@example.org") == 0  # fmt: skip
    assert "watch 'kri' added: new, gone" in capsys.readouterr().out
    assert run(archive_url, "watch", "list", "--json") == 0
    [record] = json.loads(capsys.readouterr().out)
    assert record["query"] == "KRI Nanggala" and record["tag"] == "TNI AL"
    assert record["destinations"] == ["webhook:http://127.0.0.1:9/h", "email:a@example.org"]
    assert run(archive_url, "watch", "list") == 0
    assert "kri" in capsys.readouterr().out
    assert run(archive_url, "watch", "remove", "kri") == 0
    assert run(archive_url, "watch", "list") == 0
    assert "no watches yet" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--query", "x", "--webhook", "ftp://h/"], "not an http(s) URL"),
        (["--query", "x", "--email", "nobody"], "not an email address"),
        (["--query", "x"], "at least one --webhook or --email"),
        (["--query", "?!", "--webhook", "http://h/"], "holds no word"),
        (["--events", "new,edited", "--webhook", "http://h/"], "comma-separated list"),
    ],
)
def test_bad_watches_are_one_line_errors(
    archive_url: str, capsys: pytest.CaptureFixture[str], arguments: list[str], message: str
) -> None:
    try:
        code = run(archive_url, "watch", "add", "w", *arguments)
    except SystemExit as exc:  # argparse refuses the --events value itself
        code = int(exc.code or 0)
    assert code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_watch_test_says_what_each_destination_did(archive_url: str) -> None:
    with webhook_receiver() as hooks:
        WatchStore(archive_url).add(WatchSpec(
            "w", query="rudal", destinations=(f"webhook:{hooks.url}", "webhook:http://127.0.0.1:9/")
        ))  # fmt: skip
        result = viva("--database-url", archive_url, "watch", "test", "w", env=ENV)
    assert result.returncode == 1
    assert f"webhook:{hooks.url}: sent" in result.stdout
    assert "webhook:http://127.0.0.1:9/: failed: URLError: [Errno 111]" in result.stdout
    [payload] = hooks.accepted
    assert payload["event"] == "test" and payload["sample"] is True
    assert SECRET not in result.stdout + result.stderr


WRITE_AND_DIE = textwrap.dedent(
    """
    import os, signal, sys
    from storage.writes import ArchiveWriter
    from tests.factories import make_item
    ArchiveWriter(sys.argv[1]).store_articles(
        [make_item(n, body="Rudal diluncurkan.") for n in (41, 42, 43)]
    )
    os.kill(os.getpid(), signal.SIGKILL)  # dies between the write and any delivery
    """
)


def test_a_kill_between_write_and_delivery_delivers_exactly_once(archive_url: str) -> None:
    with webhook_receiver() as hooks:
        WatchStore(archive_url).add(
            WatchSpec("w", query="rudal", destinations=(f"webhook:{hooks.url}",))
        )
        died = subprocess.run([sys.executable, "-c", WRITE_AND_DIE, archive_url], check=False)
        assert died.returncode == -signal.SIGKILL
        first = viva("--database-url", archive_url, "alerts", "deliver", env=ENV)
        second = viva("--database-url", archive_url, "alerts", "deliver", env=ENV)
    assert "alerts: 3 sent, 0 to retry, 0 failed" in first.stdout, first.stderr
    assert second.returncode == 0 and second.stdout == ""  # nothing due: nothing said
    ids = hooks.accepted_ids()
    assert len(ids) == 3 == len(set(ids)) and hooks.bad_signatures == 0
    assert sorted(p["article"]["article_id"] for p in hooks.accepted) == [41, 42, 43]


def test_alerts_lists_deliveries_and_failures(
    archive_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with webhook_receiver(always=410) as hooks:
        WatchStore(archive_url).add(WatchSpec("w", destinations=(f"webhook:{hooks.url}",)))
        ArchiveWriter(archive_url).store_articles([make_item(51), make_item(52)])
        result = viva("--database-url", archive_url, "alerts", "deliver", env=ENV)
    assert "1 failed, 1 deferred" in result.stdout
    assert run(archive_url, "alerts", "--failed", "--json") == 0
    [failed] = json.loads(capsys.readouterr().out)
    assert failed["status"] == "failed" and failed["last_error"] == "HTTP 410; 1 attempts"
    assert run(archive_url, "alerts") == 0
    out = capsys.readouterr().out
    assert "failed" in out and "pending" in out
