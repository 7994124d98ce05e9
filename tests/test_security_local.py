"""Findings 3, 6 and 11 of the security review: what other local users can plant or change.

- Finding 3: a ``json.py`` left by another user in the folder where a command runs is
  never imported by the login window or the keychain helper.
- Finding 6: missing parents of the data folder are created 0700 whatever the umask, so
  another user cannot move the data folder (and the launcher in it) aside; a data folder
  others could change is refused with a clear error.
- Finding 11: the login window's test script cannot be switched on from the environment.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from importlib.util import find_spec
from pathlib import Path

import pytest

from tests.conftest import need
from tests.fakepocket import FakePocket
from tests.support.frames import REPO, HostProcess
from tests.support.hostio import connect_account, host_env
from tests.support.users import User, owned_by

PLANTED = """import os
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "PWNED"), "a") as out:
    out.write("code of another user ran as uid %d\\n" % os.getuid())
raise SystemExit("planted module")
"""


@pytest.fixture
def planted(attacker: User, shared: Path) -> Iterator[Path]:
    """A folder of the attacker's (as /tmp or a downloaded archive is) with their json.py."""
    folder = owned_by(attacker, shared / "download", 0o777)
    attacker.python(f"open({str(folder / 'json.py')!r}, 'w').write({PLANTED!r})")
    assert (folder / "json.py").stat().st_uid == attacker.uid
    yield folder


def test_the_login_window_never_imports_from_the_working_folder(
        planted: Path, tmp_path: Path, fake: FakePocket) -> None:
    need(find_spec("webview") is not None, "pywebview is not installed (the qt extra)")
    command = Path(sys.executable).with_name("pocket-companion")  # the console script
    env = {**host_env(tmp_path, fake), "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run([str(command), "login", "--timeout", "4"], cwd=planted, env=env,
                            capture_output=True, text=True, timeout=120,
                            stdin=subprocess.DEVNULL)
    assert "no answer" in result.stderr or "within 4 s" in result.stderr, result.stderr
    assert not (planted / "PWNED").exists()
    log = (tmp_path / "home" / "logs" / "pocket-companion.log").read_text()
    assert "the login window shows the authorize page" in log  # it really ran


def test_the_keychain_helper_never_imports_from_the_working_folder(
        planted: Path, tmp_path: Path, fake: FakePocket) -> None:
    env = {**host_env(tmp_path, fake), "POCKET_COMPANION_TOKEN_CACHE": "0"}
    connect_account(env, fake)
    host = subprocess.Popen([sys.executable, "-P", "-m", "pocket_companion.nativehost.host",
                             "chrome-extension://nggnhainknahgofikifmilofhkfaecpj/"],
                            cwd=planted, env=env, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wrapped = HostProcess.__new__(HostProcess)  # speak frames to the host started above
    wrapped.proc, wrapped._next = host, 0
    reply = wrapped.request("save", {"url": "https://example.org/planted"})
    wrapped.close()
    assert reply["ok"] and reply["data"]["state"] == "synced", reply
    assert not (planted / "PWNED").exists()


def modes(root: Path, below: Path) -> dict[str, str]:
    found, folder = {}, below
    while folder != root:
        found[str(folder.relative_to(root))] = f"{stat.S_IMODE(folder.stat().st_mode):04o}"
        folder = folder.parent
    return found


def cli(env: dict[str, str], *args: str, umask: int = -1) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pocket_companion", *args], env=env,
                          cwd=REPO, capture_output=True, text=True, timeout=120, umask=umask,
                          stdin=subprocess.DEVNULL)


def test_missing_parents_are_private_whatever_the_umask(tmp_path: Path) -> None:
    home = tmp_path / "home000"
    home.mkdir()
    env = {**host_env(tmp_path), "HOME": str(home)}
    for name in ("POCKET_COMPANION_HOME", "XDG_DATA_HOME"):
        env.pop(name, None)
    assert cli(env, "save", "https://example.org/a", umask=0).returncode == 0
    data = home / ".local" / "share" / "pocket-companion"
    assert modes(home, data) == {".local": "0700", ".local/share": "0700",
                                 ".local/share/pocket-companion": "0700"}
    env["POCKET_COMPANION_HOME"] = str(tmp_path / "a" / "b" / "c")
    assert cli(env, "save", "https://example.org/b", umask=0).returncode == 0
    assert set(modes(tmp_path, tmp_path / "a" / "b" / "c").values()) == {"0700"}


def test_another_user_cannot_move_the_data_folder_aside(attacker: User, shared: Path) -> None:
    home = shared / "victim"
    home.mkdir(mode=0o755)
    env = {**host_env(shared), "HOME": str(home)}
    for name in ("POCKET_COMPANION_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME"):
        env.pop(name, None)
    assert cli(env, "save", "https://example.org/a", umask=0).returncode == 0
    installed = cli(env, "install", "--browser", "chromium", umask=0)
    assert installed.returncode == 0, installed.stderr
    share = home / ".local" / "share"
    attempt = attacker.python(
        "import os, sys\n"
        "share = sys.argv[1]\n"
        "try:\n"
        "    os.rename(os.path.join(share, 'pocket-companion'), os.path.join(share, 'moved'))\n"
        "    print('moved')\n"
        "except OSError as exc:\n"
        "    print(type(exc).__name__)\n", str(share))
    assert attempt.stdout.strip() == "PermissionError", attempt
    assert (share / "pocket-companion" / "native-host").is_dir()


@pytest.mark.parametrize("how", ["mode 0777", "another user's", "open parent"])
def test_a_data_folder_others_can_change_is_refused(attacker: User, shared: Path,
                                                     how: str) -> None:
    parent = shared / "parent"
    parent.mkdir(mode=0o700)
    data = parent / "data"
    data.mkdir(mode=0o700)
    if how == "mode 0777":
        data.chmod(0o777)
    elif how == "another user's":
        os.chown(data, attacker.uid, attacker.gid)
    else:
        parent.chmod(0o777)  # anyone may rename "data" and put their own in its place
    env = {**host_env(shared), "POCKET_COMPANION_HOME": str(data)}
    host = HostProcess(env)
    reply = host.request("hello")
    code, stderr = host.close()
    assert reply["error"]["code"] == "unsafe_data_folder", reply
    assert str(data if how != "open parent" else parent) in reply["error"]["message"]
    assert code == 0 and "data folder" in stderr
    status = cli(env, "status")
    assert status.returncode == 1 and "data folder" in status.stderr
    assert not (data / "reading-list.sqlite3").exists()


def test_the_window_script_cannot_be_switched_on_from_the_environment(
        tmp_path: Path, fake: FakePocket) -> None:
    need(find_spec("webview") is not None, "pywebview is not installed (the qt extra)")
    env = {**host_env(tmp_path, fake), "QT_QPA_PLATFORM": "offscreen",
           "POCKET_COMPANION_WINDOW_SCRIPT": "click:authorize"}  # the old switch
    host = HostProcess(env)
    reply = host.request("login", {"timeout": 4})
    host.close()
    assert reply["error"]["code"] == "login_timeout"  # nobody approved it
    assert fake.issued_tokens == []
