"""A host subprocess watched strictly from outside, and accounts seeded for it.

``StrictHost`` writes frames without waiting for replies; a reader thread splits the
host's stdout into frames exactly as a browser does and keeps every problem it sees
(a reply over 1 MiB, a body that is not JSON, bytes left over that are not a whole
frame). stderr is drained so the host never blocks on its log. Used by the
reliability tests and the long fuzz run (``python -m tests.fuzz_host``).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from pocket_companion.account.secrets.keychain import SERVICE
from pocket_companion.config import Config

from tests.fakepocket import FakePocket
from tests.support.frames import CHROME_ORIGIN, REPO

MAX_REPLY = 1024 * 1024
_HEADER = struct.Struct("=I")
Message = dict[str, Any]


def host_env(folder: Path, fake: FakePocket | None = None) -> dict[str, str]:
    """A host's environment: its own data folder, a test keyring file, no display."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM", "BROWSER")}
    env.update({
        "POCKET_COMPANION_HOME": str(folder / "home"),
        "PYTHON_KEYRING_BACKEND": "tests.support.keyrings.FileKeyring",
        "TEST_KEYRING_FILE": str(folder / "keyring.json"),
        "PYTHONPATH": str(REPO),
        "BROWSER": "true",  # a login's page "opens" nowhere; nobody approves it
        # A safety net: anything not on this machine would go through a proxy on a closed
        # port, so no test host can reach past the loopback interface.
        "HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9",
        "NO_PROXY": "127.0.0.1,localhost",
    })
    if fake is not None:
        env["POCKET_BASE_URL"] = fake.base_url
        env["POCKET_CONSUMER_KEY"] = fake.CONSUMER_KEY
    return env


def connect_account(env: dict[str, str], fake: FakePocket, server: str | None = None) -> str:
    """Connect the fake's user as a finished login would: config, and the token in the
    test keyring file. Returns the access token."""
    home = Path(env["POCKET_COMPANION_HOME"])
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    token = fake.issue_token()
    settings = Config(home).update(server=server or fake.base_url, username=fake.username,
                                   options=(("consumer_key", fake.CONSUMER_KEY),))
    keyring_file = Path(env["TEST_KEYRING_FILE"])
    entries = json.loads(keyring_file.read_text()) if keyring_file.exists() else {}
    entries[f"{SERVICE}/{settings.username}@{server or fake.base_url}"] = token
    keyring_file.write_text(json.dumps(entries))
    return token


def _not_json(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


class FrameReader:
    """Reads a byte stream as frames until it ends; keeps messages and problems."""

    def __init__(self, stream: IO[bytes], keep_raw: bool = False) -> None:
        self._stream = stream
        self._buffer = bytearray()
        self.messages: list[Message] = []
        self.problems: list[str] = []
        self.raw = bytearray()  # every byte read, when asked to keep them
        self.keep_raw = keep_raw
        self.closed = False
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="frame-reader", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        read = getattr(self._stream, "read1", self._stream.read)
        while chunk := read(1 << 16):
            with self._changed:
                if self.keep_raw:
                    self.raw += chunk
                self._buffer += chunk
                self._split()
                self._changed.notify_all()
        with self._changed:
            self.closed = True
            self._changed.notify_all()

    def _split(self) -> None:
        while len(self._buffer) >= _HEADER.size:
            (length,) = _HEADER.unpack_from(self._buffer)
            if len(self._buffer) < _HEADER.size + length:
                return
            body = bytes(self._buffer[_HEADER.size:_HEADER.size + length])
            del self._buffer[:_HEADER.size + length]
            if length > MAX_REPLY:
                self.problems.append(f"a reply of {length} bytes (over the browser's 1 MiB)")
            try:  # as strictly as a browser's JSON.parse: no NaN or Infinity
                message = json.loads(body, parse_constant=_not_json)
            except ValueError:
                self.problems.append(f"a reply that is not JSON: {body[:80]!r}")
                continue
            if not isinstance(message, dict):
                self.problems.append(f"a reply that is not an object: {body[:80]!r}")
                continue
            self.messages.append(message)

    @property
    def leftover(self) -> bytes:
        """Bytes after the last whole frame: a half-written frame if the stream has ended."""
        with self._changed:
            return bytes(self._buffer)

    def replies(self) -> list[Message]:
        with self._changed:
            return [m for m in self.messages if "event" not in m]

    def wait(self, ready: Callable[[], bool], timeout: float) -> bool:
        """Wait until ``ready()`` (called under the lock) holds; False on timeout or end."""
        with self._changed:
            return self._changed.wait_for(lambda: ready() or self.closed, timeout) and ready()

    def reply_count(self) -> int:
        return sum(1 for m in self.messages if "event" not in m)

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)


