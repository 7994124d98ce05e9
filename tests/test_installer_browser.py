"""A real Chromium finds what ``install`` wrote, and fails the way the doctor says it will.

Debian's Chromium runs with HOME pointing at a fake home and its profile in that
home's default place (``~/.config/chromium``), so it reads the manifest folder the
table names for it. The extension's service worker calls ``sendNativeMessage``;
after each breakage the error Chromium gives the extension must be, word for word,
the one the doctor predicted.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pocket_companion_installer.browsers import BROWSERS
from pocket_companion_installer.doctor import diagnose

from tests.conftest import need
from tests.support.frames import CHROME_ORIGIN, REPO
from tests.support.machines import real_machine

CHROMIUM = Path("/usr/lib/chromium/chromium")
EXTENSION = REPO / "extension"
FLAGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--password-store=basic",
         f"--disable-extensions-except={EXTENSION}", f"--load-extension={EXTENSION}"]
SEND = """() => new Promise((resolve) => chrome.runtime.sendNativeMessage(
    "pocket_companion", {id: 1, action: "hello", params: {}},
    (reply) => resolve(reply ? {reply} : {error: chrome.runtime.lastError.message})))"""


def test_real_chromium_uses_the_installed_host_and_reports_what_the_doctor_predicts(
        tmp_path: Path) -> None:
    need(os.access(CHROMIUM, os.X_OK), f"Chromium is not installed ({CHROMIUM})")
    need(importlib.util.find_spec("playwright") is not None, "playwright is not installed")
    from playwright.sync_api import sync_playwright

    machine = real_machine(tmp_path / "fakehome", tmp_path / "data")
    env = dict(machine.env)
    installed = subprocess.run([sys.executable, "-m", "pocket_companion", "install",
                                "--browser", "chromium"], env=env, cwd=REPO,
                               capture_output=True, text=True, timeout=60)
    assert installed.returncode == 0, installed.stderr
    manifest = Path(machine.home, ".config/chromium/NativeMessagingHosts/pocket_companion.json")
    launcher = tmp_path / "data/native-host/pocket-companion-host"
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(machine.home / ".config/chromium"), executable_path=str(CHROMIUM),
            headless=not os.environ.get("DISPLAY"), env={**env}, args=FLAGS,
            ignore_default_args=["--disable-extensions"])
        try:
            worker = next((w for w in context.service_workers if CHROME_ORIGIN in w.url + "/"),
                          None) or context.wait_for_event("serviceworker", timeout=20_000)

            def send() -> Any:
                return worker.evaluate(SEND)

            reply = send()["reply"]
            assert reply["ok"] and reply["data"]["caller"] == {"browser": "chromium",
                                                               "id": CHROME_ORIGIN}
            for breakage in breakages(manifest, launcher):
                undo = breakage()
                predicted = [c for c in diagnose(BROWSERS["chromium"], machine).checks
                             if not c.ok]
                assert predicted, breakage.__name__
                seen = send()
                assert set(seen) == {"error"}, breakage.__name__
                assert seen["error"] in predicted[0].sees, breakage.__name__
                undo()
            assert "reply" in send()
        finally:
            context.close()


def breakages(manifest: Path, launcher: Path) -> list[Callable[[], Callable[[], None]]]:
    """Ways to break an install; each returns how to put it back."""
    def keep(path: Path) -> Callable[[], None]:
        saved = tmp = path.with_name(path.name + ".saved")
        shutil.copy2(path, tmp)
        return lambda: os.replace(saved, path)

    def no_manifest() -> Callable[[], None]:
        undo = keep(manifest)
        manifest.unlink()
        return undo

    def wrong_extension_id() -> Callable[[], None]:
        undo = keep(manifest)
        text = manifest.read_text().replace(CHROME_ORIGIN.split("//")[1], "a" * 32 + "/")
        manifest.write_text(text)
        return undo

    def not_executable() -> Callable[[], None]:
        launcher.chmod(0o644)
        return lambda: launcher.chmod(stat.S_IRWXU | 0o055)

    def stray_output() -> Callable[[], None]:
        undo = keep(launcher)
        launcher.write_text(launcher.read_text().replace("exec ", "echo started\nexec ", 1))
        return undo

    return [no_manifest, wrong_extension_id, not_executable, stray_output]
