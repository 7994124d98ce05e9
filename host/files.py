"""Private files and folders: the one place that creates data folders and files.

Folders are created 0700 and files 0600 whatever the umask, missing parents included
(``os.makedirs`` applies its mode to the last folder only: under umask 000 a fresh
``~/.local`` would be 0777, and another user could swap the folders inside it). A data
folder that other users could change is refused (:class:`~.errors.UnsafeFolder`).
"""

from __future__ import annotations

import contextlib
import os
import stat
import threading

from pocket_companion.errors import UnsafeFolder


def private_folder(path: str) -> str:
    """Create ``path`` and its missing parents 0700; refuse it if others could change it."""
    missing = []
    folder = os.path.abspath(path)
    while not os.path.lexists(folder) and folder != os.path.dirname(folder):
        missing.append(folder)
        folder = os.path.dirname(folder)
    for folder in reversed(missing):
        try:
            os.mkdir(folder, 0o700)
        except FileExistsError:
            continue  # made by another process meanwhile: checked below like any other
        os.chmod(folder, 0o700)  # the umask may have taken the owner's bits too
    problem = unsafe(path)
    if problem:
        raise UnsafeFolder(problem)
    return path


def unsafe(path: str) -> str | None:
    """Why another local user could change what is in ``path``; None if nobody can.

    The folder must be yours and writable by you alone; each folder above it (as named,
    and after symlinks) must be yours or root's, and not writable by everyone unless it
    is sticky as ``/tmp`` is. Where there are no POSIX owners (Windows) the system's ACLs
    apply and nothing is checked here.
    """
    if not hasattr(os, "getuid"):
        return None
    uid = os.getuid()
    info = os.stat(path)
    if info.st_uid != uid:
        return f"the data folder {path} belongs to another user; choose a folder of your own"
    if info.st_mode & 0o022:
        return (f"other users can change the data folder {path} (mode "
                f"{stat.S_IMODE(info.st_mode):04o}); run: chmod go-w '{path}'")
    for above, info in _above(path):
        if info.st_uid not in (0, uid):
            return f"{above}, a folder above the data folder, belongs to another user"
        if info.st_mode & 0o002 and not info.st_mode & stat.S_ISVTX:
            return (f"every user can change {above}, a folder above the data folder; "
                    f"run: chmod o-w '{above}'")
    return None


def _above(path: str) -> list[tuple[str, os.stat_result]]:
    """The folders above ``path`` as named (lstat) and as they really are (stat)."""
    found = []
    for start, look in ((os.path.abspath(path), os.lstat), (os.path.realpath(path), os.stat)):
        folder = os.path.dirname(start)
        while True:
            found.append((folder, look(folder)))
            if folder == os.path.dirname(folder):
                break
            folder = os.path.dirname(folder)
    return found


def ensure_private(path: str | os.PathLike[str]) -> None:
    """Create ``path`` if missing (its folder 0700) and make it 0600 either way."""
    private_folder(os.path.dirname(os.fspath(path)))
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
