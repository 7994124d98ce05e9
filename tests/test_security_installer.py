"""The installer's findings of the December 2026 security review, each tried as shown there.

- §4: ``install --scope system`` pinned any interpreter, even one another user can change.
- §3: the launcher ran ``python -m`` in the browser's working folder, so another user's
  ``json.py`` there ran as the victim.
- §11: ``pinned_python`` raised on an interpreter path with a newline, crashing the doctor.

The test process is the victim (root in CI, so it can also play the administrator);
``attacker`` is a second, unprivileged user.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from pocket_companion_installer.browsers import BROWSERS
from pocket_companion_installer.doctor import diagnose
from pocket_companion_installer.install import apply, plan_install
from pocket_companion_installer.launcher import flatpak_script, pinned_python, posix_script
from pocket_companion_installer.machine import Machine
from pocket_companion_installer.receipt import InstallError

from tests.conftest import need
from tests.support.frames import CHROME_ORIGIN, frame, read_message
from tests.support.machines import environment, fake_machine, real_machine
from tests.support.users import User, system_python

ADVICE = "sudo python3 -m venv /opt/pocket-companion"
LAUNCHER = "native-host/pocket-companion-host"


def give(user: User, *paths: Path) -> None:
    for path in paths:
        os.chown(path, user.uid, user.gid, follow_symlinks=False)


def refusal(machine: Machine) -> str:
    with pytest.raises(InstallError) as refused:
        plan_install(machine, "system", ["chromium"])
    assert ADVICE in str(refused.value)
    return str(refused.value)


# §4: a system install runs its interpreter for every user


def test_the_cli_refuses_a_system_install_from_another_users_venv(
        attacker: User, tmp_path: Path) -> None:
    """The review's reproduction: a real venv another user owns runs the real CLI."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = next(venv.glob("lib/python3*/site-packages"))
    sites = [p for p in sys.path if p.endswith("site-packages")]  # ours, as a user's pip would
    (site / "deps.pth").write_text("".join(f"import site; site.addsitedir({p!r})\n"
                                           for p in sites))
    give(attacker, venv, *venv.rglob("*"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "POCKET_"))}
    result = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pocket_companion", "install", "--scope",
         "system", "--browser", "chromium", "--dry-run"], cwd=tmp_path, timeout=60,
        env={**env, "HOME": str(tmp_path)}, capture_output=True, text=True)
    assert (result.returncode, result.stdout) == (1, ""), result.stdout
    assert result.stderr.startswith("pocket-companion: refusing a system-wide install: every "
                                    f"user's browser would run {venv}/bin/python, but ")
    assert f"(owned by uid {attacker.uid}) is not root's" in result.stderr
    assert ADVICE in result.stderr and len(result.stderr.splitlines()) == 1


def _owned_by_attacker(srv: Path, attacker: User) -> str:
    give(attacker, srv / "venv")
    return f"{srv}/venv (owned by uid {attacker.uid}) is not root's"


def _symlink_of_attacker(srv: Path, attacker: User) -> str:
    give(attacker, srv / "venv/bin/python")
    return f"{srv}/venv/bin/python (a symlink owned by uid {attacker.uid}) is not root's"


def _resolves_to_attacker_file(srv: Path, attacker: User) -> str:
    python3 = srv / "venv/bin/python3"
    python3.unlink()
    python3.write_bytes(b"#!/bin/sh\n")  # bin/python -> python3: the attacker's own program
    give(attacker, python3)
    return f"{python3} (owned by uid {attacker.uid}) is not root's"


def _ancestor_of_attacker(srv: Path, attacker: User) -> str:
    give(attacker, srv)
    return f"{srv} (owned by uid {attacker.uid}) is not root's"


def _group_writable_ancestor(srv: Path, attacker: User) -> str:
    srv.chmod(0o775)
    return f"{srv} is writable by its group"


def _world_writable_ancestor(srv: Path, attacker: User) -> str:
    srv.chmod(0o777)
    return f"{srv} is writable by every user"


