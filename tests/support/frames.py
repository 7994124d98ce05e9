"""Framing helpers and a host subprocess that speaks real frames."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any

CHROME_ORIGIN = "chrome-extension://nggnhainknahgofikifmilofhkfaecpj/"
FIREFOX_ID = "pocket-companion@pocket-companion.dev"
REPO = Path(__file__).resolve().parents[2]


def frame(message: Any) -> bytes:
    body = json.dumps(message).encode("utf-8")
    return struct.pack("=I", len(body)) + body


def raw_frame(body: bytes) -> bytes:
    return struct.pack("=I", len(body)) + body


def read_message(stream: Any) -> Any:
    header = stream.read(4)
    if len(header) < 4:
        return None
    (length,) = struct.unpack("=I", header)
    return json.loads(stream.read(length))


class HostProcess:
    """``pocket-companion-host`` started as a browser starts it."""

    def __init__(self, env: dict[str, str], args: list[str] | None = None,
                 window_script: str | None = None) -> None:
        """``window_script``: the login window plays it (:mod:`tests.support.scripted`)."""
        self.env = env
        module = ["pocket_companion.nativehost.host"]
        if window_script is not None:
            module = ["tests.support.scripted", "host", window_script]
        self.proc = subprocess.Popen(
            [sys.executable, "-m", *module, *(args if args is not None else [CHROME_ORIGIN])],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env={**os.environ, **env}, cwd=REPO,
        )
        self._next = 0

    def send(self, message: Any) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(frame(message))
        self.proc.stdin.flush()

    def write(self, data: bytes) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def read(self) -> Any:
        return read_message(self.proc.stdout)

    def request(self, action: str, params: dict[str, Any] | None = None) -> Any:
        """Send a request and return its reply (skipping progress events)."""
        self._next += 1
        self.send({"id": self._next, "action": action, "params": params or {}})
        while True:
            message = self.read()
            if message is None or "event" not in message:
                return message

    def close(self, timeout: float = 30) -> tuple[int, str]:
        assert self.proc.stdin is not None
        if not self.proc.stdin.closed:
            self.proc.stdin.close()
        code = self.proc.wait(timeout)
        assert self.proc.stderr is not None and self.proc.stdout is not None
        rest = self.proc.stdout.read()
        assert rest == b"", f"unexpected bytes after the last reply: {rest[:200]!r}"
        stderr = self.proc.stderr.read().decode("utf-8", "replace")
        self.proc.stdout.close()
        self.proc.stderr.close()
        return code, stderr
