"""The CLI: the same data as the protocol with --json, and one clear line on errors."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.support.frames import REPO, HostProcess


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pocket_companion", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=60)


def test_save_then_list_with_no_account(home: object) -> None:
    saved = run("save", "https://example.org/?utm_source=a", "--title", "Example",
                "--tag", "Read", "--tag", "later")
    assert saved.returncode == 0, saved.stderr
    assert "locally" in saved.stdout
    listed = run("list")
    assert "Example <https://example.org/>  [read, later]" in listed.stdout
    data = json.loads(run("list", "--json").stdout)
    assert data["total"] == 1 and data["items"][0]["state"] == "pending"


def test_json_output_is_the_protocols_data_object(home: object) -> None:
    cli = json.loads(run("save", "--json", "https://example.org/j").stdout)
    host = HostProcess({})
    reply = host.request("save", {"url": "https://example.org/j"})
    host.close()
    assert reply["data"] == cli
    status = json.loads(run("status", "--json").stdout)
    assert status["account"] is None and status["pending"] == 1


def test_errors_exit_non_zero_with_one_line(home: object) -> None:
    for args in (["save", "ftp://example.org/"], ["save", "https://e.org/", "--tag", "x" * 30],
                 ["sync"], ["login", "--server", "http://remote.example"],
                 ["save", "https://ex\u202eample.com/"]):  # not valid IDNA
        result = run(*args)
        assert result.returncode != 0
        assert result.stdout == ""
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert result.stderr.startswith("pocket-companion: ")


def test_login_needs_a_consumer_key(home: object) -> None:
    result = run("login", "--system-browser", "--timeout", "1")
    assert result.returncode == 1 and "consumer key" in result.stderr
