"""The doctor: real round trips through installed launchers, and each failure it must catch."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from pocket_companion_installer import roundtrip
from pocket_companion_installer.browsers import BROWSERS
from pocket_companion_installer.doctor import Check, Report, diagnose
from pocket_companion_installer.install import apply, plan_install
from pocket_companion_installer.machine import Machine
from pocket_companion_installer.registry import RegKey

from tests.support.frames import CHROME_ORIGIN, FIREFOX_ID
from tests.support.machines import fake_machine, real_machine

CHROMIUM_MANIFEST = ".config/chromium/NativeMessagingHosts/pocket_companion.json"
FIREFOX_MANIFEST = ".mozilla/native-messaging-hosts/pocket_companion.json"


@pytest.fixture
def machine(tmp_path: Path) -> Machine:
    return real_machine(tmp_path / "fakehome", tmp_path / "data")


def install(machine: Machine, *names: str) -> Path:
    """Install for these browsers; return the launcher."""
    apply(machine, plan_install(machine, "user", names))
    return Path(tmp_data(machine)) / "native-host" / "pocket-companion-host"


def tmp_data(machine: Machine) -> str:
    return machine.env["POCKET_COMPANION_HOME"]


def checks(report: Report) -> dict[str, Check]:
    return {check.name: check for check in report.checks}


def failure(report: Report) -> Check:
    assert not report.ok
    return next(check for check in report.checks if not check.ok)


def test_a_real_round_trip_through_the_installed_launcher(machine: Machine) -> None:
    install(machine, "chromium", "firefox")
    for name, family, caller in (("chromium", "chromium", CHROME_ORIGIN),
                                 ("firefox", "firefox", FIREFOX_ID)):
        report = diagnose(BROWSERS[name], machine)
        assert report.ok, [c.to_dict() for c in report.checks]
        assert list(checks(report)) == ["manifest", "extension", "launcher", "round trip"]
        assert report.startup_ms is not None and report.startup_ms > 0
        assert "hello answered in" in checks(report)["round trip"].detail
        log = (Path(tmp_data(machine)) / "logs" / "pocket-companion.log").read_text()
        assert f"started by {family} {caller}" in log  # the data folder the launcher pins


def test_the_host_is_started_as_the_browser_starts_it(machine: Machine, tmp_path: Path) -> None:
    launcher = install(machine, "chromium", "firefox")
    probe = tmp_path / "probe.txt"
    launcher.write_text(
        "#!/bin/sh\n"
        f"{{ pwd; echo \"args:$*\"; env; (: </dev/tty) 2>/dev/null && echo tty=yes "
        f"|| echo tty=no; }} >> '{probe}'\n"
        f"exec '{sys.executable}' -m pocket_companion.nativehost.host \"$@\"\n")
    assert diagnose(BROWSERS["chromium"], machine).ok
    assert diagnose(BROWSERS["firefox"], machine).ok
    lines = probe.read_text().splitlines()
    assert lines.count(str(launcher.parent)) == 2  # cwd: the launcher's folder
    assert f"args:{CHROME_ORIGIN}" in lines
    assert f"args:{machine.home / FIREFOX_MANIFEST} {FIREFOX_ID}" in lines
    assert "PATH=/usr/bin:/bin:/usr/sbin:/sbin" in lines
    assert f"HOME={machine.home}" in lines
    assert not [line for line in lines if line.startswith(("POCKET_", "PYTHON", "VIRTUAL_ENV"))]
    assert lines.count("tty=no") == 2


def test_no_manifest(machine: Machine) -> None:
    report = diagnose(BROWSERS["chromium"], machine)
    check = failure(report)
    assert check.name == "manifest" and "no manifest in any of the 2 places" in check.detail
    assert check.sees == "Specified native messaging host not found."
    assert check.fix == "pocket-companion install --browser chromium"
    firefox = failure(diagnose(BROWSERS["firefox"], machine))
    assert firefox.sees == "No such native application pocket_companion"


def test_wrong_extension_id(machine: Machine) -> None:
    install(machine, "chromium", "firefox")
    chromium = Path(machine.home) / CHROMIUM_MANIFEST
    data = json.loads(chromium.read_text())
    data["allowed_origins"] = ["chrome-extension://abcdefghijklmnopabcdefghijklmnop/"]
    chromium.write_text(json.dumps(data))
    check = failure(diagnose(BROWSERS["chromium"], machine))
    assert check.name == "extension"
    assert check.sees == "Access to the specified native messaging host is forbidden."
    firefox = Path(machine.home) / FIREFOX_MANIFEST
    data = json.loads(firefox.read_text())
    data["allowed_extensions"] = ["pocket-companion@nixos"]
    firefox.write_text(json.dumps(data))
    check = failure(diagnose(BROWSERS["firefox"], machine))
    assert check.name == "extension"
    assert check.log == f"This extension does not have permission to use native manifest {firefox}"


def test_launcher_not_executable(machine: Machine) -> None:
    launcher = install(machine, "chromium", "firefox")
    launcher.chmod(0o644)
    check = failure(diagnose(BROWSERS["chromium"], machine))
    assert check.name == "launcher" and "not an executable file" in check.detail
    # Chromium forks, then exec fails: it notices the end of output or the failed write first
    assert check.sees == ("Native host has exited. or Error when communicating with the native "
                          "messaging host. (by timing)")
    assert failure(diagnose(BROWSERS["firefox"], machine)).sees == "An unexpected error occurred"
    launcher.unlink()
    check = failure(diagnose(BROWSERS["chromium"], machine))
    assert check.log.startswith("Found manifest, but not the binary for native messaging host")


def test_stray_output_on_stdout_is_decoded_and_named(machine: Machine) -> None:
    launcher = install(machine, "chromium", "firefox")
    launcher.write_text(f"#!/bin/sh\necho /home/me/.venv/bin/python\n"
                        f"exec '{sys.executable}' -m pocket_companion.nativehost.host \"$@\"\n")
    check = failure(diagnose(BROWSERS["chromium"], machine))
    assert check.name == "round trip"
    assert "stray output on stdout" in check.detail
    assert "'/home/me/.venv/bin/python'" in check.detail and "b'/hom'" in check.detail
    size = int.from_bytes(b"/hom", sys.byteorder)
    assert check.log == f"Native Messaging host tried sending a message that is {size} bytes long."
    assert check.sees == "Error when communicating with the native messaging host."
    firefox = failure(diagnose(BROWSERS["firefox"], machine))
    assert firefox.log == (f"Native application tried to send a message of {size} bytes, which "
                           "exceeds the limit of 1048576 bytes.")


def test_a_host_that_exits_or_an_interpreter_that_is_gone(machine: Machine) -> None:
    launcher = install(machine, "chromium")
    launcher.write_text("#!/bin/sh\necho 'no module named pocket_companion' >&2\nexit 3\n")
    check = failure(diagnose(BROWSERS["chromium"], machine))
    assert check.sees == "Native host has exited."
    assert "status 3" in check.detail and "no module named pocket_companion" in check.detail
    launcher.write_text("#!/bin/sh\nexec /gone/venv/bin/python -m "
                        'pocket_companion.nativehost.host "$@"\n')
    check = failure(diagnose(BROWSERS["chromium"], machine))
    assert check.name == "launcher" and "/gone/venv/bin/python, which no longer exists" \
        in check.detail


def test_other_stray_headers_are_named() -> None:
    echoed = roundtrip.stray_output(b"\r\nC:", b"\\Users\\me>python -m x\r\n", "chromium")
    assert "cmd.exe echoed a command" in echoed.detail and "@echo off" in echoed.detail
    binary = roundtrip.stray_output(b"\xff\xff\xff\x7f", b"", "firefox")
    assert "over the browser's 1 MiB limit" in binary.detail


def test_chromium_uses_the_first_manifest_even_broken_firefox_passes_over_it(
        tmp_path: Path) -> None:
    linux = fake_machine("linux", tmp_path)
    apply(linux, plan_install(linux, "system", ["chromium", "firefox"]))
    for user in (CHROMIUM_MANIFEST, FIREFOX_MANIFEST):
        stale = tmp_path / "home/me" / user
        stale.parent.mkdir(parents=True)
        stale.write_text('{"name": "pocket_companion", "description": ""}')
    chromium = diagnose(BROWSERS["chromium"], linux, live=False)
    assert failure(chromium).log.endswith("Invalid value for description.")
    assert chromium.manifest == f"/home/me/{CHROMIUM_MANIFEST}"
    assert chromium.shadowed == ["/etc/chromium/native-messaging-hosts/pocket_companion.json"]
    firefox = diagnose(BROWSERS["firefox"], linux, live=False)
    assert firefox.ok
    assert firefox.manifest == "/usr/lib/mozilla/native-messaging-hosts/pocket_companion.json"
    assert "passes over /home/me/.mozilla" in checks(firefox)["skipped manifest"].detail


def test_a_registry_value_naming_a_missing_file(tmp_path: Path) -> None:
    win = fake_machine("windows", tmp_path)
    apply(win, plan_install(win, "user", ["firefox"]))
    report = diagnose(BROWSERS["firefox"], win, live=False)
    assert report.ok and report.source == (
        "HKCU\\SOFTWARE\\Mozilla\\NativeMessagingHosts\\pocket_companion (registry)")
    assert win.registry is not None
    win.registry.set(RegKey("HKLM", 64, "SOFTWARE\\Mozilla\\NativeMessagingHosts\\"
                                        "pocket_companion"), "C:/old/pocket_companion.json")
    assert diagnose(BROWSERS["firefox"], win, live=False).shadowed == [
        "C:\\old\\pocket_companion.json"]
    manifest = tmp_path / "C/Users/me/AppData/Local/pocket-companion/native-host/firefox"
    (manifest / "pocket_companion.json").unlink()
    check = failure(diagnose(BROWSERS["firefox"], win, live=False))
    assert "is referenced in the registry but does not exist" in check.log


def test_flatpak_browsers_need_permission_to_leave_the_sandbox(tmp_path: Path) -> None:
    linux = fake_machine("linux", tmp_path)
    apply(linux, plan_install(linux, "user", ["chromium-flatpak"]))
    check = failure(diagnose(BROWSERS["chromium-flatpak"], linux))
    assert check.name == "sandbox"
    assert check.fix.startswith("flatpak override --user --talk-name=org.freedesktop.Flatpak "
                                "org.chromium.Chromium")
    override = tmp_path / "var/lib/flatpak/overrides/org.chromium.Chromium"
    override.parent.mkdir(parents=True)
    override.write_text("[Session Bus Policy]\norg.freedesktop.Flatpak=talk\n")
    assert diagnose(BROWSERS["chromium-flatpak"], linux).ok


def test_browser_argv_and_environment_shapes() -> None:
    assert roundtrip.browser_argv("/l/host", "chromium", CHROME_ORIGIN, "/m.json", False) == [
        "/l/host", CHROME_ORIGIN]
    assert roundtrip.browser_argv("C:\\l\\host.cmd", "chromium", CHROME_ORIGIN, "m", True,
                                  "C:\\Windows\\system32\\cmd.exe") == [
        "C:\\Windows\\system32\\cmd.exe", "/d", "/c", "C:\\l\\host.cmd", CHROME_ORIGIN,
        "--parent-window=0"]
    assert roundtrip.browser_argv("C:\\l\\host.exe", "firefox", FIREFOX_ID, "C:\\m.json",
                                  True) == ["C:\\l\\host.exe", "C:\\m.json", FIREFOX_ID]
    env = roundtrip.browser_env({**os.environ, "HOME": "/h", "VIRTUAL_ENV": "/v"}, False)
    assert env["HOME"] == "/h" and "VIRTUAL_ENV" not in env
