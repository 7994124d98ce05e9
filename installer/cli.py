"""``pocket-companion install | uninstall | doctor``, added to the main CLI by :func:`register`.

Each command prints its report (``--json``: one JSON object) and exits with its own
status: non-zero when nothing could be installed or when any check fails.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn

from pocket_companion.text import for_terminal, terminal_lines

from .machine import SCOPES, Machine, current, receipt_path

if TYPE_CHECKING:
    from .doctor import Report
    from .install import Plan
    from .receipt import Entry

Data = dict[str, Any]
Outcome = tuple[int, Data, str]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the three commands to the main CLI's sub-commands."""
    for name, run, text in (
            ("install", _install, "register the host with browsers (all found by default)"),
            ("uninstall", _uninstall, "remove what install wrote, as its receipt lists"),
            ("doctor", _doctor, "check what each browser finds and start the host as it would")):
        cmd = sub.add_parser(name, help=text, description=text)
        cmd.set_defaults(func=_command(run))
        cmd.add_argument("--browser", action="append", default=[], metavar="NAME",
                         help="a browser from the table, e.g. chrome, firefox (repeatable)")
        cmd.add_argument("--json", action="store_true", help="print the report as JSON")
        if name != "doctor":
            cmd.add_argument("--scope", choices=SCOPES, default="user",
                             help="user (default) or system (all users; needs admin rights)")
            cmd.add_argument("--dry-run", action="store_true", help="show, change nothing")


def _command(run: Callable[[Machine, argparse.Namespace], Outcome]
             ) -> Callable[[object, argparse.Namespace], NoReturn]:
    def command(_companion: object, args: argparse.Namespace) -> NoReturn:
        from .receipt import InstallError  # the rest of the CLI does not pay for the installer

        try:
            status, data, text = run(current(), args)
        except InstallError as exc:
            print(f"pocket-companion: {for_terminal(str(exc))}", file=sys.stderr)
            raise SystemExit(1) from exc
        print(json.dumps(data, indent=2) if args.json else terminal_lines(text))
        raise SystemExit(status)

    return command


def _install(machine: Machine, args: argparse.Namespace) -> Outcome:
    from .install import apply, plan_install

    plan = plan_install(machine, args.scope, args.browser)
    if plan.browsers and not args.dry_run:
        apply(machine, plan)
    receipt = str(receipt_path(machine, args.scope))
    data = {"scope": plan.scope, "dry_run": args.dry_run, "browsers": plan.browsers,
            "writes": [w.to_dict() for w in plan.writes], "skipped": plan.skipped,
            "notes": plan.notes, "receipt": receipt}
    return (0 if plan.browsers else 1), data, _install_text(plan, args.dry_run, receipt)


def _install_text(plan: Plan, dry_run: bool, receipt: str) -> str:
    lines = []
    if plan.browsers:
        verb = "Would install (nothing written)" if dry_run else "Installed"
        lines.append(f"{verb} for {', '.join(plan.browsers)} ({plan.scope} scope):")
        for write in plan.writes:
            if write.key is not None:
                lines.append(f"  registry  {write.key} = {write.content}")
            else:
                kind = "launcher" if write.mode == 0o755 else "manifest"
                lines.append(f"  {kind:<9} {write.path}  ({write.mode:04o})")
    lines += [f"Skipped {s['browser']}: {s['reason']}" for s in plan.skipped]
    lines += [f"Note: {note}" for note in plan.notes]
    if plan.browsers and not dry_run:
        lines += [f"Receipt: {receipt}", "Check it with: pocket-companion doctor"]
    return "\n".join(lines)


def _uninstall(machine: Machine, args: argparse.Namespace) -> Outcome:
    from .install import uninstall

    results = uninstall(machine, args.scope, args.browser, args.dry_run)
    data = {"scope": args.scope, "dry_run": args.dry_run,
            "removed": [{**entry.to_dict(), "outcome": outcome} for entry, outcome in results]}
    if not results:
        return 0, data, f"Nothing to remove: no install receipt lists that ({args.scope} scope)"
    lines = [f"Uninstall ({args.scope} scope{', dry run' if args.dry_run else ''}):"]
    lines += [f"  {outcome:<13} {_shown(entry)}" for entry, outcome in results]
    return 0, data, "\n".join(lines)


def _shown(entry: Entry) -> str:
    return f"{entry.where} = {entry.value}" if entry.kind == "registry" else entry.where


def _doctor(machine: Machine, args: argparse.Namespace) -> Outcome:
    from .doctor import browsers_to_check, diagnose
    from .install import select

    chosen = select(machine, args.browser) if args.browser else browsers_to_check(machine)
    if not chosen:
        message = "no supported browser was found and nothing is installed"
        return 1, {"ok": False, "browsers": [], "problem": message}, f"Doctor: {message}"
    reports = [diagnose(browser, machine) for browser in chosen]
    ok = all(r.ok for r in reports)
    data = {"ok": ok, "browsers": [r.to_dict() for r in reports]}
    return (0 if ok else 1), data, "\n".join(_report_text(r) for r in reports)


def _report_text(report: Report) -> str:
    title = report.browser.title
    took = f" (hello in {report.startup_ms:.0f} ms)" if report.ok and report.startup_ms else ""
    lines = [f"{title} [{report.browser.name}]: {'OK' if report.ok else 'FAILED'}{took}"]
    for check in report.checks:
        lines.append(f"  {'ok' if check.ok else 'FAIL':<5} {check.name:<16} {check.detail}")
        if check.log:
            lines.append(f"  {'':<22} browser log: {check.log}")
        if check.sees:
            lines.append(f"  {'':<22} the extension sees: {check.sees}")
        if check.fix and not check.ok:
            lines.append(f"  {'':<22} fix: {check.fix}")
    lines += [f"  shadowed (not used): {path}" for path in report.shadowed]
    return "\n".join(lines)
