"""Real desktop services for tests, private to one test: an X server (Xvfb) and a
Secret Service (a D-Bus session bus with an unlocked GNOME Keyring), plus a way to
see which login windows are still running. Nothing here touches the user's own
display or keychain."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

KEYRING_PASSWORD = b"ci-password"


def have(*programs: str) -> bool:
    return all(shutil.which(program) for program in programs)


@contextmanager
def xvfb() -> Iterator[str]:
    """A private X server; yields its DISPLAY value."""
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1280x900x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_fd)
    with os.fdopen(read_fd) as reader:
        number = reader.readline().strip()
    try:
        if not number:
            raise RuntimeError(f"Xvfb did not start (exit code {proc.wait(10)})")
        yield f":{number}"
    finally:
        proc.terminate()
        proc.wait(10)


@contextmanager
def secret_service(folder: Path) -> Iterator[dict[str, str]]:
    """A private session bus with an unlocked GNOME Keyring; yields the variables a
    process needs to use it (and no ``PYTHON_KEYRING_BACKEND``: keyring picks it).

    There is no display in it, so a keyring that needs unlocking fails at once instead
    of waiting for someone to type a password into a prompt."""
    hidden = ("PYTHON_KEYRING_BACKEND", "GNOME_KEYRING_CONTROL", "DISPLAY", "WAYLAND_DISPLAY")
    env = {key: value for key, value in os.environ.items() if key not in hidden}
    for name in ("XDG_RUNTIME_DIR", "XDG_DATA_HOME", "XDG_CONFIG_HOME"):
        path = folder / name.lower()
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        env[name] = str(path)
    bus = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address=1"],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    assert bus.stdout is not None
    env["DBUS_SESSION_BUS_ADDRESS"] = bus.stdout.readline().decode().strip()
    try:
        started = subprocess.run(
            ["gnome-keyring-daemon", "--unlock", "--components=secrets"],
            input=KEYRING_PASSWORD, capture_output=True, env=env, timeout=30)
        assert started.returncode == 0, started.stderr
        yield env
    finally:
        bus.terminate()  # the keyring daemon leaves with its bus
        bus.wait(10)


def window_processes(parent: int | None = None) -> list[int]:
    """Pids of login windows (Linux /proc), only the children of ``parent`` if given (their
    command line names nothing else: the page and its login values come over stdin)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().decode("utf-8", "replace")
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if "pocket_companion.account.login.login_window" in cmdline and parent in (None, ppid):
            pids.append(int(entry.name))
    return pids


def windows_gone(parent: int | None = None, wait: float = 15.0) -> bool:
    """Whether every login window (of ``parent``) has exited (waiting up to ``wait`` s)."""
    deadline = time.monotonic() + wait
    while window_processes(parent):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def url_recorder(log: Path) -> str:
    """A ``$BROWSER`` value that records each URL it is asked to open in ``log``."""
    script = Path(__file__).with_name("record_url.py")  # by path: any working folder will do
    return f"{sys.executable} {script} {log} %s"
