"""A live round trip: start a launcher exactly as a browser would and say ``hello``.

Same argument shape as the browser family (origin; manifest path and add-on id),
no terminal (a new session, pipes for all three streams), a small environment like
a desktop session's, and the launcher's folder as working directory. The reply's
header is read first: four bytes that are really text mean something printed to
stdout before the host's first frame, and the text is shown and named.
"""

from __future__ import annotations

import contextlib
import io
import json
import queue
import re
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any, NamedTuple

from .browsers import Family
from .manifests import BROKEN_PIPE, EXITED, cannot_start

MAX_REPLY = 1024 * 1024
_HEADER = struct.Struct("=I")
_BY_HAND = ("start the launcher by hand with the arguments above and read its error; "
            "then run `pocket-companion install` again")
_QUIET = ("only frames may reach stdout: remove the print or echo from the launcher or from "
          "what it starts")
_TEXT = re.compile(r"[\r\n]*([^\x00-\x08\x0a-\x1f\x7f]*)")
_POSIX_KEEP = ("HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "TMPDIR", "DISPLAY",
               "WAYLAND_DISPLAY", "XDG_RUNTIME_DIR", "XDG_DATA_HOME", "XDG_CONFIG_HOME",
               "DBUS_SESSION_BUS_ADDRESS")
_WINDOWS_KEEP = ("SYSTEMROOT", "WINDIR", "COMSPEC", "PATHEXT", "USERPROFILE", "USERNAME",
                 "APPDATA", "LOCALAPPDATA", "PROGRAMDATA", "TEMP", "TMP")


class Result(NamedTuple):
    ok: bool
    detail: str
    startup_ms: float | None = None
    log: str = ""  # what the browser would log
    sees: str = ""  # what the extension is told
    reply: dict[str, Any] | None = None
    fix: str = ""


def browser_env(env: Mapping[str, str], windows: bool) -> dict[str, str]:
    """The small environment a browser started from a desktop session passes on."""
    keep = _WINDOWS_KEEP if windows else _POSIX_KEEP
    small = {name: env[name] for name in keep if env.get(name)}
    if windows:
        root = env.get("SYSTEMROOT", "C:\\Windows")
        small["PATH"] = f"{root}\\system32;{root}"
    else:
        small["PATH"] = "/usr/bin:/bin:/usr/sbin:/sbin"
    return small


def browser_argv(launcher: str, family: Family, caller: str, manifest: str,
                 windows: bool, comspec: str = "cmd.exe") -> list[str]:
    """The command line the browser family builds for a host."""
    if family == "chromium":
        args = [caller, "--parent-window=0"] if windows else [caller]
    else:
        args = [manifest, caller]
    if windows and launcher.lower().endswith((".cmd", ".bat")):
        return [comspec, "/d", "/c", launcher, *args]
    return [launcher, *args]


def run(argv: list[str], cwd: Path, env: dict[str, str], family: Family,
        timeout: float = 15.0) -> Result:
    """Start the host, send ``hello`` and judge the first thing it writes."""
    start = time.perf_counter()
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, cwd=cwd, env=env, **_no_terminal())
    except OSError as exc:
        return Result(False, f"the launcher could not be started: {exc.strerror or exc}",
                      sees=cannot_start(family, "windows" if sys.platform == "win32" else "posix"),
                      fix=_BY_HAND)
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    replies: queue.Queue[tuple[bytes, bytes]] = queue.Queue()
    errors: list[bytes] = []
    stderr = proc.stderr
    readers = [threading.Thread(target=_read_reply, args=(proc.stdout, replies), daemon=True),
               threading.Thread(target=lambda: errors.append(stderr.read()), daemon=True)]
    for reader in readers:
        reader.start()
    try:
        body = json.dumps({"id": 1, "action": "hello", "params": {}}).encode()
        with contextlib.suppress(OSError):  # a host that is already gone is reported below
            proc.stdin.write(_HEADER.pack(len(body)) + body)
            proc.stdin.flush()
        result = _await(proc, replies, family, start, timeout)
    finally:
        lingered = _finish(proc)
        for reader in readers:
            reader.join(timeout=5)
        proc.stdout.close()
        proc.stderr.close()
    if lingered:
        result = result._replace(detail=f"{result.detail}; it was still running 2 s after "
                                        "its input closed (Chrome would kill it)")
    return _with_stderr(result, b"".join(errors))


def _no_terminal() -> dict[str, Any]:
    if sys.platform == "win32":
        return {"creationflags": subprocess.CREATE_NO_WINDOW}
    return {"start_new_session": True}


