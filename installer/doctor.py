"""The doctor: what each browser would find, check and start, and what it would say.

For every browser it walks the table's places in that browser's search order and
picks the manifest the browser would use (Chromium: the first that exists, even a
broken one; Firefox on Linux and macOS: the first that passes its checks), lists
the shadowed ones, applies the browser's manifest rules, checks that our extension
is allowed and that the launcher exists and is executable, then starts the
launcher as the browser would and says ``hello``. Checks stop at the first
failure, as the browser does; each failure carries the browser's own words and a fix.
A system-scope launcher runs for every user, so the doctor also checks, as install does,
that only root (administrators on Windows) can change the Python it runs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any, NamedTuple

from pocket_companion.nativehost.caller import HOST_NAME

from . import roundtrip
from .browsers import BROWSERS, Browser, Folder, Key, Place, detect, search_order
from .launcher import pinned_python
from .machine import Machine, places
from .manifests import (
    DIED_EARLY,
    NOT_FOUND,
    Issue,
    cannot_start,
    check,
    check_ids,
    expected_ids,
    parse,
)
from .receipt import Receipt
from .trust import advice, untrusted


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    log: str = ""  # the browser's own log or console line
    sees: str = ""  # what the extension is told
    fix: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {key: value for key, value in self.__dict__.items() if value != ""}


@dataclass
class Report:
    browser: Browser
    checks: list[Check] = field(default_factory=list)
    manifest: str | None = None  # the manifest file the browser uses ...
    source: str | None = None  # ... and the folder entry or registry key that names it
    shadowed: list[str] = field(default_factory=list)
    startup_ms: float | None = None

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    def to_dict(self) -> dict[str, Any]:
        return {"browser": self.browser.name, "title": self.browser.title, "ok": self.ok,
                "manifest": self.manifest, "source": self.source, "shadowed": self.shadowed,
                "startup_ms": None if self.startup_ms is None else round(self.startup_ms, 1),
                "checks": [c.to_dict() for c in self.checks]}


class Found(NamedTuple):
    """A manifest some place of the search order points at."""

    place: Place
    file: PurePath
    problem: Issue | None = None  # the place points at nothing usable


def browsers_to_check(machine: Machine) -> list[Browser]:
    """Browsers found on the machine, and those an install receipt names."""
    named = Receipt(machine, "user").browsers() | Receipt(machine, "system").browsers()
    found = detect(machine)
    return [b for b in BROWSERS.values() if b in found or b.name in named]


def find(browser: Browser, machine: Machine) -> list[Found]:
    """Every place in the browser's search order that holds (or names) a manifest."""
    found = []
    for place in search_order(browser, machine):
        if isinstance(place, Folder):
            if machine.real(place.path).is_file():
                found.append(Found(place, place.path))
        else:
            hit = _from_registry(place, browser, machine)
            if hit:
                found.append(hit)
    return found


def _from_registry(place: Key, browser: Browser, machine: Machine) -> Found | None:
    value = machine.registry.get(place.key) if machine.registry else None
    if value is None:
        return None
    file = machine.path(value.replace("/", "\\"))
    sees = NOT_FOUND[browser.family]
    if not file.is_absolute():
        return Found(place, file, Issue("Path to native messaging host manifest must be "
                                        f"absolute. ({value})", sees))
    if not machine.real(file).is_file():
        return Found(place, file, Issue(f"Error reading native manifest file {file}: file is "
                                        "referenced in the registry but does not exist", sees))
    return Found(place, file)


def diagnose(browser: Browser, machine: Machine, live: bool = True) -> Report:
    report = Report(browser)
    if machine.os not in browser.specs:
        report.checks.append(Check("manifest", False, f"not available on {machine.os}"))
        return report
    found = find(browser, machine)
    if not found:
        report.checks.append(_nothing_found(browser, machine))
        return report
    chosen, data, failure, skipped = _choose(found, browser, machine)
    report.manifest, report.source = str(chosen.file), str(chosen.place)
    report.shadowed = [str(f.file) for f in found if f is not chosen]
    report.checks += skipped
    if failure is None or failure.name != "manifest":
        report.checks.append(Check("manifest", True, _where(chosen)))
    if failure:
        report.checks.append(failure)
        return report
    ids = ", ".join(expected_ids(browser.family))
    report.checks.append(Check("extension", True, f"allows {ids}"))
    path = machine.path(data["path"])
    if not path.is_absolute():  # Windows resolves it against the manifest's folder
        path = chosen.file.parent / path
    report.checks.append(_launcher_check(path, browser, machine))
    if not report.ok:
        return report
    if browser.flatpak:
        report.checks.append(_flatpak_permission(browser, machine))
    elif live:
        _round_trip(report, chosen, path, machine)
    if chosen.place.scope == "system":
        report.checks += _system_python(path, machine)
    return report


def _where(found: Found) -> str:
    if isinstance(found.place, Key):
        return f"{found.file} (named by {found.place.key})"
    return f"{found.file} ({found.place.scope} scope)"


def _nothing_found(browser: Browser, machine: Machine) -> Check:
    where = [str(p) for p in search_order(browser, machine)]
    return Check("manifest", False, f"no manifest in any of the {len(where)} places "
                 f"{browser.title} reads: {'; '.join(where)}",
                 log=f"Can't find manifest for native messaging host {HOST_NAME}"
                 if browser.family == "chromium" else "", sees=NOT_FOUND[browser.family],
                 fix=f"pocket-companion install --browser {browser.name}")


