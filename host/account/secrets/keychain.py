"""Access tokens in the OS keychain, through keyring, and nowhere else.

There is deliberately no fallback: when no secure backend works (no Secret
Service on a headless Linux, a locked keychain) the user is told how to fix it.
Plaintext and "encrypted file" backends (keyrings.alt) are refused, the latter
also because it prompts for a password on stdin, which is the browser's pipe.
"""

from __future__ import annotations

import importlib
import os
import sys

from pocket_companion.errors import SecureStorageUnavailable
from pocket_companion.logs import get_logger, register_secret

TYPE_CHECKING = False  # typing is not loaded at start-up (see records.py)
if TYPE_CHECKING:
    from typing import Any, Protocol

    from pocket_companion.account.secrets.keyagent import TokenCache

    class TokenStore(Protocol):
        def prefetch(self, account: str) -> None:
            """A hint that :meth:`get` follows soon (a store may start reading now)."""

        def get(self, account: str) -> str | None: ...

        def set(self, account: str, token: str) -> None: ...

        def delete(self, account: str) -> None: ...


SERVICE = "pocket-companion"
_NONE = ("keyring.backends.fail", "keyring.backends.null")
_PLAINTEXT = ("keyrings.alt",)
_FIX = (
    "no secure storage for the login token: start a Secret Service such as gnome-keyring "
    "or KWallet (on Linux), or unlock the system keychain"
)
log = get_logger(__name__)
# The keychain of each platform, tried before keyring's own search, which loads every
# installed backend and costs about 70 ms at each start of the host.
_PLATFORM_BACKENDS = {
    "linux": ("keyring.backends.SecretService:Keyring", "keyring.backends.kwallet:DBusKeyring"),
    "darwin": ("keyring.backends.macOS:Keyring",),
    "win32": ("keyring.backends.Windows:WinVaultKeyring",),
}


def _refusal(backend: Any) -> str | None:
    """Why this backend must not hold tokens, or None when it is a real keychain."""
    backends = getattr(backend, "backends", None)
    if backends is not None:  # keyring's ChainerBackend
        reasons = [_refusal(inner) for inner in backends] or [_FIX]
        return next((reason for reason in reasons if reason), None)
    module = type(backend).__module__
    if module.startswith(_NONE):
        return _FIX
    if module.startswith(_PLAINTEXT):
        return f"{_FIX} ({type(backend).__name__} keeps secrets in a file, which is not secure)"
    return None


def _load_backend() -> Any:
    """What the user configured for keyring, else the platform's keychain, else keyring's pick."""
    import keyring
    import keyring.core

    if os.environ.get("PYTHON_KEYRING_BACKEND") or keyring.core.load_config() is not None:
        return keyring.get_keyring()  # the user's choice (or a program's keyring.set_keyring)
    platform = "linux" if sys.platform.startswith(("linux", "freebsd", "openbsd")) else sys.platform
    for name in _PLATFORM_BACKENDS.get(platform, ()):
        module, _, cls = name.partition(":")
        try:
            backend = getattr(importlib.import_module(module), cls)
        except ImportError:
            continue
        if backend.viable:
            return backend()
    return keyring.get_keyring()


class KeyringTokenStore:
    """The platform keychain, chosen by keyring (``PYTHON_KEYRING_BACKEND`` honoured).

    With a ``cache`` (:mod:`.keyagent`), reads are served from it when it has the token,
    fresh reads are handed to it, and every write or delete makes it forget the old token.
    """

    def __init__(self, service: str = SERVICE, cache: TokenCache | None = None) -> None:
        self.service, self.cache = service, cache
        self._backend: Any = None

    def backend(self) -> Any:
        """The working keyring backend, or SecureStorageUnavailable with the fix."""
        if self._backend is None:
            try:
                backend = _load_backend()
            except Exception as exc:  # keyring raises RuntimeError, ValueError, ImportError...
                log.warning("keyring failed to load: %s", type(exc).__name__)
                raise SecureStorageUnavailable(_FIX) from None
            reason = _refusal(backend)
            if reason:
                raise SecureStorageUnavailable(reason)
            self._backend = backend
        return self._backend

    def _call(self, method: str, *args: str) -> Any:
        backend = self.backend()
        try:
            return getattr(backend, method)(self.service, *args)
        except Exception as exc:  # KeyringError, RuntimeError from D-Bus, locked collections
            log.warning("keyring %s failed: %s", method, type(exc).__name__)
            raise SecureStorageUnavailable(f"{_FIX} ({type(exc).__name__})") from None

    def _read(self, account: str) -> str | None:
        token = self._call("get_password", account)
        register_secret(token)
        return token if isinstance(token, str) and token else None

    def prefetch(self, account: str) -> None:
        return None  # reads are quick in this process

    def get(self, account: str) -> str | None:
        token = self.cache.get(account) if self.cache else None
        if token is None:
            token = self._read(account)
            if token is not None and self.cache:
                self.cache.put(account, token)
        register_secret(token)
        return token

    def set(self, account: str, token: str) -> None:
        register_secret(token)
        self._call("set_password", account, token)
        if self.cache:
            self.cache.forget(account)

    def delete(self, account: str) -> None:
        if self.cache:
            self.cache.forget(account)
        if self._read(account) is not None:
            self._call("delete_password", account)
