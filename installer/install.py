"""Install and uninstall: plan every write from the browser table, check it, then write it.

Nothing touches the disk until the whole plan is built and every manifest passes
the checks its browser applies (a system install, also only when root alone can change
the interpreter: :mod:`.trust`). Files are written atomically (launcher 0755, manifests
0644), registry values through :class:`~.registry.Registry`, and each one lands in the
receipt as soon as it exists, so a failed install can be undone too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from pocket_companion.files import atomic_write

from .browsers import BROWSERS, MANIFEST_FILE, Browser, Folder, Place, detect, lookup, targets
from .launcher import launcher_for
from .machine import Machine, Scope, app_dir, data_home
from .manifests import check, check_ids, dumps, render
from .receipt import Entry, InstallError, Receipt, digest
from .registry import RegKey
from .trust import require_trusted


@dataclass
class Write:
    content: str  # the file's text, or the registry value
    browsers: set[str]
    path: PurePath | None = None
    key: RegKey | None = None
    mode: int = 0o644

    @property
    def target(self) -> str:
        return str(self.path if self.path is not None else self.key)

    def to_dict(self) -> dict[str, Any]:
        if self.key is not None:
            return {"kind": "registry", "key": str(self.key), "value": self.content,
                    "browsers": sorted(self.browsers)}
        return {"kind": "file", "path": self.target, "mode": f"{self.mode:04o}",
                "browsers": sorted(self.browsers)}


@dataclass
class Plan:
    scope: Scope
    browsers: list[str] = field(default_factory=list)
    writes: list[Write] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, write: Write) -> None:
        for known in self.writes:
            if known.target == write.target:
                if known.content != write.content:
                    raise InstallError(f"two browsers need different files at {write.target}")
                known.browsers |= write.browsers
                return
        self.writes.append(write)


def select(machine: Machine, names: Sequence[str]) -> list[Browser]:
    """The named browsers, or every browser found on the machine."""
    if not names:
        found = detect(machine)
        if not found:
            raise InstallError("no supported browser was found; name one with --browser "
                               f"(one of: {', '.join(BROWSERS)})")
        return found
    chosen: list[Browser] = []
    for name in names:
        browser = lookup(name)
        if browser is None:
            raise InstallError(f"unknown browser {name!r}; use one of: {', '.join(BROWSERS)}")
        if browser not in chosen:
            chosen.append(browser)
    return chosen


def plan_install(machine: Machine, scope: Scope, names: Sequence[str] = ()) -> Plan:
    plan = Plan(scope)
    for browser in select(machine, names):
        places = targets(browser, machine, scope)
        if not places:
            plan.skipped.append({"browser": browser.name, "reason": _why_not(browser, machine)})
            continue
        plan.browsers.append(browser.name)
        _plan_browser(plan, machine, browser, places)
    if scope == "system" and plan.browsers:
        require_trusted(machine)  # every user's browser would run this interpreter
    plan.notes += _interpreter_notes(machine)
    return plan


def _plan_browser(plan: Plan, machine: Machine, browser: Browser, places: list[Place]) -> None:
    who = {browser.name}
    launcher = launcher_for(machine, plan.scope, browser.flatpak)
    if launcher.text is not None:
        plan.add(Write(launcher.text, set(who), path=launcher.path, mode=0o755))
    manifest = render(browser.family, str(launcher.path))
    issue = check(manifest, browser.family, machine, "(new)") or check_ids(
        manifest, browser.family, "(new)")
    if issue:
        raise InstallError(f"the manifest for {browser.title} would be refused: {issue.log}")
    text = dumps(manifest)
    for place in places:
        if isinstance(place, Folder):
            plan.add(Write(text, set(who), path=place.path))
        else:
            file = app_dir(machine, plan.scope) / browser.family / MANIFEST_FILE
            plan.add(Write(text, set(who), path=file))
            plan.add(Write(str(file), set(who), key=place.key))
    if browser.flatpak:
        plan.notes.append(
            f"{browser.title}: the launcher leaves the sandbox with flatpak-spawn, which the "
            f"browser may only use after `flatpak override --user "
            f"--talk-name=org.freedesktop.Flatpak {browser.flatpak}`. That lets the browser run "
            "any program outside its sandbox: weigh it before you allow it.")


def _why_not(browser: Browser, machine: Machine) -> str:
    if machine.os not in browser.specs:
        return f"{browser.title} is not available on {machine.os}"
    return f"{browser.title} reads only the manifests inside its sandbox: use --scope user"


def _interpreter_notes(machine: Machine) -> list[str]:
    python = str(machine.python)
    notes = []
    if machine.os == "windows" and "WindowsApps" in python:
        notes.append(f"{python} looks like the Microsoft Store's python alias; browsers may not "
                     "be allowed to start it. Install from python.org and run install again.")
    if machine.os == "darwin" and any(f"/{d}/" in python for d in
                                      ("Desktop", "Documents", "Downloads")):
        notes.append(f"{python} is in a folder macOS protects (Desktop, Documents, Downloads); "
                     "a browser-started host may be refused access. Move the environment.")
    return notes


def apply(machine: Machine, plan: Plan) -> list[Entry]:
    """Carry out a plan; every write is in the receipt as soon as it is made."""
    receipt = Receipt(machine, plan.scope)
    done: list[Entry] = []
    try:
        for write in plan.writes:
            for entry in _carry_out(machine, write, plan.scope):
                receipt.add(entry)
                done.append(entry)
    finally:
        receipt.save()
    return done


def _carry_out(machine: Machine, write: Write, scope: Scope) -> list[Entry]:
    try:
        return _set_key(machine, write) if write.key else _write_file(machine, write, scope)
    except PermissionError as exc:
        hint = (" A system install needs administrator rights (sudo on Linux and macOS)."
                if scope == "system" else "")
        raise InstallError(f"cannot write {write.target}: permission denied.{hint}") from exc
    except OSError as exc:
        raise InstallError(f"cannot write {write.target}: {exc.strerror or exc}") from exc


def _write_file(machine: Machine, write: Write, scope: Scope) -> list[Entry]:
    assert write.path is not None
    entries = []
    home = data_home(machine)
    private = scope == "user" and home in write.path.parents
    missing = [p for p in reversed(write.path.parents) if not machine.real(p).exists()]
    for folder in missing:
        machine.real(folder).mkdir(mode=0o700 if private else 0o755)
        if folder != home and folder not in home.parents:  # the data folder stays
            entries.append(Entry("dir", str(folder), set(write.browsers)))
    data = write.content.encode("utf-8")
    atomic_write(machine.real(write.path), data, write.mode)
    entries.append(Entry("file", str(write.path), set(write.browsers), sha256=digest(data)))
    return entries


def _set_key(machine: Machine, write: Write) -> list[Entry]:
    assert write.key is not None
    if machine.registry is None:
        raise InstallError("this machine has no Windows registry to register the host in")
    machine.registry.set(write.key, write.content)
    return [Entry("registry", str(write.key), set(write.browsers), key=write.key,
                  value=write.content)]


def uninstall(machine: Machine, scope: Scope, names: Sequence[str] = (),
              dry_run: bool = False) -> list[tuple[Entry, str]]:
    """Remove what the receipt lists for these browsers (all when none are named).
    Returns each released entry with what happened to it."""
    chosen = {b.name for b in select(machine, names)} if names else None
    receipt = Receipt(machine, scope)
    freed = receipt.release(chosen)
    results = [(entry, _remove(machine, entry, dry_run)) for entry in freed]
    if not dry_run:
        receipt.save()
    return results


def _remove(machine: Machine, entry: Entry, dry_run: bool) -> str:
    done = "would remove" if dry_run else "removed"
    if entry.kind == "registry":
        return _remove_key(machine, entry, dry_run) or done
    path = machine.real(machine.path(entry.where))
    if not path.exists():
        return "already gone"
    if entry.kind == "dir":
        if dry_run:
            return "would remove if empty"
        if any(path.iterdir()):
            return "left in place: not empty"
        path.rmdir()
    elif digest(path.read_bytes()) != entry.sha256:
        return "left in place: changed since install"
    elif not dry_run:
        path.unlink()
    return done


def _remove_key(machine: Machine, entry: Entry, dry_run: bool) -> str | None:
    registry, key = machine.registry, entry.key
    current = registry.get(key) if registry and key else None
    if current is None:
        return "already gone"
    if current != entry.value:
        return "left in place: changed since install"
    if not dry_run and registry and key:
        registry.delete(key)
    return None
