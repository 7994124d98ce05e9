"""Private files written whole: the one place that creates and replaces data files."""

from __future__ import annotations

import os
import threading
from pathlib import Path


def ensure_private(path: Path) -> None:
    """Create ``path`` if missing (its folder 0700) and make it 0600 either way."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


def atomic_write(path: Path, data: bytes, mode: int) -> None:
    """Write a whole file or nothing: a temporary file beside it, fsync, then rename.

    The temporary name is unique per process and thread, as hosts, the CLI and a
    host's own threads may write the same file at once.
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0), mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)  # the umask must not change the mode asked for
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
