"""Private files written whole: the one place that creates and replaces data files."""

from __future__ import annotations

import contextlib
import os
import threading


def ensure_private(path: str | os.PathLike[str]) -> None:
    """Create ``path`` if missing (its folder 0700) and make it 0600 either way."""
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


def atomic_write(path: str | os.PathLike[str], data: bytes, mode: int) -> None:
    """Write a whole file or nothing: a temporary file beside it, fsync, then rename.

    The temporary name is unique per process and thread, as hosts, the CLI and a
    host's own threads may write the same file at once.
    """
    folder, name = os.path.split(path)
    tmp = os.path.join(folder, f".{name}.{os.getpid()}.{threading.get_ident()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0), mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)  # the umask must not change the mode asked for
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
