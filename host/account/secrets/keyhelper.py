"""The keychain as the host uses it: through a short-lived helper process.

keyring and what stands behind it (on Linux the Secret Service over D-Bus, with its
crypto libraries) take about 15 MB and 60 ms to load. The host is long-lived and
started cold for single saves, so it asks
``python -P -m pocket_companion.account.secrets.keychain_child``
(isolated from the working folder, :mod:`.children`) instead: the token read starts as
soon as a save is committed and runs beside the host's own work (loading requests), the
host never holds keyring's memory, and a backend that prompts on stdin meets the
helper's own empty stdin, not the browser's pipe.
Where the token cache (:mod:`.keyagent`) runs, a cold host asks it first and starts no
helper at all; the helper hands each fresh read to it. What the helper is asked (the
operation, the account, a token to store) is written to its stdin before it starts
reading: its command line, which every local user can read, names nothing.
"""

from __future__ import annotations

import json
import os
import threading
import time

from pocket_companion.children import spawn
from pocket_companion.errors import SecureStorageUnavailable
from pocket_companion.logs import get_logger, register_secret

TYPE_CHECKING = False  # typing is not loaded at start-up (see records.py)
if TYPE_CHECKING:
    import subprocess

    from pocket_companion.account.secrets.keyagent import TokenCache

log = get_logger(__name__)
TIMEOUT = 120.0  # a locked keychain may wait for the person to type a password
FRESH = 10.0  # a prefetched read older than this is not trusted


class HelperTokenStore:
    """A :class:`~.keychain.TokenStore` whose work happens in the helper process."""

    def __init__(self, cache: TokenCache | None = None) -> None:
        self.cache = cache  # the helper finds the same one: both read the environment
        self._reads: dict[str, tuple[float, subprocess.Popen[str] | str]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _start(op: str, account: str, token: str | None = None) -> subprocess.Popen[str]:
        import subprocess

        request = {"op": op, "account": account, **({"token": token} if token else {})}
        stdin = _filled_pipe(json.dumps(request).encode("utf-8"))
        try:
            return spawn("pocket_companion.account.secrets.keychain_child", stdin=stdin,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         encoding="utf-8", creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0))
        finally:
            os.close(stdin)

    @staticmethod
    def _answer(proc: subprocess.Popen[str]) -> dict[str, object]:
        import subprocess

        try:
            out, err = proc.communicate(timeout=TIMEOUT)
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

    def _cached(self, account: str) -> str | None:
        token = self.cache.get(account) if self.cache else None
        register_secret(token)
        return token

    def prefetch(self, account: str) -> None:
        """Start reading the token now (the cache answers at once); :meth:`get` collects it."""
        with self._lock:
            if account not in self._reads:
                read = self._cached(account) or self._start("get", account)
                self._reads[account] = (time.monotonic(), read)

    def get(self, account: str) -> str | None:
        with self._lock:
            started, read = self._reads.pop(account, (0.0, None))
        if read is not None and time.monotonic() - started > FRESH:
            if not isinstance(read, str):
                read.kill()
                read.communicate()
            read = None  # read too long ago: the token may have changed since
        if read is None:
            read = self._cached(account) or self._start("get", account)
        if isinstance(read, str):
            return read
        token = self._answer(read).get("token")
        register_secret(token if isinstance(token, str) else None)
        return token if isinstance(token, str) and token else None

    def set(self, account: str, token: str) -> None:
        register_secret(token)
        self._answer(self._start("set", account, token))

    def delete(self, account: str) -> None:
        self._answer(self._start("delete", account))


def _filled_pipe(data: bytes) -> int:
    """The read end of a pipe that already holds ``data`` and is closed for writing (the
    request is a few hundred bytes: it fits the pipe's buffer, so nothing waits)."""
    read_end, write_end = os.pipe()
    try:
        os.write(write_end, data)
    finally:
        os.close(write_end)
    return read_end
