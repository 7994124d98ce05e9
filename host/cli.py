"""``pocket-companion``: the same operations as the host, from a terminal.

Each command goes through the protocol's own action handlers, so ``--json``
prints exactly the ``data`` object the host would reply with.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

from pocket_companion import __version__
from pocket_companion.account.secrets.keyagent import TokenCache
from pocket_companion.account.secrets.keychain import KeyringTokenStore
from pocket_companion.actions import ACTIONS, Context, Later
from pocket_companion.config import data_dir
from pocket_companion.core import Companion, Deps
from pocket_companion.errors import InvalidParams
from pocket_companion.library.changes import UNDO_SECONDS
from pocket_companion.logs import setup_logging
from pocket_companion.nativehost.caller import Caller
from pocket_companion.nativehost.dispatch import as_error
from pocket_companion.nativehost.params import Params
from pocket_companion.services import SERVICES
from pocket_companion.text import for_terminal, terminal_lines

if TYPE_CHECKING:
    from pocket_companion.account.login.openers import Opener

Data = dict[str, Any]
DESCRIPTION = ("Save pages for later and keep your reading list, from a terminal. The commands "
               "do what the browser extension does, through the same program; with --json they "
               "print the data the extension would receive.")


class Outcome(NamedTuple):
    """What a command printed, and the failed parts: a line each on stderr, exit status 1."""

    shown: Data | str
    failures: list[str]


def call(companion: Companion, name: str, params: Data) -> Data:
    """Run one action's own handler, as the host does; its errors propagate."""
    action = ACTIONS[name]
    from pocket_companion.cli_login import progress

    ctx = Context(Caller("cli", ""), progress, threading.Event(), lambda: 0)
    result = action.handler(companion, Params(params, action.params), ctx)
    return result.run() if isinstance(result, Later) else result


def _state_line(data: Data) -> str:
    url = for_terminal(data["url"])
    if data["state"] == "synced":
        return f"Saved {url} (synced)"
    reason = for_terminal(data.get("warning", {}).get("message") or "no account connected")
    return f"Saved {url} locally; it will be synced later ({reason})"


def cmd_save(c: Companion, args: argparse.Namespace) -> Data | str:
    data = call(c, "save", {"url": args.url, "title": args.title, "tags": args.tag})
    return data if args.json else _state_line(data)


def _item_line(item: Data) -> str:
    mark = "*" if item["state"] == "pending" else " "
    tags = f"  [{', '.join(map(for_terminal, item['tags']))}]" if item["tags"] else ""
    title = f"{for_terminal(item['title'])} " if item["title"] else ""
    flags = [name for name, on in (("archived", item["status"] == "archived"),
                                   ("favourite", item["favorite"])) if on]
    shown = f"  ({', '.join(flags)})" if flags else ""
    return f"{mark} {item['saved_at'][:10]}  {title}<{for_terminal(item['url'])}>{tags}{shown}"


def _list_params(args: argparse.Namespace) -> Data:
    params = {"limit": args.limit, "offset": args.offset, "status": args.status,
              "query": args.search, "tag": args.tag, "favorite": args.favorite or None,
              "sort": args.sort}
    return {name: value for name, value in params.items() if value is not None}


def _next_page(args: argparse.Namespace, offset: int) -> str:
    """The command that shows the next page, options as given."""
    words = ["pocket-companion", "list"]
    for option, value in (("--search", args.search), ("--tag", args.tag),
                          ("--status", None if args.status == "all" else args.status),
                          ("--sort", args.sort),
                          ("--limit", None if args.limit == 50 else str(args.limit))):
        if value is not None:
            words += [option, value]
    words += ["--favorite"] if args.favorite else []
    return shlex.join([*words, "--offset", str(offset)])


def _snippet_line(item: Data) -> list[str]:
    """The article text around the search's words, under its page, the words in «»."""
    if "snippet" not in item:
        return []
    text = for_terminal(item["snippet"].replace("\x02", "«").replace("\x03", "»"))
    return [f"      {text}"]


def cmd_list(c: Companion, args: argparse.Namespace) -> Data | str:
    data = call(c, "list", _list_params(args))
    if args.json:
        return data
    lines = [line for item in data["items"] for line in [_item_line(item), *_snippet_line(item)]]
    filtered = bool(args.search or args.tag or args.favorite) or args.status != "all"
    lines.append(f"{len(data['items'])} of {data['total']} {'matching ' if filtered else ''}"
                 "saved pages shown (* = not yet synced)")
    if "next_offset" in data:
        lines.append(f"Next page: {_next_page(args, data['next_offset'])}")
    return "\n".join(lines)


def _pages(count: int) -> str:
    return f"{count} page{'' if count == 1 else 's'}"


