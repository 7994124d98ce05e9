"""The browser table, driven for every browser, OS and scope in a fake root and registry.

Each case installs, checks every file and key against the browsers' rules, lets the
doctor find the result through the browser's own search order, uninstalls twice and
ends with nothing left. The quirk tests pin the paths the table must produce.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path, PurePath

import pytest
from pocket_companion_installer.browsers import (
    BROWSERS,
    Folder,
    Key,
    detect,
    lookup,
    search_order,
    targets,
)
from pocket_companion_installer.doctor import diagnose
from pocket_companion_installer.install import apply, plan_install, uninstall
from pocket_companion_installer.machine import OS_NAMES, SCOPES, Machine, OSName, Scope
from pocket_companion_installer.manifests import check, check_ids
from pocket_companion_installer.receipt import InstallError
from pocket_companion_installer.registry import RegKey

from tests.support.machines import fake_machine, files_under
from tests.support.registry import MemoryRegistry

CASES = [(name, os_name, scope) for name in BROWSERS for os_name in OS_NAMES
         for scope in SCOPES if os_name in BROWSERS[name].specs]


def paths(places: list[Folder | Key]) -> list[str]:
    return [str(p.path) if isinstance(p, Folder) else str(p.key) for p in places]


@pytest.mark.parametrize(("name", "os_name", "scope"), CASES)
def test_install_doctor_uninstall_for_every_browser_os_and_scope(
        tmp_path: Path, name: str, os_name: OSName, scope: Scope) -> None:
    machine = fake_machine(os_name, tmp_path / "root")
    browser = BROWSERS[name]
    plan = plan_install(machine, scope, [name])
    if browser.flatpak and scope == "system":
        assert plan.browsers == [] and "sandbox" in plan.skipped[0]["reason"]
        return
    if browser.flatpak:  # the permission the install's note asks for
        allow_flatpak_spawn(tmp_path / "root", browser.flatpak)
    before = set(files_under(tmp_path / "root"))
    entries = apply(machine, plan)
    assert {e.kind for e in entries} >= {"file"}
    for write in plan.writes:
        if write.key is not None:
            assert machine.registry and machine.registry.get(write.key) == write.content
            assert machine.real(machine.path(write.content)).is_file()
            continue
        assert write.path is not None
        real = machine.real(write.path)
        assert stat.S_IMODE(real.stat().st_mode) == write.mode
        if write.mode == 0o644:
            manifest = json.loads(real.read_text())
            where = str(write.path)
            assert check(manifest, browser.family, machine, where) is None
            assert check_ids(manifest, browser.family, where) is None
            assert machine.path(manifest["path"]).is_absolute()
    report = diagnose(browser, machine, live=False)
    assert report.ok, [c.to_dict() for c in report.checks]
    assert report.source == next(str(p) for p in search_order(browser, machine)
                                 if p.scope == scope and _holds(machine, p))
    results = uninstall(machine, scope, [name])
    assert {outcome for _, outcome in results} == {"removed"}
    assert set(files_under(tmp_path / "root")) == before
    assert isinstance(machine.registry, MemoryRegistry) and not machine.registry.values
    assert uninstall(machine, scope, [name]) == []
    assert not diagnose(browser, machine, live=False).ok


def allow_flatpak_spawn(root: Path, app: str) -> None:
    override = root / "home/me/.local/share/flatpak/overrides" / app
    override.parent.mkdir(parents=True, exist_ok=True)
    override.write_text("[Session Bus Policy]\norg.freedesktop.Flatpak=talk\n")


def _holds(machine: Machine, place: Folder | Key) -> bool:
    if isinstance(place, Folder):
        return machine.real(place.path).is_file()
    return bool(machine.registry and machine.registry.get(place.key))


def test_every_browser_has_absolute_places_of_its_os_flavour(tmp_path: Path) -> None:
    for os_name in OS_NAMES:
        machine = fake_machine(os_name, tmp_path)
        for browser in BROWSERS.values():
            for place in search_order(browser, machine):
                if isinstance(place, Folder):
                    assert place.path.is_absolute() and place.path.name == "pocket_companion.json"
                    assert type(place.path) is type(machine.home)
                else:
                    assert place.key.path.endswith("\\NativeMessagingHosts\\pocket_companion")


def test_linux_quirks(tmp_path: Path) -> None:
    linux = fake_machine("linux", tmp_path, env={"XDG_CONFIG_HOME": "/home/me/.cfg"})
    folder = "/NativeMessagingHosts/pocket_companion.json"
    assert paths(targets(BROWSERS["chrome"], linux, "user")) == [
        "/home/me/.cfg/google-chrome" + folder]
    assert paths(targets(BROWSERS["chrome-dev"], linux, "user")) == [
        "/home/me/.cfg/google-chrome-unstable" + folder]
    assert paths(targets(BROWSERS["brave"], linux, "system")) == [
        "/etc/opt/chrome/native-messaging-hosts/pocket_companion.json"]
    assert paths(targets(BROWSERS["opera"], linux, "user")) == [
        "/home/me/.cfg/google-chrome" + folder]
    assert paths(targets(BROWSERS["firefox"], linux, "system")) == [
        "/usr/lib/mozilla/native-messaging-hosts/pocket_companion.json",
        "/usr/lib64/mozilla/native-messaging-hosts/pocket_companion.json"]
    assert paths(targets(BROWSERS["firefox"], linux, "user")) == [
        "/home/me/.mozilla/native-messaging-hosts/pocket_companion.json"]
    assert paths(targets(BROWSERS["edge"], linux, "user")) == [
        "/home/me/.cfg/microsoft-edge" + folder]
    assert paths(targets(BROWSERS["chrome-flatpak"], linux, "user")) == [
        "/home/me/.var/app/com.google.Chrome/config/google-chrome" + folder]
    assert paths(targets(BROWSERS["firefox-flatpak"], linux, "user")) == [
        "/home/me/.var/app/org.mozilla.firefox/.mozilla/native-messaging-hosts/"
        "pocket_companion.json"]


def test_macos_quirks(tmp_path: Path) -> None:
    mac = fake_machine("darwin", tmp_path)
    chrome_user = "/Users/me/Library/Application Support/Google/Chrome/NativeMessagingHosts"
    brave = paths(targets(BROWSERS["brave"], mac, "user"))
    assert brave == [f"{chrome_user}/pocket_companion.json",
                     "/Users/me/Library/Application Support/BraveSoftware/Brave-Browser/"
                     "NativeMessagingHosts/pocket_companion.json"]
    assert paths(targets(BROWSERS["brave"], mac, "system")) == [
        "/Library/Google/Chrome/NativeMessagingHosts/pocket_companion.json"]
    assert paths(targets(BROWSERS["chrome-canary"], mac, "user")) == [
        "/Users/me/Library/Application Support/Google/Chrome Canary/NativeMessagingHosts/"
        "pocket_companion.json"]
    assert paths(targets(BROWSERS["edge"], mac, "system")) == [
        "/Library/Microsoft/Edge/NativeMessagingHosts/pocket_companion.json"]
    assert paths(targets(BROWSERS["firefox"], mac, "user")) == [
        "/Users/me/Library/Application Support/Mozilla/NativeMessagingHosts/"
        "pocket_companion.json"]
    assert "darwin" not in BROWSERS["firefox-flatpak"].specs


def test_windows_registry_search_orders_and_writes(tmp_path: Path) -> None:
    win = fake_machine("windows", tmp_path)
    sub = "\\NativeMessagingHosts\\pocket_companion"
    edge = [p.key for p in search_order(BROWSERS["edge"], win) if isinstance(p, Key)]
    vendors = ["SOFTWARE\\Microsoft\\Edge", "SOFTWARE\\Chromium", "SOFTWARE\\Google\\Chrome"]
    assert edge == [RegKey("HKCU", None, v + sub) for v in vendors] + [
        RegKey("HKLM", view, v + sub) for view in (32, 64) for v in vendors]
    assert paths(targets(BROWSERS["edge"], win, "user")) == [
        str(RegKey("HKCU", None, vendors[0] + sub))]
    assert paths(targets(BROWSERS["edge"], win, "system")) == [
        str(RegKey("HKLM", 64, vendors[0] + sub))]
    for name in ("brave", "vivaldi", "opera", "chrome-canary"):
        assert paths(targets(BROWSERS[name], win, "user")) == [
            str(RegKey("HKCU", None, vendors[2] + sub))]
    for name in ("firefox", "librewolf"):
        assert [str(p) for p in search_order(BROWSERS[name], win)] == [
            "HKCU\\SOFTWARE\\Mozilla\\NativeMessagingHosts\\pocket_companion (registry)",
            "HKLM\\SOFTWARE\\Mozilla\\NativeMessagingHosts\\pocket_companion "
            "(registry, 32-bit view)",
            "HKLM\\SOFTWARE\\Mozilla\\NativeMessagingHosts\\pocket_companion "
            "(registry, 64-bit view)"]


def test_windows_manifests_live_in_the_data_folder_and_keys_name_them(tmp_path: Path) -> None:
    win = fake_machine("windows", tmp_path, env={"LOCALAPPDATA": "D:/Local"})
    apply(win, plan_install(win, "user", ["chrome", "edge", "firefox"]))
    registry = win.registry
    assert isinstance(registry, MemoryRegistry)
    chromium_file = "D:\\Local\\pocket-companion\\native-host\\chromium\\pocket_companion.json"
    assert registry.get(RegKey("HKCU", None, "Software\\Google\\Chrome\\NativeMessagingHosts\\"
                                             "pocket_companion")) == chromium_file
    assert registry.get(RegKey("HKCU", None, "SOFTWARE\\Microsoft\\Edge\\NativeMessagingHosts\\"
                                             "pocket_companion")) == chromium_file
    firefox = json.loads((tmp_path / "D/Local/pocket-companion/native-host/firefox/"
                          "pocket_companion.json").read_text())
    assert firefox["path"] == "D:\\Local\\pocket-companion\\native-host\\pocket-companion-host.cmd"


def test_shared_places_are_written_once_and_kept_until_their_last_browser_goes(
        tmp_path: Path) -> None:
    linux = fake_machine("linux", tmp_path)
    plan = plan_install(linux, "system", ["chrome", "brave", "opera"])
    shared = [w for w in plan.writes if str(w.path).startswith("/etc/opt/chrome")]
    assert len(shared) == 1 and shared[0].browsers == {"chrome", "brave", "opera"}
    apply(linux, plan)
    manifest = tmp_path / "etc/opt/chrome/native-messaging-hosts/pocket_companion.json"
    uninstall(linux, "system", ["chrome", "opera"])
    assert manifest.is_file()
    assert diagnose(BROWSERS["brave"], linux, live=False).ok
    uninstall(linux, "system", ["brave"])
    assert not manifest.exists() and not (tmp_path / "etc").exists()


def test_detection_reads_profile_folders_and_flatpak_installs(tmp_path: Path) -> None:
    linux = fake_machine("linux", tmp_path)
    assert detect(linux) == []
    with pytest.raises(InstallError, match="no supported browser was found"):
        plan_install(linux, "user")
    (tmp_path / "home/me/.config/BraveSoftware/Brave-Browser").mkdir(parents=True)
    (tmp_path / "var/lib/flatpak/app/org.mozilla.firefox").mkdir(parents=True)
    (tmp_path / "usr/lib/firefox-esr").mkdir(parents=True)
    assert [b.name for b in detect(linux)] == ["brave", "firefox", "firefox-flatpak"]
    assert plan_install(linux, "user").browsers == ["brave", "firefox", "firefox-flatpak"]


def test_named_browsers_install_even_when_not_detected_and_aliases_work(
        tmp_path: Path) -> None:
    linux = fake_machine("linux", tmp_path)
    plan = plan_install(linux, "user", ["firefox-esr", "google-chrome", "vivaldi"])
    assert plan.browsers == ["firefox", "chrome", "vivaldi"]
    assert lookup("Firefox-Developer") is BROWSERS["firefox"]
    with pytest.raises(InstallError, match="unknown browser 'netscape'"):
        plan_install(linux, "user", ["netscape"])
    win = fake_machine("windows", tmp_path / "w")
    skipped = plan_install(win, "user", ["chromium-flatpak"])
    assert skipped.browsers == [] and "not available on windows" in skipped.skipped[0]["reason"]


def test_a_failed_install_is_in_the_receipt_so_uninstall_undoes_it(tmp_path: Path) -> None:
    linux = fake_machine("linux", tmp_path)
    blocker = tmp_path / "usr/lib64"
    blocker.parent.mkdir(parents=True)
    blocker.write_text("a file where a folder should be")
    with pytest.raises(InstallError, match="cannot write /usr/lib64/mozilla"):
        apply(linux, plan_install(linux, "system", ["firefox"]))
    assert (tmp_path / "usr/lib/mozilla/native-messaging-hosts/pocket_companion.json").is_file()
    outcomes = uninstall(linux, "system")
    assert outcomes and {o for _, o in outcomes} == {"removed"}
    assert sorted(p.relative_to(tmp_path) for p in files_under(tmp_path)) == [
        PurePath("opt/venv/bin/python"), PurePath("usr/lib64")]


def test_uninstall_leaves_what_was_changed_by_hand(tmp_path: Path) -> None:
    win = fake_machine("windows", tmp_path)
    apply(win, plan_install(win, "user", ["chrome", "firefox"]))
    assert isinstance(win.registry, MemoryRegistry)
    key = RegKey("HKCU", None, "SOFTWARE\\Mozilla\\NativeMessagingHosts\\pocket_companion")
    win.registry.set(key, "C:\\elsewhere\\pocket_companion.json")
    manifest = tmp_path / "C/Users/me/AppData/Local/pocket-companion/native-host/chromium" \
        / "pocket_companion.json"
    manifest.write_text("{}")
    outcomes = {entry.where: outcome for entry, outcome in uninstall(win, "user")}
    assert outcomes[str(key)] == "left in place: changed since install"
    assert outcomes["C:\\Users\\me\\AppData\\Local\\pocket-companion\\native-host\\chromium\\"
                    "pocket_companion.json"] == "left in place: changed since install"
    assert manifest.read_text() == "{}" and win.registry.get(key)
    assert uninstall(win, "user") == []


def test_a_damaged_receipt_stops_uninstall_with_advice(tmp_path: Path) -> None:
    linux = fake_machine("linux", tmp_path)
    receipt = tmp_path / "home/me/.local/share/pocket-companion/install-receipt-user.json"
    receipt.parent.mkdir(parents=True)
    receipt.write_text('{"entries": [{"kind": "file"}]}')
    with pytest.raises(InstallError, match=r"cannot be read .* run `pocket-companion doctor`"):
        uninstall(linux, "user")


def test_the_table_finds_the_data_folder_the_host_uses(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pocket_companion.config import data_dir
    from pocket_companion_installer.machine import current, data_home

    monkeypatch.delenv("POCKET_COMPANION_HOME")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert data_home(current()) == data_dir()
    monkeypatch.setenv("POCKET_COMPANION_HOME", str(tmp_path / "pinned"))
    assert data_home(current()) == data_dir() == tmp_path / "pinned"


def test_interpreters_browsers_may_not_start_are_pointed_out(tmp_path: Path) -> None:
    store = "C:/Users/me/AppData/Local/Microsoft/WindowsApps/python.exe"
    win = fake_machine("windows", tmp_path / "w", python=store)
    assert "Microsoft Store" in plan_install(win, "user", ["edge"]).notes[0]
    mac = fake_machine("darwin", tmp_path / "m", python="/Users/me/Documents/venv/bin/python")
    assert "folder macOS protects" in plan_install(mac, "user", ["chrome"]).notes[0]
    assert plan_install(fake_machine("darwin", tmp_path / "n"), "user", ["chrome"]).notes == []