class _Drain:
    """Keeps the tail of a stream (the host's stderr) so the writer never blocks."""

    def __init__(self, stream: IO[bytes], keep: int = 4 << 20) -> None:
        self.data = bytearray()
        self._keep = keep
        self._thread = threading.Thread(target=self._run, args=(stream,), daemon=True)
        self._thread.start()

    def _run(self, stream: IO[bytes]) -> None:
        read = getattr(stream, "read1", stream.read)
        while chunk := read(1 << 16):
            self.data += chunk
            if len(self.data) > 2 * self._keep:
                del self.data[:-self._keep]

    def text(self, timeout: float = 10) -> str:
        self._thread.join(timeout)
        return self.data.decode("utf-8", "replace")


class StrictHost:
    """``pocket-companion-host`` started as a browser starts it, watched strictly."""

    def __init__(self, env: dict[str, str], args: list[str] | None = None,
                 umask: int | None = None, keep_raw: bool = False) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "pocket_companion.nativehost.host",
             *(args if args is not None else [CHROME_ORIGIN])],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=env, cwd=REPO, umask=-1 if umask is None else umask,
        )
        assert self.proc.stdout is not None and self.proc.stderr is not None
        self.out = FrameReader(self.proc.stdout, keep_raw)
        self.err = _Drain(self.proc.stderr)
        self._ids = 0

    def write(self, data: bytes) -> bool:
        """Write raw bytes; False once the host has stopped reading."""
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
        except (BrokenPipeError, ValueError):
            return False
        return True

    def send(self, message: Any) -> bool:
        body = json.dumps(message).encode("utf-8")
        return self.write(_HEADER.pack(len(body)) + body)

    def request(self, action: str, params: Message | None = None,
                timeout: float = 60) -> Message:
        """Send one request and wait for its reply (events are skipped)."""
        self._ids += 1
        request_id = f"req-{self._ids}"
        assert self.send({"id": request_id, "action": action, "params": params or {}})
        found: list[Message] = []

        def answered() -> bool:
            found[:] = [m for m in self.out.messages
                        if m.get("id") == request_id and "event" not in m]
            return bool(found)

        if not self.out.wait(answered, timeout):
            raise AssertionError(f"no reply to {action} within {timeout} s; stderr:\n"
                                 f"{self.err.text(1)[-3000:]}")
        return found[0]

    def finish(self, timeout: float = 60) -> tuple[int, str]:
        """Close the input as a browser does, wait for the exit; (exit code, stderr)."""
        assert self.proc.stdin is not None
        with contextlib.suppress(OSError):
            self.proc.stdin.close()
        code = self.proc.wait(timeout)
        self.out.join(timeout)
        return code, self.err.text()

    def kill(self) -> None:
        """SIGKILL, then reap the process (a browser reaps its hosts too)."""
        with contextlib.suppress(ProcessLookupError):
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(30)
        with contextlib.suppress(OSError):
            if self.proc.stdin is not None:
                self.proc.stdin.close()
        self.out.join(10)


def reading_list(host: StrictHost) -> dict[str, Message]:
    """The host's whole reading list by URL, page by page; no page may list a URL twice."""
    items: dict[str, Message] = {}
    offset: int | None = 0
    while offset is not None:
        data = host.request("list", {"limit": 1000, "offset": offset})["data"]
        for item in data["items"]:
            assert item["url"] not in items, f"{item['url']} is listed twice"
            items[item["url"]] = item
        offset = data.get("next_offset")
    return items


def wait_until(condition: Callable[[], bool], timeout: float, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(step)
    return True
