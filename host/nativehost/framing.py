"""Native messaging framing: a 4-byte native-order length, then UTF-8 JSON.

Lengths count bytes. Reads are exact (pipes may deliver a frame in pieces), a
clean end of input between frames is ``None``, and nothing larger than the caps
is ever buffered or written.
"""

from __future__ import annotations

import json
import sys
import threading

from pocket_companion.errors import ReplyTooLarge

TYPE_CHECKING = False  # typing is not loaded at start-up (see records.py)
if TYPE_CHECKING:
    from typing import Any, BinaryIO, Protocol

    class RawReader(Protocol):
        def read(self, size: int = -1, /) -> bytes | None: ...

MAX_OUT = 1024 * 1024
DEFAULT_MAX_IN = 64 * 1024 * 1024
HEADER_SIZE = 4  # an unsigned 32-bit length in the machine's byte order (no struct needed)


class StreamError(Exception):
    """The byte stream cannot be trusted any more; the host must stop."""


class TruncatedFrame(StreamError):
    """Input ended inside a header or a body."""


class OversizeFrame(StreamError):
    """A header announced more than the inbound cap (often a desynchronised stream)."""

    def __init__(self, length: int, header: bytes, limit: int) -> None:
        super().__init__(
            f"frame of {length} bytes exceeds the {limit}-byte limit; {describe_header(header)}"
        )
        self.length = length


def describe_header(header: bytes) -> str:
    """Explain a header: when its bytes are printable text, something wrote text to the pipe."""
    if header and all(32 <= b < 127 or b in (9, 10, 13) for b in header):
        return f"its bytes read as text {header.decode('ascii')!r}, so the stream is not framed"
    return f"header bytes {header.hex()}"


def _read_exact(stream: RawReader, size: int) -> bytes:
    chunks: list[bytes] = []
    missing = size
    while missing:
        chunk = stream.read(min(missing, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        missing -= len(chunk)
    return b"".join(chunks)


def read_frame(stream: RawReader, max_in: int = DEFAULT_MAX_IN) -> bytes | None:
    """Read one frame's body; ``None`` at a clean end of input."""
    header = _read_exact(stream, HEADER_SIZE)
    if not header:
        return None
    if len(header) < HEADER_SIZE:
        raise TruncatedFrame(f"input ended inside a frame header ({len(header)} of 4 bytes)")
    length = int.from_bytes(header, sys.byteorder)
    if length > max_in:
        raise OversizeFrame(length, header, max_in)
    body = _read_exact(stream, length)
    if len(body) < length:
        raise TruncatedFrame(f"input ended inside a frame body ({len(body)} of {length} bytes)")
    return body


def encode_frame(message: Any) -> bytes:
    """Serialise a message; refuse anything the browser would reject (over 1 MiB)."""
    body = json.dumps(message, separators=(",", ":"), ensure_ascii=True).encode("ascii")
    if len(body) > MAX_OUT:
        raise ReplyTooLarge(f"reply of {len(body)} bytes exceeds the browser's 1 MiB limit")
    return len(body).to_bytes(HEADER_SIZE, sys.byteorder) + body


class FrameWriter:
    """The only writer of the protocol stream: whole frames, one at a time."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def write(self, message: Any) -> None:
        frame = memoryview(encode_frame(message))
        with self._lock:
            # A raw pipe may take a large frame in parts (a signal can cut a write short):
            # write the rest until the whole frame is out, never half of one.
            while frame:
                frame = frame[self._stream.write(frame) or 0:]
            self._stream.flush()
