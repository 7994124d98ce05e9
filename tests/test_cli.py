"""The CLI: the same data as the protocol with --json, and one clear line on errors; list's
search and filters with the next page's command; the bulk commands through modify_many."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path

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


def lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_list_searches_marks_pages_and_prints_the_next_page_command(home: object) -> None:
    for n, (title, tag) in enumerate([("Le Café de Flore", "paris"), ("Café au lait", "food"),
                                      ("Tea time", "food")]):
        run("save", f"https://example.org/{n}", "--title", title, "--tag", tag)
    assert run("archive", "https://example.org/0").returncode == 0
    assert run("favorite", "https://example.org/0", "https://example.org/1").returncode == 0
    shown = lines(run("list", "--search", "cafe", "--sort", "oldest"))
    assert shown[0].endswith("Le Café de Flore <https://example.org/0>  [paris]  "
                             "(archived, favourite)")
    assert shown[1].endswith("Café au lait <https://example.org/1>  [food]  (favourite)")
    assert shown[2] == "2 of 2 matching saved pages shown (* = not yet synced)"
    first = lines(run("list", "--tag", "food", "--favorite", "--limit", "1"))
    assert "Café au lait" in first[0] and len(first) == 2  # one page, no next one
    page = lines(run("list", "--search", "tag:food", "--limit", "1", "--sort", "oldest"))
    assert "Café au lait" in page[0] and page[1].startswith("1 of 2 matching")
    command = page[2].removeprefix("Next page: ")
    assert command == ("pocket-companion list --search tag:food --sort oldest --limit 1 "
                       "--offset 1")
    assert "Tea time" in lines(run(*shlex.split(command)[1:]))[0]
    data = json.loads(run("list", "--json", "--status", "archived").stdout)
    assert [item["url"] for item in data["items"]] == ["https://example.org/0"]


def test_bulk_commands_change_pages_and_report_what_failed(home: object) -> None:
    urls = [f"https://example.org/{n}" for n in range(3)]
    for url in urls:
        run("save", url, "--tag", "old")
    done = run("archive", *urls[:2], "https://example.org/unknown")
    assert done.returncode == 1 and done.stdout == "Archived 2 pages\n"
    assert done.stderr == ("pocket-companion: https://example.org/unknown: that page is not in "
                           "the reading list\n")
    assert lines(run("unarchive", urls[0])) == ["Moved 1 page back to unread"]
    assert lines(run("unfavorite", urls[0])) == ["Removed 1 page from the favourites"]
    tagged = json.loads(run("tag", *urls, "--add", "new", "--remove", "old", "--json").stdout)
    assert tagged["tags_add"]["applied"] == tagged["tags_remove"]["applied"] == 3
    assert lines(run("tag", urls[0], "--add", "x"))[0] == "Tagged 1 page: +x"
    deleted = lines(run("delete", *urls[1:]))
    assert deleted == ["Deleted 2 pages", f"Undo within 10 s: pocket-companion restore "
                                          f"{urls[1]} {urls[2]}"]
    assert lines(run(*shlex.split(deleted[1].removeprefix("Undo within 10 s: "))[1:])) == [
        "Restored 2 pages"]
    data = json.loads(run("list", "--json").stdout)
    assert {item["url"]: item["tags"] for item in data["items"]} == {
        urls[0]: ["new", "x"], urls[1]: ["new"], urls[2]: ["new"]}
    for args in (["tag", urls[0]], ["tag", urls[0], "--add", "a", "--remove", "a"],
                 ["restore", urls[0]]):
        failed = run(*args)
        assert failed.returncode != 0 and failed.stderr.startswith("pocket-companion: ")
        assert len(failed.stderr.strip().splitlines()) == 1, failed.stderr


def test_untrusted_text_in_failures_is_shown_inert(home: object) -> None:
    result = run("delete", "https://example.org/\x1b]0;owned\x07")
    assert result.returncode == 1
    assert "\x1b" not in result.stderr and "\\x1b]0;owned\\x07" in result.stderr


def test_a_reader_that_stops_early_is_not_a_failure(home: object, tmp_path: Path) -> None:
    rows = "".join(f"Page {i},https://example.org/many/{i},{1600000000 + i},,unread\n"
                   for i in range(5000))
    (tmp_path / "many.csv").write_text("title,url,time_added,tags,status\n" + rows)
    run("import", str(tmp_path / "many.csv"))  # an export far larger than a pipe's buffer
    for args in (["export", "--format", "csv"], ["list", "--limit", "1000"], ["doctor"]):
        proc = subprocess.Popen([sys.executable, "-m", "pocket_companion", *args], cwd=REPO,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.read(5)  # as `| head -c 5` does, then the reader is gone
        proc.stdout.close()
        errors = proc.stderr.read().decode()
        proc.wait(60)
        assert "unexpected error" not in errors and "Traceback" not in errors, (args, errors)
        assert "BrokenPipe" not in errors and "Exception ignored" not in errors, (args, errors)


def test_help_is_plain_prose() -> None:
    commands = ["", "save", "list", "archive", "delete", "restore", "tag", "status", "sync",
                "login", "logout", "import", "export", "install", "uninstall", "doctor"]
    for command in commands:
        text = run(*command.split(), "--help").stdout
        assert text.startswith("usage: pocket-companion"), command
        for markup in ("``", "`", ":mod:", ":class:", ":func:", "**"):
            assert markup not in text, (command, markup)