def _evaluate(found: Found, browser: Browser, machine: Machine) -> tuple[Any, Check | None]:
    """The manifest's data, and the first check of the browser's that it fails."""
    fix = f"pocket-companion install --browser {browser.name}"

    def fail(name: str, issue: Issue) -> Check:
        return Check(name, False, f"{found.file}: {issue.log}", issue.log, issue.sees, fix)

    if found.problem:
        return None, fail("manifest", found.problem)
    text = machine.real(found.file).read_text(encoding="utf-8", errors="replace")
    data, issue = parse(text, browser.family, str(found.file))
    issue = issue or check(data, browser.family, machine, str(found.file))
    if issue:
        return data, fail("manifest", issue)
    issue = check_ids(data, browser.family, str(found.file))
    return data, fail("extension", issue) if issue else None


def _choose(found: list[Found], browser: Browser, machine: Machine
            ) -> tuple[Found, Any, Check | None, list[Check]]:
    """The manifest the browser uses: Chromium takes the first, even a broken one;
    Firefox on Linux and macOS passes over broken ones to the next."""
    results = [(hit, *_evaluate(hit, browser, machine)) for hit in found]
    if browser.family == "firefox" and machine.os != "windows":
        for index, (hit, data, failure) in enumerate(results):
            if failure is None:
                skipped = [Check("skipped manifest", True, f"{browser.title} passes over "
                                 f"{h.file}: {f.log}", fix=f"delete {h.file}")
                           for h, _, f in results[:index] if f]
                return hit, data, None, skipped
    hit, data, failure = results[0]
    return hit, data, failure, []


def _launcher_check(path: PurePath, browser: Browser, machine: Machine) -> Check:
    real = machine.real(path)
    fix = f"pocket-companion install --browser {browser.name}"
    if not real.exists():
        log = (f"Found manifest, but not the binary for native messaging host {HOST_NAME}. "
               f"Host path specified in the manifest: {path}")
        return Check("launcher", False, f"{path} does not exist", log,
                     NOT_FOUND[browser.family], fix)
    runnable = (path.suffix.lower() in (".exe", ".cmd", ".bat") if machine.os == "windows"
                else real.is_file() and os.access(real, os.X_OK))
    if not runnable:
        return Check("launcher", False, f"{path} is not an executable file (permission "
                     "denied)", sees=cannot_start(browser.family, machine.os),
                     fix=f"chmod 755 '{path}', or {fix}")
    python = _pinned(path, machine)
    if python and not machine.real(machine.path(python)).exists():
        return Check("launcher", False, f"{path} runs {python}, which no longer exists (was "
                     "the environment moved or rebuilt?)", "Native host has exited.",
                     DIED_EARLY[browser.family], f"{fix}, from the Python you use now")
    return Check("launcher", True, f"{path} is executable" + (f"; runs {python}" if python
                                                              else ""))


def _pinned(path: PurePath, machine: Machine) -> str | None:
    """The interpreter a launcher runs (None for pip's ``.exe``, which is its own program)."""
    if path.suffix.lower() == ".exe":
        return None
    return pinned_python(machine.real(path).read_text(errors="replace"))


def _system_python(path: PurePath, machine: Machine) -> list[Check]:
    """Whether only root can change what a system launcher runs (nothing to say when the
    launcher is not one of ours)."""
    pinned = _pinned(path, machine)
    if pinned is None and path.suffix.lower() != ".exe":
        return []
    program = machine.path(pinned) if pinned else path
    problem = untrusted(machine, program, ())
    if problem:
        return [Check("system python", False, f"every user's browser runs {program}, but "
                      f"{problem}", fix=advice(machine))]
    admins = "administrators" if machine.os == "windows" else "root"
    return [Check("system python", True, f"only {admins} can change {program}")]


def _round_trip(report: Report, chosen: Found, path: PurePath, machine: Machine) -> None:
    browser, windows = report.browser, machine.os == "windows"
    caller = expected_ids(browser.family)[0]
    launcher = str(machine.real(path))
    argv = roundtrip.browser_argv(launcher, browser.family, caller, str(chosen.file), windows,
                                  machine.env.get("COMSPEC", "cmd.exe"))
    env = roundtrip.browser_env(machine.env, windows)
    result = roundtrip.run(argv, machine.real(path.parent), env, browser.family)
    report.startup_ms = result.startup_ms
    seen = (result.reply or {}).get("data", {}).get("caller")
    if result.ok and seen != {"browser": browser.family, "id": caller}:
        result = result._replace(ok=False, fix="run `pocket-companion install` again", detail=(
            f"the host took its caller for {seen}, not {browser.family} {caller}"))
    detail = result.detail if result.ok else f"{result.detail} [started: {' '.join(argv)}]"
    report.checks.append(Check("round trip", result.ok, detail, result.log, result.sees,
                               result.fix))


def _flatpak_permission(browser: Browser, machine: Machine) -> Check:
    app = browser.flatpak or ""
    files = [places(machine)["data"] / "flatpak" / "overrides" / app,
             machine.path("/var/lib/flatpak/overrides") / app]
    for file in files:
        real = machine.real(file)
        if real.is_file() and "org.freedesktop.Flatpak=talk" in real.read_text(errors="replace"):
            return Check("sandbox", True, f"{app} may use flatpak-spawn ({file}); the round "
                         "trip runs inside the sandbox and is not repeated here")
    return Check("sandbox", False, f"{app} may not talk to org.freedesktop.Flatpak, so the "
                 "launcher cannot leave the sandbox", log="Native host has exited.",
                 sees="Native host has exited.",
                 fix=f"flatpak override --user --talk-name=org.freedesktop.Flatpak {app} "
                 "(this lets the browser run any program outside its sandbox)")
