"""Take the protocol pipes away from everything else in the process.

The browser talks to the host over fds 0 and 1. A stray ``print()``, a library
that writes to stdout, or a child process that inherits the pipes would corrupt
the frame stream or steal its bytes. So at start-up the host moves both pipes to
private, non-inheritable descriptors, points fd 1 and ``sys.stdout`` at stderr,
and fd 0 and ``sys.stdin`` at the null device.
"""

from __future__ import annotations

import io
import os
import sys


def _binary(fd: int) -> None:
    if sys.platform == "win32":
        import msvcrt

        msvcrt.setmode(fd, os.O_BINARY)


def claim_protocol_pipes() -> tuple[io.FileIO, io.FileIO]:
    """Return (reader, writer) for the protocol; fds 0/1 no longer reach the browser."""
    sys.stdout.flush()
    in_fd, out_fd = os.dup(0), os.dup(1)
    for fd in (in_fd, out_fd):
        os.set_inheritable(fd, False)
        _binary(fd)
    null_fd = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null_fd, 0)
    os.close(null_fd)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    sys.stdin = open(os.devnull, encoding="utf-8")  # noqa: SIM115 - lives as long as the process
    return io.FileIO(in_fd, "rb"), io.FileIO(out_fd, "wb")