def _sticky_ancestor_then_attacker(srv: Path, attacker: User) -> str:
    srv.parent.chmod(0o1777)  # as /tmp: acceptable, but only on the way to root's own folders
    give(attacker, srv)
    return f"{srv} (owned by uid {attacker.uid}) is not root's"


def _sticky_bin(srv: Path, attacker: User) -> str:
    (srv / "venv/bin").chmod(0o1777)  # anyone could add a pyvenv.cfg beside the interpreter
    return f"{srv}/venv/bin is writable by every user"


@pytest.mark.parametrize("damage", [
    _owned_by_attacker, _symlink_of_attacker, _resolves_to_attacker_file, _ancestor_of_attacker,
    _group_writable_ancestor, _world_writable_ancestor, _sticky_ancestor_then_attacker,
    _sticky_bin])
def test_a_system_install_refuses_an_interpreter_others_can_change(
        attacker: User, tmp_path: Path, damage: Callable[[Path, User], str]) -> None:
    srv = tmp_path / "top" / "srv"
    for folder in (srv.parent, srv):
        folder.mkdir()
        folder.chmod(0o755)
    env = environment(srv / "venv", system_python())
    machine = Machine("linux", tmp_path / "home", {}, env.python)
    assert plan_install(machine, "system", ["chromium"]).browsers == ["chromium"]  # root's
    expected = damage(srv, attacker)
    assert expected in refusal(machine)


def test_the_environment_and_the_package_folders_are_checked_too(
        attacker: User, tmp_path: Path) -> None:
    env = environment(tmp_path / "venv", system_python())
    machine = Machine("linux", tmp_path / "home", {}, env.python,
                      runs_from=(tmp_path / "venv", env.site, *env.packages))
    assert plan_install(machine, "system", ["chromium"]).writes
    give(attacker, env.packages[1])
    assert f"{env.packages[1]} (owned by uid {attacker.uid})" in refusal(machine)
    os.chown(env.packages[1], 0, 0)
    env.site.chmod(0o1777)  # a .pth file anyone adds there runs at every start
    assert f"{env.site} is writable by every user" in refusal(machine)


def test_a_root_owned_environment_in_a_sticky_shared_folder_is_accepted(shared: Path) -> None:
    need(os.geteuid() == 0, "only root can make a root-owned environment")
    env = environment(shared / "venv", system_python())
    machine = Machine("linux", shared / "home", {}, env.python,
                      runs_from=(shared / "venv", env.site, *env.packages))
    plan = plan_install(machine, "system", ["chromium"])
    assert plan.browsers == ["chromium"]
    assert f"exec {env.python} -P -m" in plan.writes[0].content


def test_on_windows_a_system_install_needs_an_interpreter_in_program_files(
        tmp_path: Path) -> None:
    accepted = fake_machine("windows", tmp_path / "ok")  # C:\Program Files\Python311
    assert plan_install(accepted, "system", ["chrome"]).browsers == ["chrome"]
    for python in ("C:/Users/me/venv/Scripts/python.exe",
                   "C:/Program Files/../Users/me/venv/Scripts/python.exe"):
        machine = fake_machine("windows", tmp_path / "no", python=python)
        with pytest.raises(InstallError) as refused:
            plan_install(machine, "system", ["chrome"])
        assert "is outside C:\\Program Files" in str(refused.value)
        assert 'py -m venv "C:\\Program Files\\pocket-companion"' in str(refused.value)
    assert plan_install(machine, "user", ["chrome"]).browsers == ["chrome"]  # for yourself


