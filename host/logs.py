"""Logging to stderr and a rotating file (0600) in the data folder, with secrets scrubbed.

Tokens and consumer keys are registered with :func:`register_secret` as soon as
they are known; every formatted record (message, arguments, traceback) is
scrubbed before any handler writes it.

The host's loggers come from :func:`get_logger` and load :mod:`logging` (about 5 ms)
only when something is first logged, or once the host has sent its first reply
(:func:`ready`), so a ``hello`` is answered without it.
"""

from __future__ import annotations

import os
import threading

from pocket_companion.files import ensure_private

TYPE_CHECKING = False  # typing is not loaded at start-up (see records.py)
if TYPE_CHECKING:
    import logging
    from pathlib import Path

LOG_LEVEL_ENV = "POCKET_COMPANION_LOG_LEVEL"
_FORMAT = "%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"
_secrets: set[str] = set()
_secrets_lock = threading.Lock()


def register_secret(secret: str | None) -> None:
    """Never let this value reach a log line."""
    if secret and len(secret) >= 4:
        with _secrets_lock:
            _secrets.add(secret)


def redact(text: str) -> str:
    with _secrets_lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        text = text.replace(secret, "[redacted]")
    return text


_pending: tuple[str | os.PathLike[str], bool] | None = None
_setup_lock = threading.RLock()


class _Deferred:
    """A logger that sets logging up on its first use."""

    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> object:
        ready()
        import logging

        return getattr(logging.getLogger(self._name), attr)


def get_logger(name: str) -> logging.Logger:
    return _Deferred(name)  # type: ignore[return-value]  # stands in for one


def configure(log_dir: str | os.PathLike[str], *, stderr: bool = True) -> None:
    """Set logging up at the first log line or at :func:`ready`, whichever comes first."""
    global _pending
    with _setup_lock:
        _pending = (log_dir, stderr)


def ready() -> None:
    global _pending
    with _setup_lock:
        if _pending is not None:
            log_dir, stderr = _pending
            _pending = None
            setup_logging(log_dir, stderr=stderr)


def rotate(path: Path, max_bytes: int = 1_000_000, keep: int = 3) -> None:
    """Rotate the log when it is over ``max_bytes``: ``.1`` is the newest old file.

    Done when a process starts (hosts live for one browser session at most), which
    keeps the costly ``logging.handlers`` module out of the host's start-up.
    """
    try:
        if path.stat().st_size <= max_bytes:
            return
    except FileNotFoundError:
        return
    for index in range(keep - 1, 0, -1):
        older = path.with_name(f"{path.name}.{index}")
        if older.exists():
            os.replace(older, path.with_name(f"{path.name}.{index + 1}"))
    os.replace(path, path.with_name(f"{path.name}.1"))


def level() -> int:
    """The level named by ``POCKET_COMPANION_LOG_LEVEL`` (INFO when unset or unknown)."""
    import logging

    level = logging.getLevelName(os.environ.get(LOG_LEVEL_ENV, "INFO").upper())
    return level if isinstance(level, int) else logging.INFO


def _formatter() -> logging.Formatter:
    import logging

    class RedactingFormatter(logging.Formatter):
        def format(self, record: logging.LogRecord) -> str:
            return redact(super().format(record))

    return RedactingFormatter(_FORMAT)


def setup_logging(log_dir: str | os.PathLike[str], *, stderr: bool = True) -> Path:
    """Configure the root logger once; return the log file's path."""
    import logging
    from pathlib import Path

    path = Path(log_dir, "pocket-companion.log")
    rotate(path)
    ensure_private(path)
    formatter = _formatter()
    handlers: list[logging.Handler] = [
        logging.FileHandler(path, encoding="utf-8")
    ]
    if stderr:
        handlers.append(logging.StreamHandler())
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        handler.setFormatter(formatter)
        root.addHandler(handler)
    root.setLevel(level())
    return path
