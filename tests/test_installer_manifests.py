"""Manifests and launchers as install writes them (golden files), and the browsers' rules.

The golden files under tests/golden were reviewed by hand: Chromium manifests carry
``allowed_origins`` with the trailing ``/``, Firefox ones only ``allowed_extensions``,
``path`` is the absolute launcher, and the launchers pin the installing Python.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from pocket_companion.nativehost.caller import host_manifest
from pocket_companion_installer.install import apply, plan_install
from pocket_companion_installer.launcher import launcher_for, pinned_python
from pocket_companion_installer.manifests import check, check_ids, parse, render

from tests.support.machines import fake_machine

GOLDEN = Path(__file__).parent / "golden"


def golden(name: str) -> bytes:
    return (GOLDEN / name).read_bytes()


def test_linux_files_match_the_golden_ones(tmp_path: Path) -> None:
    linux = fake_machine("linux", tmp_path)
    apply(linux, plan_install(linux, "user", ["chromium", "firefox"]))
    home = tmp_path / "home/me"
    assert (home / ".config/chromium/NativeMessagingHosts/pocket_companion.json").read_bytes() \
        == golden("chromium-linux.json")
    assert (home / ".mozilla/native-messaging-hosts/pocket_companion.json").read_bytes() \
        == golden("firefox-linux.json")
    launcher = home / ".local/share/pocket-companion/native-host/pocket-companion-host"
    assert launcher.read_bytes() == golden("launcher.sh")


def test_windows_files_match_the_golden_ones(tmp_path: Path) -> None:
    win = fake_machine("windows", tmp_path,
                       env={"POCKET_COMPANION_HOME": "C:/Users/me/Reading List"})
    apply(win, plan_install(win, "user", ["edge", "firefox"]))
    base = tmp_path / "C/Users/me/Reading List/native-host"
    assert (base / "chromium/pocket_companion.json").read_bytes() == golden("chromium-windows.json")
    assert (base / "firefox/pocket_companion.json").read_bytes() == golden("firefox-windows.json")
    assert (base / "pocket-companion-host.cmd").read_bytes() == golden("launcher.cmd")
    assert b"\r\n" in golden("launcher.cmd") and golden("launcher.cmd").startswith(b"@echo off")


def test_flatpak_launcher_steps_out_of_the_sandbox(tmp_path: Path) -> None:
    linux = fake_machine("linux", tmp_path, env={"POCKET_COMPANION_HOME": "/home/me/pc data"})
    plan = plan_install(linux, "user", ["firefox-flatpak"])
    apply(linux, plan)
    launcher = tmp_path / ("home/me/.var/app/org.mozilla.firefox/data/pocket-companion/"
                           "pocket-companion-host")
    assert launcher.read_bytes() == golden("launcher-flatpak.sh")
    assert "flatpak override --user --talk-name=org.freedesktop.Flatpak org.mozilla.firefox" \
        in plan.notes[0]


def test_windows_prefers_the_console_script_exe(tmp_path: Path) -> None:
    win = fake_machine("windows", tmp_path, python="C:/venv/Scripts/python.exe")
    exe = tmp_path / "C/venv/Scripts/pocket-companion-host.exe"
    exe.write_bytes(b"MZ")
    launcher = launcher_for(win, "user")
    assert str(launcher.path) == "C:\\venv\\Scripts\\pocket-companion-host.exe"
    assert launcher.text is None
    plan = plan_install(win, "user", ["chrome"])
    assert not [w for w in plan.writes if str(w.path).endswith((".exe", ".cmd"))]
    manifest = json.loads(plan.writes[0].content)
    assert manifest["path"] == "C:\\venv\\Scripts\\pocket-companion-host.exe"


def test_manifests_are_rendered_from_the_root_one() -> None:
    root = host_manifest()
    chromium, firefox = render("chromium", "/x/host"), render("firefox", "/x/host")
    assert chromium["allowed_origins"] == root["allowed_origins"]
    assert all(origin.endswith("/") for origin in chromium["allowed_origins"])
    assert "allowed_extensions" not in chromium and "allowed_origins" not in firefox
    assert firefox["allowed_extensions"] == root["allowed_extensions"]
    assert chromium["name"] == firefox["name"] == root["name"]
    assert chromium["description"] == root["description"]


def test_pinned_python_is_read_back_from_each_kind_of_launcher() -> None:
    assert pinned_python(golden("launcher.sh").decode()) == "/opt/venv/bin/python"
    assert pinned_python(golden("launcher-flatpak.sh").decode()) == "/opt/venv/bin/python"
    assert pinned_python(golden("launcher.cmd").decode()) == \
        "C:\\Program Files\\Python311\\python.exe"
    assert pinned_python("#!/bin/sh\necho hi\n") is None
    for name in ("launcher.sh", "launcher.cmd"):  # as release 0.1 wrote them: still ours
        old = golden(name).decode().replace("nativehost.host", "hostmain")
        assert pinned_python(old) in ("/opt/venv/bin/python",
                                      "C:\\Program Files\\Python311\\python.exe")


def mutate(family: str, change: dict[str, Any], drop: str | None = None) -> dict[str, Any]:
    manifest = copy.deepcopy(render(family, "/opt/pc/host"))  # type: ignore[arg-type]
    manifest.update(change)
    if drop:
        del manifest[drop]
    return manifest


CHROME_NOT_FOUND = "Specified native messaging host not found."
FIREFOX_NOT_FOUND = "No such native application pocket_companion"
PREFIX = "Failed to load manifest for native messaging host pocket_companion: "
ORIGIN = "chrome-extension://nggnhainknahgofikifmilofhkfaecpj"


@pytest.mark.parametrize(("family", "manifest", "log"), [
    ("chromium", mutate("chromium", {"description": ""}),
     PREFIX + "Invalid value for description."),
    ("chromium", mutate("chromium", {}, drop="description"),
     PREFIX + "Invalid value for description."),
    ("chromium", mutate("chromium", {"name": "Pocket_Companion"}),
     PREFIX + "Invalid value for name."),
    ("chromium", mutate("chromium", {"name": "other_host"}),
     PREFIX + "Invalid name specified in the manifest."),
    ("chromium", mutate("chromium", {"type": "pipe"}), PREFIX + "Invalid value for type."),
    ("chromium", mutate("chromium", {"allowed_origins": [ORIGIN]}),
     PREFIX + f'Failed to parse pattern "{ORIGIN}": Empty path.'),
    ("chromium", mutate("chromium", {"allowed_origins": "chrome-extension://*/"}),
     PREFIX + "Invalid value for allowed_origins. Expected a list of strings."),
    ("chromium", mutate("chromium", {"allowed_origins": ["chrome-extension://*/"]}),
     PREFIX + 'Pattern "chrome-extension://*/" is not allowed.'),
    ("chromium", mutate("chromium", {}, drop="allowed_origins"),
     PREFIX + "Invalid value for allowed_origins. Expected a list of strings."),
    ("chromium", mutate("chromium", {"path": "bin/host"}),
     "Native messaging host path must be absolute for pocket_companion"),
    ("chromium", [], PREFIX + "Invalid manifest file."),
    ("firefox", mutate("firefox", {"allowed_origins": [ORIGIN + "/"]}),
     "Error processing allowed_origins: An unexpected property was found in the WebExtension "
     "manifest."),
    ("firefox", mutate("firefox", {"name": "other_host"}),
     "Native manifest M has name property other_host (expected pocket_companion)"),
    ("firefox", mutate("firefox", {"path": "host.sh"}),
     "Native manifest M has relative path value host.sh (expected absolute path)"),
    ("firefox", mutate("firefox", {"type": "pkcs11"}),
     "Native manifest M has type property pkcs11 (expected stdio)"),
    ("firefox", mutate("firefox", {"allowed_extensions": []}),
     "Error processing allowed_extensions: expected a non-empty list of add-on ids"),
])
def test_broken_manifests_are_refused_in_the_browsers_words(
        tmp_path: Path, family: str, manifest: Any, log: str) -> None:
    linux = fake_machine("linux", tmp_path)
    issue = check(manifest, family, linux, "M")  # type: ignore[arg-type]
    assert issue is not None
    assert issue.log == log
    assert issue.sees == (CHROME_NOT_FOUND if family == "chromium" else FIREFOX_NOT_FOUND)


def test_relative_paths_are_allowed_on_windows_only(tmp_path: Path) -> None:
    win = fake_machine("windows", tmp_path)
    assert check(mutate("chromium", {"path": "host.cmd"}), "chromium", win, "M") is None
    assert check(mutate("firefox", {"path": "host.cmd"}), "firefox", win, "M") is None


def test_wrong_extension_ids_and_broken_json_are_named() -> None:
    wrong = mutate("chromium",
                   {"allowed_origins": ["chrome-extension://abcdefghijklmnopabcdefghijklmnop/"]})
    issue = check_ids(wrong, "chromium", "M")
    assert issue and issue.sees == "Access to the specified native messaging host is forbidden."
    assert ORIGIN + "/" in issue.log
    issue = check_ids(mutate("firefox", {"allowed_extensions": ["x@y"]}), "firefox", "/m.json")
    assert issue and issue.log == ("This extension does not have permission to use native "
                                   "manifest /m.json")
    _, issue = parse('{"name": ', "firefox", "/m.json")
    assert issue and issue.log.startswith("Error parsing native manifest /m.json: JSON.parse:")
    _, issue = parse("{,}", "chromium", "/m.json")
    assert issue and issue.log.startswith(PREFIX) and issue.sees == CHROME_NOT_FOUND
