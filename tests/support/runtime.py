"""Runtime folders of their own for tests and benchmarks, as ``$XDG_RUNTIME_DIR``.

Hosts and the CLI keep their token cache (:mod:`pocket_companion.keyagent`) there, so a
folder per test or run keeps caches apart; :func:`remove` stops the agents in it first.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from pocket_companion.keyagent import TokenCache


def make() -> str:
    """A new private (0700) folder with a short path, as a socket's address must be."""
    return tempfile.mkdtemp(prefix="pc-run-")


def remove(runtime: str) -> None:
    """Stop the token caches started in ``runtime``, then delete it."""
    for path in Path(runtime).glob("pocket-companion/*.sock"):
        TokenCache(str(path), 1.0).forget()  # an agent holding nothing exits
    shutil.rmtree(runtime, ignore_errors=True)
