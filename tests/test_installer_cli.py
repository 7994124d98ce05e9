"""``pocket-companion install | uninstall | doctor`` as a person runs them, in a fake home."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.frames import REPO

MANIFEST = ".config/chromium/NativeMessagingHosts/pocket_companion.json"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """A user whose home and data folder are fresh temporary folders."""
    home = tmp_path / "fakehome"
    home.mkdir()
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "POCKET_"))}
    return {**clean, "HOME": str(home), "POCKET_COMPANION_HOME": str(tmp_path / "data")}


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pocket_companion", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)


def test_install_doctor_uninstall(env: dict[str, str], tmp_path: Path) -> None:
    home, data = Path(env["HOME"]), Path(env["POCKET_COMPANION_HOME"])
    installed = run(env, "install", "--browser", "chromium", "--browser", "firefox", "--json")
    assert installed.returncode == 0, installed.stderr
    report = json.loads(installed.stdout)
    assert report["browsers"] == ["chromium", "firefox"] and report["scope"] == "user"
    launcher = data / "native-host" / "pocket-companion-host"
    assert [w["path"] for w in report["writes"]] == [
        str(launcher), str(home / MANIFEST),
        str(home / ".mozilla/native-messaging-hosts/pocket_companion.json")]
    assert stat.S_IMODE(launcher.stat().st_mode) == 0o755
    assert stat.S_IMODE((home / MANIFEST).stat().st_mode) == 0o644
    receipt = data / "install-receipt-user.json"
    assert stat.S_IMODE(receipt.stat().st_mode) == 0o600
    assert {e["path"] for e in json.loads(receipt.read_text())["entries"]} >= {
        str(launcher), str(home / MANIFEST)}

    doctor = run(env, "doctor", "--browser", "chromium", "--browser", "firefox", "--json")
    assert doctor.returncode == 0, doctor.stdout
    browsers = json.loads(doctor.stdout)["browsers"]
    assert [b["ok"] for b in browsers] == [True, True]
    assert all(b["startup_ms"] > 0 for b in browsers)

    removed = run(env, "uninstall")
    assert removed.returncode == 0 and "removed" in removed.stdout
    assert not launcher.exists() and not (home / MANIFEST).exists() and not receipt.exists()
    assert not (home / ".config").exists()  # folders install created are gone too
    again = run(env, "uninstall")
    assert again.returncode == 0 and again.stdout.startswith("Nothing to remove")


def test_doctor_exits_non_zero_and_says_why(env: dict[str, str]) -> None:
    assert run(env, "install", "--browser", "chromium").returncode == 0
    launcher = Path(env["POCKET_COMPANION_HOME"]) / "native-host" / "pocket-companion-host"
    launcher.chmod(0o644)
    doctor = run(env, "doctor", "--browser", "chromium")
    assert doctor.returncode == 1
    assert "Chromium [chromium]: FAILED" in doctor.stdout
    assert "the extension sees: Native host has exited." in doctor.stdout
    assert "fix: chmod 755" in doctor.stdout


def test_by_default_every_detected_browser(env: dict[str, str]) -> None:
    home = Path(env["HOME"])
    (home / ".config/BraveSoftware/Brave-Browser").mkdir(parents=True)
    (home / ".librewolf").mkdir()
    dry = run(env, "install", "--dry-run", "--json")
    assert dry.returncode == 0, dry.stderr
    assert {"brave", "librewolf"} <= set(json.loads(dry.stdout)["browsers"])
    assert not (home / ".config/BraveSoftware/Brave-Browser/NativeMessagingHosts").exists()
    assert not Path(env["POCKET_COMPANION_HOME"], "install-receipt-user.json").exists()
    assert run(env, "install").returncode == 0
    doctor = run(env, "doctor", "--json")  # found browsers and what the receipt names
    names = [b["browser"] for b in json.loads(doctor.stdout)["browsers"]]
    assert {"brave", "librewolf"} <= set(names)


def test_errors_are_one_line(env: dict[str, str]) -> None:
    result = run(env, "install", "--browser", "netscape")
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.startswith("pocket-companion: unknown browser 'netscape'")
    assert len(result.stderr.strip().splitlines()) == 1
    skipped = run(env, "install", "--browser", "firefox-flatpak", "--scope", "system")
    assert skipped.returncode == 1 and "reads only the manifests inside its sandbox" \
        in skipped.stdout
