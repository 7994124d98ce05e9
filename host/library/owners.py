"""Who holds a claim (a change being sent, a page being fetched): ``host:pid:nonce``, so
that a claim held by a process of this computer that is gone can be taken at once."""

from __future__ import annotations

import os
from functools import cache


@cache
def _hostname() -> str:
    import socket  # loaded only when something is claimed

    return socket.gethostname()


def new_owner() -> str:
    return f"{_hostname()}:{os.getpid()}:{os.urandom(4).hex()}"


def owner_alive(owner: str) -> bool:
    """False only when ``owner`` is a process of this computer known to be gone."""
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != _hostname() or not pid_text.isdigit():
        return True
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True