# command: (op, help, what the text output says was done)
CHANGES = {
    "archive": ("archive", "move pages to the archive", "Archived {}"),
    "unarchive": ("readd", "move archived pages back to unread", "Moved {} back to unread"),
    "favorite": ("favorite", "mark pages as favourites", "Marked {} as favourite"),
    "unfavorite": ("unfavorite", "unmark favourites", "Removed {} from the favourites"),
    "delete": ("delete", f"remove pages (restore brings them back within {UNDO_SECONDS:.0f} s)",
               "Deleted {}"),
    "restore": ("restore", f"bring back pages deleted in the last {UNDO_SECONDS:.0f} s",
                "Restored {}"),
}


def _failures(data: Data) -> list[str]:
    return [f"{for_terminal(r['url'])}: {for_terminal(r['error']['message'])}"
            for r in data["results"] if not r["ok"]]


def cmd_change(c: Companion, args: argparse.Namespace) -> Outcome:
    """archive, unarchive, favorite, unfavorite, delete and restore: one ``modify_many``."""
    op, _, done = CHANGES[args.command]
    data = call(c, "modify_many", {"urls": args.urls, "op": op})
    if args.json:
        return Outcome(data, _failures(data))
    lines = [done.format(_pages(data["applied"]))]
    changed = [r["url"] for r in data["results"] if r["ok"]]
    if op == "delete" and changed:
        lines.append(f"Undo within {UNDO_SECONDS:.0f} s: "
                     f"{shlex.join(['pocket-companion', 'restore', *changed])}")
    return Outcome("\n".join(lines), _failures(data))


def cmd_tag(c: Companion, args: argparse.Namespace) -> Outcome:
    """Tags added and removed: a ``modify_many`` for each (``--json``: both replies)."""
    if not args.add and not args.remove:
        raise InvalidParams("give --add TAG or --remove TAG (each may be repeated)")
    if set(args.add) & set(args.remove):
        raise InvalidParams("a tag cannot be both added and removed")
    replies: Data = {}
    for op, tags in (("tags_add", args.add), ("tags_remove", args.remove)):
        if tags:
            replies[op] = call(c, "modify_many", {"urls": args.urls, "op": op, "tags": tags})
    failures = list(dict.fromkeys(line for data in replies.values() for line in _failures(data)))
    if args.json:
        return Outcome(replies, failures)
    changed = min(data["applied"] for data in replies.values())
    marks = [f"+{tag}" for tag in args.add] + [f"-{tag}" for tag in args.remove]
    return Outcome(f"Tagged {_pages(changed)}: {for_terminal(' '.join(marks))}", failures)


def cmd_status(c: Companion, args: argparse.Namespace) -> Data | str:
    data = call(c, "status", {})
    if args.json:
        return data
    account = data["account"]
    spec = SERVICES.get(account["service"]) if account else None
    who = (f"{for_terminal(account['username'])} on {for_terminal(account['server'])} "
           f"({spec.title if spec else for_terminal(account['service'])})" if account
           else "no account (local only)")
    lines = [f"Account: {who}", f"Waiting to sync: {data['pending']}"]
    if data["last_error"]:
        lines.append(f"Last sync problem: {for_terminal(data['last_error'])}")
    if account and data["import"] and data["import"]["sent"] < data["import"]["total"]:
        lines.append(_import_line(data["import"], data["held"]))
    lines.append(_articles_line(data["articles"], data["fetch_articles"]))
    lines.append(f"Data folder: {for_terminal(str(c.home))}")
    return "\n".join(lines)


def _articles_line(articles: Data, fetching: bool) -> str:
    """``Readable copies: 1,204 (38.2 MB); 12 waiting to be fetched, 3 could not be``."""
    line = f"Readable copies: {articles['count']:,} ({articles['bytes'] / 1e6:.1f} MB)"
    waiting = [f"{articles['pending']:,} waiting to be fetched" if articles["pending"] else "",
               f"{articles['failed']:,} could not be" if articles["failed"] else ""]
    if any(waiting):
        line += "; " + ", ".join(part for part in waiting if part)
    return line + ("" if fetching else "; fetching pages is off")


def _import_line(progress: Data, held: Data | None) -> str:
    """``Import: 12,400 of 20,000 sent; next batch at 14:05 (rate limit)``."""
    import time

    line = f"Import: {progress['sent']:,} of {progress['total']:,} sent"
    if held:
        when = time.strftime("%H:%M", time.localtime(time.time() + held["seconds"]))
        why = {"rate_limited": "rate limit", "offline": "server unreachable"}.get(
            held["reason"], held["reason"])
        line += f"; next batch at {when} ({why})"
    return line


def cmd_preferences(c: Companion, args: argparse.Namespace) -> Data | str:
    """Show the preferences; ``--fetch-articles on|off`` changes that one first."""
    changes = {} if args.fetch_articles is None else {"fetch_articles": args.fetch_articles == "on"}
    data = call(c, "preferences", changes)
    if args.json:
        return data
    fetching = "on" if data["fetch_articles"] else "off"
    return (f"Fetching readable copies of pages saved without one: {fetching}\n"
            f"Reader view: theme {data['reader_theme']}, images "
            f"{'shown' if data['reader_images'] else 'hidden'} unless chosen for a page")


