"""The real host and the real CLI, with a login window that plays a script (tests only).

The window's script acts as the person on the authorize page (see
:mod:`pocket_companion.account.login.login_window`). Shipped code has no switch for it: only
code that builds the opener can give one, as this module does::

    python -m tests.support.scripted host SCRIPT [HOST ARGUMENTS...]
    python -m tests.support.scripted cli SCRIPT [CLI ARGUMENTS...]
"""

from __future__ import annotations

import sys

from pocket_companion import cli
from pocket_companion.account.login.window import EmbeddedWindow
from pocket_companion.nativehost import host

MODULE = "tests.support.scripted"


def main(argv: list[str]) -> int:
    program, script, rest = argv[0], argv[1], argv[2:]
    window = EmbeddedWindow(script=script)
    if program == "host":
        sys.argv = [sys.argv[0], *rest]
        return host.main(opener=window)
    return cli.main(rest, opener=window)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
