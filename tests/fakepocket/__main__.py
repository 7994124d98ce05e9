"""`python -m tests.fakepocket [--port 0] [--consumer-key K[:PERMS]] [--username U]`.

Prints one line {"base_url": "http://127.0.0.1:PORT"} on stdout, then serves until
SIGTERM/SIGINT.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from types import FrameType

from .fake import FakePocket


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.fakepocket", description=__doc__)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument(
        "--consumer-key", action="append", default=[], metavar="KEY[:PERMS]",
        help="repeatable; PERMS are letters a(dd) m(odify) d(retrieve), default amd",
    )
    parser.add_argument("--username", default="pocketuser")
    parser.add_argument("--count-cap", type=int, default=30)
    parser.add_argument("--user-limit", type=int, default=320)
    parser.add_argument("--key-limit", type=int, default=10000)
    parser.add_argument("--redirect-mode", choices=("302", "js"), default="302")
    parser.add_argument("--auto-approve", action="store_true")
    parser.add_argument("--no-control", action="store_true", help="disable /_fake/ endpoints")
    parser.add_argument("--verbose", action="store_true", help="log requests on stderr")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    keys = {k.partition(":")[0]: k.partition(":")[2] or "amd" for k in args.consumer_key}
    fake = FakePocket(
        keys or None, args.username, count_cap=args.count_cap, user_limit=args.user_limit,
        key_limit=args.key_limit, redirect_mode=args.redirect_mode, port=args.port,
        control=not args.no_control, auto_approve=args.auto_approve, verbose=args.verbose,
    )
    done = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        done.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    with fake:
        sys.stdout.write(json.dumps({"base_url": fake.base_url}) + "\n")
        sys.stdout.flush()
        while not done.wait(0.5):
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