def cmd_sync(c: Companion, args: argparse.Namespace) -> Data | str:
    data = call(c, "sync", {})
    if args.json:
        return data
    return (f"Sent {data['synced']} changes; {data['pulled']} came from the account; "
            f"still waiting: {data['pending']}")


Command = Callable[[str, Callable[..., Data | str | Outcome], str], argparse.ArgumentParser]


def _reading_commands(command: Command) -> None:
    """``list`` and the commands that change pages."""
    listing = command("list", cmd_list, "show saved pages, newest first (or as found)")
    listing.add_argument("--search", metavar="Q", help="words, \"a phrase\", -word, tag:NAME, "
                         "is:archived|unread|favorite, site:example.org")
    listing.add_argument("--tag", metavar="T", help="only pages with this tag")
    listing.add_argument("--favorite", action="store_true", help="only favourites")
    listing.add_argument("--status", choices=("unread", "archived", "all"), default="all")
    listing.add_argument("--sort", choices=("newest", "oldest", "relevance"),
                         help="default: relevance with search words, else newest")
    listing.add_argument("--limit", type=int, default=50)
    listing.add_argument("--offset", type=int, default=0)
    for name, (_, text, _) in CHANGES.items():
        command(name, cmd_change, text).add_argument("urls", nargs="+", metavar="URL")
    tag = command("tag", cmd_tag, "add and remove tags of pages")
    tag.add_argument("urls", nargs="+", metavar="URL")
    tag.add_argument("--add", action="append", default=[], metavar="TAG", help="repeatable")
    tag.add_argument("--remove", action="append", default=[], metavar="TAG", help="repeatable")


def _parser(argv: list[str]) -> argparse.ArgumentParser:
    """The commands; the installer's (install, uninstall, doctor) only when ``argv`` may
    name one of them or asks for the list: the other commands do not load the installer."""
    parser = argparse.ArgumentParser(prog="pocket-companion", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    def command(name: str, func: Callable[..., Data | str | Outcome], text: str
                ) -> argparse.ArgumentParser:
        cmd = sub.add_parser(name, help=text, description=text)
        cmd.set_defaults(func=func)
        cmd.add_argument("--json", action="store_true", help="print the protocol's data object")
        return cmd

    save = command("save", cmd_save, "save a page to the reading list")
    save.add_argument("url")
    save.add_argument("--title")
    save.add_argument("--tag", action="append", default=[], help="a tag (repeatable)")
    _reading_commands(command)
    command("status", cmd_status, "show the account and what waits to be synced")
    command("preferences", cmd_preferences, "show or change the preferences").add_argument(
        "--fetch-articles", choices=("on", "off"), help="fetch a readable copy of each page "
        "saved without one (links, saved tabs, imports, pulled pages)")
    command("sync", cmd_sync, "send everything waiting to the connected account, then bring "
            "in what changed there")
    from pocket_companion.cli_login import register as register_login  # login, logout
    from pocket_companion.cli_transfer import register as register_transfer  # import, export

    register_login(command)

    register_transfer(command)
    first = next((word for word in argv if not word.startswith("-")), None)
    if first is None or first not in sub.choices:
        from pocket_companion_installer.cli import register  # install, uninstall, doctor

        register(sub)
    return parser


def main(argv: list[str] | None = None, opener: Opener | None = None) -> int:
    """The command line; ``opener`` replaces the login window (tests)."""
    words = sys.argv[1:] if argv is None else argv
    args = _parser(words).parse_args(words)
    try:
        home = data_dir()
        setup_logging(home / "logs", stderr=False)
        tokens = KeyringTokenStore(cache=TokenCache.from_env())
        result = args.func(Companion(home, Deps(tokens=tokens, opener=opener)), args)
    except BrokenPipeError:  # an export to standard output whose reader stopped
        return _reader_gone()
    except Exception as exc:
        print(f"pocket-companion: {for_terminal(as_error(exc, args.command).message)}",
              file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("pocket-companion: interrupted", file=sys.stderr)
        return 130
    shown, failures = result if isinstance(result, Outcome) else (result, [])
    try:
        if shown != "":  # an export to standard output has written its data already
            print(json.dumps(shown, indent=2) if isinstance(shown, dict)
                  else terminal_lines(shown))
        sys.stdout.flush()
    except BrokenPipeError:  # `... | head` stopped reading: not a failure of ours
        return _reader_gone()
    for line in failures:
        print(f"pocket-companion: {line}", file=sys.stderr)
    return 1 if failures else 0


def _reader_gone() -> int:
    """Standard output was closed by its reader: stop quietly, as ``sh`` tools do (128 +
    SIGPIPE), and keep Python from reporting the pipe again when it exits."""
    import os

    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 141
