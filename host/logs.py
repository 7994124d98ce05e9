"""Logging to stderr and a rotating file (0600) in the data folder, with secrets scrubbed.

Tokens and consumer keys are registered with :func:`register_secret` as soon as
they are known; every formatted record (message, arguments, traceback) is
scrubbed before any handler writes it.
"""

from __future__ import annotations

import logging
import os
import threading
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


class RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def _private_file(path: Path) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


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


def _level() -> int:
    level = logging.getLevelName(os.environ.get(LOG_LEVEL_ENV, "INFO").upper())
    return level if isinstance(level, int) else logging.INFO


def setup_logging(log_dir: Path, *, stderr: bool = True) -> Path:
    """Configure the root logger once; return the log file's path."""
    log_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = log_dir / "pocket-companion.log"
    rotate(path)
    _private_file(path)
    formatter = RedactingFormatter(_FORMAT)
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
    root.setLevel(_level())
    return path
