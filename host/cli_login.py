"""``pocket-companion login`` and ``logout``: connect an account of any service.

A service's plain fields are options (``--client-id``, ``--username``); its secret ones
(a password, a client secret, a token) never are: they are asked for on the terminal
without echo, or read one per line from standard input when it is not a terminal, in the
order the service lists them. Nothing secret is taken from the arguments or the
environment, which other users of this computer can read.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pocket_companion.services import SERVICES, spec_of
from pocket_companion.services.spec import Field
from pocket_companion.text import for_terminal

if TYPE_CHECKING:
    from pocket_companion.core import Companion

Data = dict[str, Any]
ASK = "-"  # --consumer-key with no value: the key is asked for, not given in the arguments


def _plain_fields() -> dict[str, tuple[Field, list[str]]]:
    """Every service's fields that may be options, by name, with the services that have it."""
    found: dict[str, tuple[Field, list[str]]] = {}
    for spec in SERVICES.values():
        for field in spec.fields:
            if not field.secret and field.name != "consumer_key":
                found.setdefault(field.name, (field, []))[1].append(spec.name)
    return found


def _option(name: str) -> str:
    return "--" + name.replace("_", "-")


def progress(stage: str, data: Data) -> None:
    """A login's progress, told on standard error."""
    if stage == "authorize" and data["shown_in"] == "window":
        print("Approve Pocket Companion in the window that opened.", file=sys.stderr)
    elif stage == "authorize":
        print(f"Approve Pocket Companion in your browser. If no browser appears, open:\n"
              f"  {for_terminal(data['url'])}", file=sys.stderr)
    elif stage == "device_code":
        print(f"On any device, open {for_terminal(data['verification_uri'])} and enter the "
              f"code {for_terminal(data['user_code'])}\n(or open "
              f"{for_terminal(data['verification_uri_complete'])}). Waiting for approval…",
              file=sys.stderr)


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
    return _read("Consumer key")


def _read(label: str) -> str | None:
    """One secret: typed without echo on a terminal, else the next line of standard input."""
    if sys.stdin.isatty():
        return getpass.getpass(f"{label}: ").strip() or None
    return sys.stdin.readline().strip() or None


def _secrets(service: str, args: argparse.Namespace) -> dict[str, str]:
    """The service's secret fields, asked for in order (an optional one only with its
    option, such as Readeck's ``--token``)."""
    given: dict[str, str] = {}
    for field in spec_of(service).fields:
        if field.secret and (not field.optional or getattr(args, field.name, False)):
            value = _read(field.label)
            if value:
                given[field.name] = value
    return given


def cmd_login(c: Companion, args: argparse.Namespace) -> Data | str:
    from pocket_companion.cli import call

    service = args.service or c.config.load().service
    fields = {name: getattr(args, name) for name in _plain_fields()
              if getattr(args, name, None)}
    fields = {k: ("1" if v is True else v) for k, v in fields.items()}
    key = _consumer_key(args.consumer_key)
    if key:
        fields["consumer_key"] = key
    show_in = "device" if args.device else "browser" if args.system_browser else None
    params = {"service": args.service, "server": args.server, "fields": fields or None,
              "secrets": _secrets(service, args) or None, "timeout": args.timeout,
              "show_in": show_in}
    data = call(c, "login", {k: v for k, v in params.items() if v is not None})
    synced = call(c, "sync", {})
    if args.json:
        return {**data, "synced": synced["synced"], "pulled": synced["pulled"]}
    return (f"Logged in as {data['username']} on {data['server']}; sent {synced['synced']} "
            f"changes, {synced['pulled']} came from the account")


def cmd_logout(c: Companion, args: argparse.Namespace) -> Data | str:
    from pocket_companion.cli import call

    call(c, "logout", {})
    return "Logged out; the token was removed from the keychain"


def register(command: Callable[..., argparse.ArgumentParser]) -> None:
    login = command("login", cmd_login,
                    "connect an account; its list is synced both ways. Secrets (passwords, "
                    "tokens) are asked for, or read one per line from standard input")
    login.add_argument("--service", choices=sorted(SERVICES),
                       help="the kind of server (default: the configured one, else pocket)")
    login.add_argument("--server", help="server URL (default: the configured one, else the "
                       "service's own)")
    for name, (field, services) in _plain_fields().items():
        text = f"({', '.join(services)}) {field.hint}"
        if field.kind == "flag":
            login.add_argument(_option(name), dest=name, action="store_true", help=text)
        else:
            login.add_argument(_option(name), dest=name, metavar=name.upper(), help=text)
    optional = {field.name: (spec, field) for spec in SERVICES.values()
                for field in spec.fields if field.secret and field.optional}
    for spec, field in optional.values():
        login.add_argument(_option(field.name), dest=field.name, action="store_true",
                           help=f"({spec.name}) {field.hint}; it is asked for")
    login.add_argument("--consumer-key", nargs="?", const=ASK, metavar="KEY",
                       help="(pocket) the app's consumer key on that server; give the option "
                            "alone and type the key when asked (or pipe it in): a key in the "
                            "command line is visible to other users")
    login.add_argument("--system-browser", action="store_true",
                       help="show the sign-in page in the default web browser instead of a "
                            "window of its own (automatic when no display is available)")
    login.add_argument("--device", action="store_true",
                       help="(readeck) approve the login on another device with a code, "
                            "instead of a sign-in page here")
    login.add_argument("--timeout", type=int, help="seconds to wait for approval (default 300)")
    command("logout", cmd_logout, "disconnect the account and delete its token")