def _await(proc: subprocess.Popen[bytes], replies: queue.Queue[tuple[bytes, bytes]],
           family: Family, start: float, timeout: float) -> Result:
    try:
        header, rest = replies.get(timeout=timeout)
    except queue.Empty:
        return Result(False, f"no reply to hello within {timeout:.0f} s",
                      log="the host did not answer", sees="(no reply: the request hangs)",
                      fix=_BY_HAND)
    elapsed = (time.perf_counter() - start) * 1000
    if len(header) < 4:
        code = proc.wait(timeout=5)
        return Result(False, f"the host exited (status {code}) without replying",
                      log="Native host has exited.", sees=EXITED[family], fix=_BY_HAND)
    return _judge(header, rest, family, elapsed)


def _read_reply(stream: IO[bytes], replies: queue.Queue[tuple[bytes, bytes]]) -> None:
    header = stream.read(4)
    if len(header) < 4:
        replies.put((header, b""))
        return
    (length,) = _HEADER.unpack(header)
    if length > MAX_REPLY:
        more = stream.read1(200) if isinstance(stream, io.BufferedReader) else b""
        replies.put((header, more))  # what has arrived, without waiting for more
        return
    replies.put((header, stream.read(length)))


def _judge(header: bytes, rest: bytes, family: Family, elapsed: float) -> Result:
    (length,) = _HEADER.unpack(header)
    if length > MAX_REPLY:
        return stray_output(header, rest, family)
    try:
        reply = json.loads(rest)
    except ValueError:
        return Result(False, f"the reply is not JSON: {rest[:120]!r}",
                      log="invalid JSON from the native host", sees=BROKEN_PIPE[family],
                      fix=_QUIET)
    if not isinstance(reply, dict) or reply.get("ok") is not True:
        error = reply.get("error", {}) if isinstance(reply, dict) else {}
        return Result(False, f"hello was refused: {error.get('code')}: {error.get('message')}",
                      startup_ms=elapsed, reply=reply if isinstance(reply, dict) else None,
                      fix="run `pocket-companion install` again with the Python you use now")
    data = reply.get("data", {})
    return Result(True, f"hello answered in {elapsed:.0f} ms (host {data.get('version')}, "
                        f"protocol {data.get('protocol')})", startup_ms=elapsed, reply=reply)


def stray_output(header: bytes, rest: bytes, family: Family) -> Result:
    """Explain a header that is too large: usually text written before the first frame."""
    (length,) = _HEADER.unpack(header)
    log = (f"Native Messaging host tried sending a message that is {length} bytes long."
           if family == "chromium" else
           f"Native application tried to send a message of {length} bytes, which exceeds "
           f"the limit of {MAX_REPLY} bytes.")
    if not all(32 <= b < 127 or b in (9, 10, 13) for b in header):
        return Result(False, f"the reply's header announces {length} bytes, over the browser's "
                             "1 MiB limit", log=log, sees=BROKEN_PIPE[family], fix=_QUIET)
    text = (header + rest).decode("utf-8", "replace")
    shown = _first_line(text)
    if text.startswith("\r\n") and ":\\" in text[:8]:
        cause = "cmd.exe echoed a command of a .cmd/.bat launcher (it needs @echo off)"
    else:
        cause = "something printed text to stdout (a stray print or echo) before the reply"
    return Result(False, f"stray output on stdout: the header bytes {header!r} are text, "
                         f"{shown[:120]!r}: {cause}", log=log, sees=BROKEN_PIPE[family],
                  fix=_QUIET)


def _first_line(text: str) -> str:
    """The text up to the first line end or control character (leading line ends skipped)."""
    match = _TEXT.match(text)
    return match[1] if match else ""


def _finish(proc: subprocess.Popen[bytes]) -> bool:
    """Close the pipe as the browser does; Chrome kills a host still running 2 s later.
    True when the host had to be killed."""
    if proc.stdin and not proc.stdin.closed:
        with contextlib.suppress(OSError):
            proc.stdin.close()
    try:
        proc.wait(timeout=2)
        lingered = False
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        lingered = True
    return lingered


def _with_stderr(result: Result, stderr: bytes) -> Result:
    """Failures without a reply: the end of the host's stderr usually says why."""
    if result.fix != _BY_HAND or not stderr.strip():
        return result
    tail = stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
    return result._replace(detail=f"{result.detail}; its stderr ends: {' | '.join(tail)}")
