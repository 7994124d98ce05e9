"""The keychain as the host uses it: through a short-lived helper process.

keyring and what stands behind it (on Linux the Secret Service over D-Bus, with its
crypto libraries) take about 15 MB and 60 ms to load. The host is long-lived and
started cold for single saves, so it asks ``python -m pocket_companion.keychain_child``
instead: the token read starts as soon as a save is committed and runs beside the
host's own work (loading requests), the host never holds keyring's memory, and a
backend that prompts on stdin meets the helper's own empty stdin, not the browser's pipe.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from typing import TYPE_CHECKING

from .errors import SecureStorageUnavailable
from .logs import get_logger, register_secret

if TYPE_CHECKING:
    import subprocess

log = get_logger(__name__)
TIMEOUT = 120.0  # a locked keychain may wait for the person to type a password
FRESH = 10.0  # a prefetched read older than this is not trusted


class HelperTokenStore:
    """A :class:`~.keychain.TokenStore` whose work happens in the helper process."""

    def __init__(self) -> None:
        self._reads: dict[str, tuple[float, subprocess.Popen[str]]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _start(op: str, account: str, token_follows: bool = False) -> subprocess.Popen[str]:
        import subprocess

        no_window = getattr(subprocess, "CREATE_NO_WINDOW", 0)  # no console flash on Windows
        return subprocess.Popen(
            [sys.executable, "-m", "pocket_companion.keychain_child", op, account],
            stdin=subprocess.PIPE if token_follows else subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
            creationflags=no_window)

    @staticmethod
    def _answer(proc: subprocess.Popen[str], text: str | None = None) -> dict[str, object]:
        import subprocess

        try:
            out, err = proc.communicate(text, timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            raise SecureStorageUnavailable("the keychain did not answer in time") from None
        for line in err.splitlines():
            log.warning("keychain helper: %s", line)
        try:
            answer: dict[str, object] = json.loads(out.splitlines()[-1])
        except (IndexError, ValueError):
            raise SecureStorageUnavailable(
                f"the keychain helper failed (exit status {proc.returncode})") from None
        if isinstance(answer.get("error"), str):
            raise SecureStorageUnavailable(str(answer["error"]))
        return answer

    def prefetch(self, account: str) -> None:
        """Start reading the token now; :meth:`get` collects it."""
        with self._lock:
            if account not in self._reads:
                self._reads[account] = (time.monotonic(), self._start("get", account))

    def get(self, account: str) -> str | None:
        with self._lock:
            started, proc = self._reads.pop(account, (0.0, None))
        if proc is not None and time.monotonic() - started > FRESH:
            proc.kill()  # read too long ago: the token may have changed since
            proc.communicate()
            proc = None
        token = self._answer(proc or self._start("get", account)).get("token")
        register_secret(token if isinstance(token, str) else None)
        return token if isinstance(token, str) and token else None

    def set(self, account: str, token: str) -> None:
        register_secret(token)
        self._answer(self._start("set", account, token_follows=True), token + "\n")

    def delete(self, account: str) -> None:
        self._answer(self._start("delete", account))
