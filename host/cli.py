"""``pocket-companion``: the same operations as the host, from a terminal.

Each command goes through the protocol's own action handlers, so ``--json``
prints exactly the ``data`` object the host would reply with.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import __version__
from .actions import ACTIONS, Context, Later
from .caller import Caller
from .config import data_dir
from .core import Companion, Deps
from .dispatch import as_error
from .keyagent import TokenCache
from .keychain import KeyringTokenStore
from .logs import setup_logging
from .params import Params
from .text import for_terminal, terminal_lines

if TYPE_CHECKING:
    from .openers import Opener

Data = dict[str, Any]


def call(companion: Companion, name: str, params: Data) -> Data:
    """Run one action's own handler, as the host does; its errors propagate."""
    action = ACTIONS[name]
    ctx = Context(Caller("cli", ""), _progress, threading.Event(), lambda: 0)
    result = action.handler(companion, Params(params, action.params), ctx)
    return result.run() if isinstance(result, Later) else result


def _progress(stage: str, data: Data) -> None:
    if stage == "authorize" and data["shown_in"] == "window":
        print("Approve Pocket Companion in the window that opened.", file=sys.stderr)
    elif stage == "authorize":
        print(f"Approve Pocket Companion in your browser. If no browser appears, open:\n"
              f"  {for_terminal(data['url'])}", file=sys.stderr)


def _state_line(data: Data) -> str:
    url = for_terminal(data["url"])
    if data["state"] == "synced":
        return f"Saved {url} (synced)"
    reason = for_terminal(data.get("warning", {}).get("message") or "no account connected")
    return f"Saved {url} locally; it will be synced later ({reason})"


def cmd_save(c: Companion, args: argparse.Namespace) -> Data | str:
    data = call(c, "save", {"url": args.url, "title": args.title, "tags": args.tag})
    return data if args.json else _state_line(data)


def cmd_list(c: Companion, args: argparse.Namespace) -> Data | str:
    data = call(c, "list", {"limit": args.limit, "offset": args.offset, "status": args.status})
    if args.json:
        return data
    lines = []
    for item in data["items"]:
        mark = "*" if item["state"] == "pending" else " "
        tags = f"  [{', '.join(map(for_terminal, item['tags']))}]" if item["tags"] else ""
        title = f"{for_terminal(item['title'])} " if item["title"] else ""
        lines.append(f"{mark} {item['saved_at'][:10]}  {title}<{for_terminal(item['url'])}>{tags}")
    shown = len(data["items"])
    lines.append(f"{shown} of {data['total']} saved pages shown (* = not yet synced)")
    return "\n".join(lines)


def cmd_status(c: Companion, args: argparse.Namespace) -> Data | str:
    data = call(c, "status", {})
    if args.json:
        return data
    account = data["account"]
    who = (f"{for_terminal(account['username'])} on {for_terminal(account['server'])}"
           if account else "no account (local only)")
    lines = [f"Account: {who}", f"Waiting to sync: {data['pending']}"]
    if data["last_error"]:
        lines.append(f"Last sync problem: {for_terminal(data['last_error'])}")
    lines.append(f"Data folder: {for_terminal(str(c.home))}")
    return "\n".join(lines)


def cmd_sync(c: Companion, args: argparse.Namespace) -> Data | str:
    data = call(c, "sync", {})
    return data if args.json else f"Synced {data['synced']}; still waiting: {data['pending']}"


ASK = "-"  # --consumer-key with no value: the key is asked for, not given in the arguments


def _consumer_key(given: str | None) -> str | None:
    """The key from the terminal or stdin (``--consumer-key`` alone), else as given; a key in
    the arguments works but is visible to every user of this computer while it runs."""
    if given is None:
        return None
    if given != ASK:
        print("pocket-companion: note: other users of this computer can see a consumer key "
              "given in the command line; next time leave the value out and type it when "
              "asked (or set POCKET_CONSUMER_KEY)", file=sys.stderr)
        return given
    if sys.stdin.isatty():
        print("Consumer key: ", end="", file=sys.stderr, flush=True)
    return sys.stdin.readline().strip() or None


def cmd_login(c: Companion, args: argparse.Namespace) -> Data | str:
    params = {"server": args.server, "consumer_key": _consumer_key(args.consumer_key),
              "timeout": args.timeout, "show_in": "browser" if args.system_browser else None}
    data = call(c, "login", {k: v for k, v in params.items() if v is not None})
    synced = call(c, "sync", {})
    if args.json:
        return {**data, "synced": synced["synced"]}
    return f"Logged in as {data['username']} on {data['server']}; synced {synced['synced']}"


def cmd_logout(c: Companion, args: argparse.Namespace) -> Data | str:
    call(c, "logout", {})
    return "Logged out; the token was removed from the keychain"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pocket-companion", description=__doc__)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    def command(name: str, func: Callable[..., Data | str], text: str) -> argparse.ArgumentParser:
        cmd = sub.add_parser(name, help=text, description=text)
        cmd.set_defaults(func=func)
        cmd.add_argument("--json", action="store_true", help="print the protocol's data object")
        return cmd

    save = command("save", cmd_save, "save a page to the reading list")
    save.add_argument("url")
    save.add_argument("--title")
    save.add_argument("--tag", action="append", default=[], help="a tag (repeatable)")
    listing = command("list", cmd_list, "show saved pages, newest first")
    listing.add_argument("--limit", type=int, default=50)
    listing.add_argument("--offset", type=int, default=0)
    listing.add_argument("--status", choices=("unread", "archived", "all"), default="all")
    command("status", cmd_status, "show the account and what waits to be synced")
    command("sync", cmd_sync, "send everything waiting to the connected account now")
    login = command("login", cmd_login, "connect an account (Pocket v3 server)")
    login.add_argument("--server", help="server URL (default: the configured one)")
    login.add_argument("--consumer-key", nargs="?", const=ASK, metavar="KEY",
                       help="the app's consumer key on that server; give the option alone and "
                            "type the key when asked (or pipe it in): a key in the command "
                            "line is visible to other users")
    login.add_argument("--system-browser", action="store_true",
                       help="show the authorize page in the default web browser instead of a "
                            "window of its own (automatic when no display is available)")
    login.add_argument("--timeout", type=int, help="seconds to wait for approval (default 300)")
    command("logout", cmd_logout, "disconnect the account and delete its token")
    from pocket_companion_installer.cli import register  # install, uninstall, doctor

    register(sub)
    return parser


def main(argv: list[str] | None = None, opener: Opener | None = None) -> int:
    """The command line; ``opener`` replaces the login window (tests)."""
    args = _parser().parse_args(argv)
    try:
        home = data_dir()
        setup_logging(home / "logs", stderr=False)
        tokens = KeyringTokenStore(cache=TokenCache.from_env())
        result = args.func(Companion(home, Deps(tokens=tokens, opener=opener)), args)
    except Exception as exc:
        print(f"pocket-companion: {for_terminal(as_error(exc, args.command).message)}",
              file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("pocket-companion: interrupted", file=sys.stderr)
        return 130
    print(json.dumps(result, indent=2) if isinstance(result, dict) else terminal_lines(result))
    return 0
