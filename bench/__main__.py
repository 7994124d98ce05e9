"""``python -m bench [--tiny]``: run every benchmark and print the table."""

from __future__ import annotations

import argparse
import compileall
import os
import platform
import sys
import tempfile
from pathlib import Path

from tests.fakepocket import FakePocket
from tests.support import runtime

from . import articles, cases, pull, services, setup, transfer


def _table(rows: list[cases.Row]) -> str:
    head = f"{'benchmark':52} {'ours':>10} {'baseline':>10} {'ratio':>7}  {'target':14} verdict"
    lines = [head, "-" * len(head)]
    for row in rows:
        lines.append(f"{row.name:52} {row.value:>8.2f}{row.unit[:2]:>2} {row.baseline:>8.2f}"
                     f"{row.unit[:2]:>2} {row.ratio:>7.2f}  {row.target:14} "
                     f"{'-' if row.ok is None else 'met' if row.ok else 'MISSED'}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--tiny", action="store_true",
                        help="tiny sizes: checks that every benchmark still runs (CI)")
    args = parser.parse_args(argv)
    sizes = cases.TINY if args.tiny else cases.FULL
    copies = articles.TINY if args.tiny else articles.FULL
    for package in setup.PACKAGES:  # as `pip install` leaves them: byte-compiled
        compileall.compile_dir(package, quiet=1)
    with tempfile.TemporaryDirectory() as name, FakePocket(user_limit=10**9,
                                                           key_limit=10**9) as fake:
        tmp = Path(name)
        os.environ["XDG_RUNTIME_DIR"] = folder = runtime.make()  # the hosts' token cache
        try:
            keyenv, keychain = setup.keychain_env(tmp)
            print(f"python {platform.python_version()} on {platform.machine()}, "
                  f"keychain: {keychain}, sizes: {sizes}, copies: {copies}", flush=True)
            rows = cases.cold_hello(tmp, sizes)
            rows += cases.cold_save(tmp, sizes, fake, keyenv)
            rows += cases.warm(tmp, sizes, fake, keyenv)
            rows += cases.distant_save_all(tmp, sizes, keyenv)
            filled = setup.fill(tmp / "list", sizes.items)
            rows += cases.lookups(tmp / "list", filled, sizes)
            rows += cases.searches(tmp / "list", filled, sizes)
            rows += articles.searches(tmp / "copies", articles.fill(tmp / "copies", copies.items),
                                      copies)
            rows += transfer.imports(tmp, sizes.imported)
            rows += transfer.exports(tmp, tmp / "list", sizes.items, sizes.items // 10)
            rows += pull.first_pull(tmp, sizes.pulled, keyenv)
            rows += services.save_all(tmp, sizes.tabs, 1, keyenv, cases.WAN_DELAY)
            rows += articles.capture_clicks(tmp, fake, copies)
        finally:
            runtime.remove(folder)
    print(_table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
