"""Framing: exact reads, native byte order, byte lengths, caps, and a host that keeps serving."""

from __future__ import annotations

import io
import json
import struct
import sys

import pytest
from pocket_companion.errors import ReplyTooLarge
from pocket_companion.nativehost import framing

from tests.support.frames import HostProcess, frame, raw_frame


class Trickle(io.RawIOBase):
    """A pipe that hands out at most ``step`` bytes per read, and counts what was read."""

    def __init__(self, data: bytes, step: int = 1) -> None:
        self.data, self.step, self.pos = data, step, 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        size = self.step if size < 0 else min(size, self.step)
        chunk = self.data[self.pos:self.pos + size]
        self.pos += len(chunk)
        return chunk


def test_reads_a_frame_delivered_one_byte_at_a_time() -> None:
    message = {"id": 1, "action": "hello", "text": "é漢🙂"}
    stream = Trickle(frame(message) + frame({"id": 2}), step=1)
    assert json.loads(framing.read_frame(stream) or b"") == message
    assert json.loads(framing.read_frame(stream) or b"") == {"id": 2}
    assert framing.read_frame(stream) is None


def test_length_is_native_order_and_counts_bytes_not_characters() -> None:
    encoded = framing.encode_frame({"t": "é漢🙂"})
    (length,) = struct.unpack("=I", encoded[:4])
    assert length == len(encoded) - 4
    body = "{\"t\":\"é漢\"}".encode()
    header = struct.pack("<I" if sys.byteorder == "little" else ">I", len(body))
    assert framing.read_frame(Trickle(header + body, step=3)) == body
    assert len(body) > len(body.decode())


def test_clean_eof_between_frames() -> None:
    assert framing.read_frame(Trickle(b"")) is None


@pytest.mark.parametrize("data", [b"\x05", b"\x05\x00\x00"])
def test_truncated_header(data: bytes) -> None:
    with pytest.raises(framing.TruncatedFrame, match="header"):
        framing.read_frame(Trickle(data))


def test_truncated_body() -> None:
    with pytest.raises(framing.TruncatedFrame, match="body"):
        framing.read_frame(Trickle(struct.pack("=I", 10) + b"{}"))


def test_oversize_is_refused_without_reading_the_body() -> None:
    stream = Trickle(struct.pack("=I", 100 * 1024 * 1024) + b"x" * 4096, step=4096)
    with pytest.raises(framing.OversizeFrame):
        framing.read_frame(stream)
    assert stream.pos == 4


def test_text_in_place_of_a_header_is_named() -> None:
    with pytest.raises(framing.OversizeFrame, match="'/hom'"):
        framing.read_frame(Trickle(b"/home/user/ oops", step=16))


def test_zero_length_frame_is_an_empty_body() -> None:
    assert framing.read_frame(Trickle(struct.pack("=I", 0))) == b""


def test_replies_over_one_mib_are_never_encoded() -> None:
    framing.encode_frame({"x": "a" * (1024 * 1024 - 20)})
    with pytest.raises(ReplyTooLarge):
        framing.encode_frame({"x": "a" * (1024 * 1024)})


def test_non_ascii_is_escaped_so_lone_surrogates_cannot_break_a_reply() -> None:
    encoded = framing.encode_frame({"t": "\ud800 é"})
    assert json.loads(encoded[4:]) == {"t": "\ud800 é"}


# --- the real host, speaking frames -------------------------------------------------------


@pytest.fixture
def host(home: object) -> HostProcess:
    return HostProcess({})


def test_broken_json_gets_invalid_frame_and_the_host_keeps_serving(host: HostProcess) -> None:
    host.write(raw_frame(b"{not json"))
    assert host.read()["error"]["code"] == "invalid_frame"
    host.write(raw_frame(b"\xff\xfe"))
    assert host.read()["error"]["code"] == "invalid_frame"
    host.write(raw_frame(b"[" * 100_000))
    assert host.read()["error"]["code"] == "invalid_frame"
    assert host.request("hello")["ok"] is True
    assert host.close()[0] == 0


@pytest.mark.parametrize("body, code", [
    (b"[]", "invalid_request"),
    (b'{"id": 1}', "invalid_request"),
    (b'{"id": 1, "action": 5}', "invalid_request"),
    (b'{"id": 1, "action": "hello", "params": []}', "invalid_request"),
    (b'{"id": {"a": 1}, "action": "hello"}', "invalid_request"),
    (b'{"id": 1, "action": "hello", "params": {"x": NaN}}', "invalid_frame"),
    (b'{"id": 1, "action": "fly"}', "unknown_action"),
    (b'{"id": 1, "action": "save", "params": {"url": 5}}', "invalid_url"),
    (b'{"id": 1, "action": "save", "params": {}}', "invalid_params"),
    (b'{"id": 1, "action": "hello", "params": {"extra": 1}}', "invalid_params"),
])
def test_every_bad_request_gets_one_clear_error(host: HostProcess, body: bytes, code: str) -> None:
    host.write(raw_frame(body))
    reply = host.read()
    assert reply["ok"] is False and reply["error"]["code"] == code
    assert reply["error"]["message"]
    assert host.request("hello")["ok"] is True
    host.close()


def test_oversize_frame_ends_the_host_with_a_reason(host: HostProcess) -> None:
    host.write(struct.pack("=I", 65 * 1024 * 1024 + 1))
    reply = host.read()
    assert reply["error"]["code"] == "invalid_frame"
    code, stderr = host.close()
    assert code == 1 and "input stream is broken" in stderr


def test_truncated_frame_at_exit_is_logged(host: HostProcess) -> None:
    host.write(struct.pack("=I", 50) + b'{"id":')
    assert host.proc.stdin is not None
    host.proc.stdin.close()
    assert host.read()["error"]["code"] == "invalid_frame"
    code, stderr = host.close()
    assert code == 1 and "inside a frame body" in stderr


def test_reply_ids_match_requests_of_any_shape(host: HostProcess) -> None:
    for request_id in ("a-string", 7, 2.5, None, "é🙂"):
        host.send({"id": request_id, "action": "hello"})
        assert host.read()["id"] == request_id
    host.close()
