"""Starting hosts the way a browser does and timing frames through them."""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ORIGIN = "chrome-extension://nggnhainknahgofikifmilofhkfaecpj/"
ECHO = str(Path(__file__).with_name("echo_host.py"))


def host_command() -> list[str]:
    """The console script a launcher runs, next to this interpreter."""
    script = Path(sys.executable).with_name("pocket-companion-host")
    if script.exists():
        return [str(script)]
    found = shutil.which("pocket-companion-host")
    return [found] if found else [sys.executable, "-m", "pocket_companion.nativehost.host"]


def echo_command(mode: str = "echo") -> list[str]:
    return [sys.executable, ECHO, mode]


def frame(message: dict[str, Any]) -> bytes:
    body = json.dumps(message).encode()
    return struct.pack("=I", len(body)) + body


class Port:
    """An open native messaging port: one process, many requests."""

    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        self.proc = subprocess.Popen([*command, ORIGIN], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     env=env)
        self._id = 0

    def call(self, action: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        assert self.proc.stdin and self.proc.stdout
        self._id += 1
        self.proc.stdin.write(frame({"id": self._id, "action": action, "params": params or {}}))
        self.proc.stdin.flush()
        while True:
            (length,) = struct.unpack("=I", self.proc.stdout.read(4))
            reply: dict[str, Any] = json.loads(self.proc.stdout.read(length))
            if "event" not in reply:
                return reply

    def timed(self, action: str, params: dict[str, Any] | None = None
              ) -> tuple[float, dict[str, Any]]:
        start = time.perf_counter()
        reply = self.call(action, params)
        return time.perf_counter() - start, reply

    def rss_mb(self) -> float:
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        line = next(line for line in status.splitlines() if line.startswith("VmRSS:"))
        return int(line.split()[1]) / 1024

    def close(self) -> None:
        assert self.proc.stdin
        self.proc.stdin.close()
        self.proc.wait(60)
        if self.proc.stdout:
            self.proc.stdout.close()


def cold(command: list[str], env: dict[str, str], action: str,
         params: dict[str, Any]) -> tuple[float, dict[str, Any]]:
    """Spawn a fresh process, send one request: seconds to the reply."""
    start = time.perf_counter()
    port = Port(command, env)
    reply = port.call(action, params)
    elapsed = time.perf_counter() - start
    port.close()
    return elapsed, reply


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POCKET_")}
    env.update(extra)
    return env