def test_the_doctor_reports_a_system_launcher_whose_python_others_can_change(
        tmp_path: Path) -> None:
    linux = fake_machine("linux", tmp_path)  # python: /opt/venv/bin/python
    apply(linux, plan_install(linux, "system", ["chromium"]))
    report = diagnose(BROWSERS["chromium"], linux, live=False)
    assert report.ok and report.checks[-1].name == "system python"
    (tmp_path / "opt/venv").chmod(0o777)
    report = diagnose(BROWSERS["chromium"], linux, live=False)
    check = report.checks[-1]
    assert not report.ok and check.name == "system python" and not check.ok
    assert check.detail == ("every user's browser runs /opt/venv/bin/python, but "
                            "/opt/venv is writable by every user")
    assert ADVICE in check.fix


# §3: the launcher runs in the browser's working folder


ATTACK = """import os
with open({marker!r}, "w") as out:
    out.write(f"attacker code ran as uid {{os.getuid()}}")
"""


def test_the_launcher_imports_nothing_from_the_folder_it_is_started_in(
        attacker: User, shared: Path, tmp_path: Path) -> None:
    marker = shared / "PWNED.txt"
    planted = attacker.python("import sys; open(sys.argv[1], 'w').write(sys.argv[2])",
                              str(shared / "json.py"), ATTACK.format(marker=str(marker)))
    assert planted.returncode == 0, planted.stderr
    machine = real_machine(tmp_path / "home", tmp_path / "data")
    apply(machine, plan_install(machine, "user", ["chromium"]))
    env = {"PATH": "/usr/bin:/bin", "HOME": str(machine.home)}
    if os.environ.get("PYTHONPATH"):  # where this test run imports the project from
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    host = subprocess.run([str(tmp_path / "data" / LAUNCHER), CHROME_ORIGIN], cwd=shared,
                          input=frame({"id": 1, "action": "hello"}), env=env,
                          capture_output=True, timeout=60)
    assert not marker.exists(), marker.read_text()
    reply = read_message(io.BytesIO(host.stdout))
    assert reply and reply["id"] == 1 and reply["ok"], host.stderr
    assert reply["data"]["caller"] == {"browser": "chromium", "id": CHROME_ORIGIN}


# §11: an interpreter path with a newline


NASTY = ("env 'q' \"dq\" $(touch pwned) `touch pwned` \\ #\n"
         "exec false -m pocket_companion.nativehost.host")


def test_pinned_python_reads_any_path_back_and_never_raises(tmp_path: Path) -> None:
    python = f"/opt/{NASTY}/bin/python"
    linux = fake_machine("linux", tmp_path, {"POCKET_COMPANION_HOME": f"/home/{NASTY}"}, python)
    assert pinned_python(posix_script(linux)) == python
    assert pinned_python(flatpak_script(linux)) == python
    for garbage in ("", "exec", "exec '", "#!/bin/sh\nexec 'unterminated\n", 'exec "$@"',
                    "exec flatpak-spawn --host --env=X", "\x00\xff exec \\",
                    '@echo off\r\n"C:\\x -m pocket_companion.nativehost.host %*\r\n'):
        assert pinned_python(garbage) is None, garbage


def test_the_doctor_runs_a_launcher_whose_python_path_has_a_newline(tmp_path: Path) -> None:
    need(Path(sys.executable).is_relative_to(sys.prefix), "needs an interpreter in sys.prefix")
    nasty = tmp_path / NASTY  # this environment, under a name with everything in it
    nasty.symlink_to(sys.prefix, target_is_directory=True)
    python = nasty / Path(sys.executable).relative_to(sys.prefix)
    machine = replace(real_machine(tmp_path / "home", tmp_path / f"data {NASTY}"),
                      python=python)
    apply(machine, plan_install(machine, "user", ["chromium"]))
    report = diagnose(BROWSERS["chromium"], machine)
    assert report.ok, [check.to_dict() for check in report.checks]
    assert report.checks[2].detail.endswith(f"; runs {python}")
    launcher = tmp_path / f"data {NASTY}" / LAUNCHER
    assert pinned_python(launcher.read_text()) == str(python)
    assert not [p for p in (Path("/"), launcher.parent, tmp_path) if (p / "pwned").exists()]
