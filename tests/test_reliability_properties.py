"""Property tests (hypothesis) of framing and dispatch.

Frames survive any chunking of the pipe; a stream cut anywhere yields whole frames
and then a clean end or a truncation, never half a frame; replies never exceed the
browser's limit. Every well-framed request to the real host gets exactly one reply
carrying its id, whatever its params hold; a desynchronised stream ends the host with
a logged reason and nothing but whole frames on stdout. No handler fails untyped.
Text the CLI prints holds nothing a terminal acts on; titles and tags are stored without
control characters; URLs are stored with ASCII hosts and nothing invisible in them, and the
fast path for clean URLs agrees with the full parse under those rules too.
"""

from __future__ import annotations

import contextlib
import io
import json
import struct
import threading
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pocket_companion.account.secrets.keychain import KeyringTokenStore
from pocket_companion.actions import ACTIONS, Context, Later
from pocket_companion.config import Settings
from pocket_companion.core import Companion, Deps
from pocket_companion.errors import ERROR_CODES, CompanionError, InvalidRequest, ReplyTooLarge
from pocket_companion.library import urls
from pocket_companion.nativehost import framing
from pocket_companion.nativehost.caller import Caller
from pocket_companion.nativehost.dispatch import MAX_ID_CHARS, RequestError, parse, run
from pocket_companion.nativehost.params import Params, parse_tags
from pocket_companion.services.pocket.adapter import PocketService
from pocket_companion.services.pocket.client import PocketClient
from pocket_companion.text import for_terminal, terminal_lines

from tests.fuzz_host import run_fuzz
from tests.support.browser import ScriptedBrowser
from tests.support.hostio import StrictHost, host_env
from tests.support.keyrings import MemoryKeyring

TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=40)  # surrogates too
SCALARS = (st.none() | st.booleans() | st.integers()
           | st.floats(allow_nan=False, allow_infinity=False) | TEXT)
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(TEXT, inner, max_size=4), max_leaves=12)
# Every URL here points at a closed port on this machine: a login given one as its server
# can reach nothing.
URLISH = st.sampled_from(["https://127.0.0.1:9/p", "http://LOCALHOST:9/a#b", "ftp://x/",
                          "javascript:alert(1)", "https://u:p@127.0.0.1:9/", "", "https://"])
VALUE = JSON | URLISH | st.sampled_from(["archive", "tags_add", "delete", "unread", "all",
                                         "browser", "window"])
PARAM_NAMES = sorted({name for action in ACTIONS.values() for name in action.params} | {"x"})
PARAMS = st.dictionaries(st.sampled_from(PARAM_NAMES), VALUE, max_size=4)


@st.composite
def action_params(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    """An action and params that mostly use its own parameter names, of any value."""
    action = draw(st.sampled_from(sorted(ACTIONS)))
    names = sorted(ACTIONS[action].params) or ["x"]
    own = st.dictionaries(st.sampled_from(names), VALUE, max_size=len(names))
    return action, draw(own | PARAMS)

IDS = (st.none() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
       | st.text(max_size=MAX_ID_CHARS))
SLOW = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


class Chunked:
    """A pipe that hands out the data in pieces of the given sizes, in turn."""

    def __init__(self, data: bytes, steps: list[int]) -> None:
        self.data, self.steps, self.pos, self.turn = data, steps, 0, 0

    def read(self, size: int = -1, /) -> bytes:
        step = self.steps[self.turn % len(self.steps)]
        self.turn += 1
        chunk = self.data[self.pos:self.pos + min(size, step)]
        self.pos += len(chunk)
        return chunk


def frames_of(messages: list[Any]) -> tuple[bytes, list[int]]:
    """The encoded stream and the offset where each frame ends."""
    data, ends = b"", []
    for message in messages:
        data += framing.encode_frame(message)
        ends.append(len(data))
    return data, ends


# --- framing, in process ------------------------------------------------------------------


@given(st.lists(JSON, max_size=6), st.lists(st.integers(1, 64), min_size=1, max_size=8))
def test_messages_round_trip_through_any_chunking(messages: list[Any], steps: list[int]) -> None:
    data, _ = frames_of(messages)
    stream = Chunked(data, steps)
    for message in messages:
        assert json.loads(framing.read_frame(stream) or b"null") == message
    assert framing.read_frame(stream) is None


@given(st.lists(JSON, min_size=1, max_size=5), st.data())
def test_a_stream_cut_anywhere_gives_whole_frames_then_an_end_or_a_truncation(
        messages: list[Any], data: st.DataObject) -> None:
    stream_bytes, ends = frames_of(messages)
    cut = data.draw(st.integers(0, len(stream_bytes)))
    stream = Chunked(stream_bytes[:cut], [7])
    whole = [m for m, end in zip(messages, ends, strict=True) if end <= cut]
    for message in whole:
        assert json.loads(framing.read_frame(stream) or b"null") == message
    if cut in (0, *ends):
        assert framing.read_frame(stream) is None
    else:
        with pytest.raises(framing.TruncatedFrame):
            framing.read_frame(stream)


@given(st.sampled_from(["a", "é", "\ud800", "\U0001f642", '"']), st.integers(0, 600_000))
def test_a_reply_is_within_the_browsers_limit_or_refused(char: str, count: int) -> None:
    message = {"id": 1, "ok": True, "data": {"t": char * count}}
    try:
        encoded = framing.encode_frame(message)
    except ReplyTooLarge:
        return
    (length,) = struct.unpack("=I", encoded[:4])
    assert length == len(encoded) - 4 <= framing.MAX_OUT
    assert json.loads(encoded[4:].decode("ascii")) == message


class ShortWrites(io.RawIOBase):
    """A pipe whose writes take at most a few bytes each, as a signal can cut one short."""

    def __init__(self, steps: list[int]) -> None:
        self.data, self.steps, self.turn = bytearray(), steps, 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any, /) -> int:
        step = self.steps[self.turn % len(self.steps)]
        self.turn += 1
        self.data += bytes(data[:step])
        return min(step, len(data))


@given(st.lists(JSON, max_size=5), st.lists(st.integers(1, 4096), min_size=1, max_size=6))
def test_frames_are_written_whole_even_when_the_pipe_takes_them_in_parts(
        messages: list[Any], steps: list[int]) -> None:
    pipe = ShortWrites(steps)
    writer = framing.FrameWriter(pipe)  # type: ignore[arg-type]
    for message in messages:
        writer.write(message)
    assert bytes(pipe.data) == frames_of(messages)[0]


@given(st.integers(1, 1 << 20), st.integers(1, 1 << 31))
def test_a_header_over_the_cap_is_refused_before_the_body_is_read(cap: int, extra: int) -> None:
    stream = Chunked(struct.pack("=I", min(cap + extra, 2**32 - 1)) + b"x" * 64, [64])
    with pytest.raises(framing.OversizeFrame):
        framing.read_frame(stream, max_in=cap)
    assert stream.pos == 4


# --- dispatch, in process -----------------------------------------------------------------


@given(st.binary(max_size=200))
def test_any_bytes_parse_to_a_call_or_a_typed_error(body: bytes) -> None:
    with contextlib.suppress(CompanionError, RequestError):  # anything else fails the test
        assert parse(body).name in ACTIONS


@given(IDS | JSON, st.sampled_from([*ACTIONS, "fly"]) | JSON, PARAMS | JSON, st.booleans())
def test_an_envelope_is_accepted_or_refused_as_the_protocol_says(
        request_id: Any, action: Any, params: Any, with_params: bool) -> None:
    envelope = {"id": request_id, "action": action, **({"params": params} if with_params else {})}
    id_ok = request_id is None or isinstance(request_id, int | float) or (
        isinstance(request_id, str) and len(request_id) <= MAX_ID_CHARS)
    try:
        call = parse(json.dumps(envelope).encode())
    except InvalidRequest:
        assert not id_ok
        return
    except RequestError as exc:
        assert id_ok and exc.request_id == request_id
        assert exc.error.code in ("invalid_request", "unknown_action")
        return
    assert id_ok and call.name == action and call.params == (params if with_params else {})


@pytest.fixture
def local_companion(home: Path, memory_keyring: MemoryKeyring) -> Companion:
    """A companion whose server refuses connections: nothing can leave the machine."""

    def service(settings: Settings) -> PocketService:
        key = settings.option("consumer_key") or "k"
        return PocketService(PocketClient("http://127.0.0.1:9", key, timeout=(1.0, 1.0)))

    return Companion(home, Deps(tokens=KeyringTokenStore(), service_factory=service,
                                opener=ScriptedBrowser(button=None)))


def test_no_params_make_a_handler_fail_untyped(local_companion: Companion) -> None:
    ctx = Context(Caller("chromium", "test"), lambda stage, data: None, threading.Event(),
                  lambda: 0)

    @settings(SLOW, max_examples=400)
    @given(action_params())
    def check(request: tuple[str, dict[str, Any]]) -> None:
        action, params = request
        call = parse(json.dumps({"id": 5, "action": action, "params": params}).encode())
        reply = run(call, local_companion, ctx)
        if isinstance(reply, Later):
            reply = reply.run()
        assert reply["id"] == 5
        if not reply["ok"]:
            assert reply["error"]["code"] in ERROR_CODES
            assert reply["error"]["code"] != "internal_error", reply

    check()


# --- text shown to people -----------------------------------------------------------------

_SHOWN_RAW_NEVER = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})
_BIDI = frozenset(map(chr, [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]))
_INVISIBLE = frozenset({"Cc", "Cf", "Cn", "Co", "Zl", "Zp", "Zs", "Cs"})


def _categories(text: str) -> set[str]:
    return {unicodedata.category(char) for char in text if char not in "\u200c\u200d"}


@given(TEXT)
def test_text_for_a_terminal_holds_nothing_it_would_act_on(text: str) -> None:
    shown = for_terminal(text)
    assert not _categories(shown) & _SHOWN_RAW_NEVER, ascii(shown)
    assert for_terminal(shown) == shown and terminal_lines(shown) == shown
    assert shown == text or not text.isprintable()
    assert terminal_lines(text).split("\n") == [for_terminal(line) for line in text.split("\n")]


@given(TEXT)
def test_titles_and_tags_are_kept_without_controls(text: str) -> None:
    try:
        title = Params({"title": text}, ("title",)).title()
        tags = parse_tags([text.replace(",", "")[:12]])  # 25 even if lower() doubles it
    except CompanionError as exc:
        assert exc.code == "invalid_params" and not text.isprintable()  # a lone surrogate
        return
    for kept in (title, *tags):
        assert "Cc" not in _categories(kept) and not _BIDI & set(kept), ascii(kept)
        assert kept == kept.strip() and "  " not in kept
    assert Params({"title": title}, ("title",)).title() == title
    assert title == " ".join(text.split()) or not text.isprintable()


_HOST_CHARS = "abcK09-.\u00e9\u00fc\u0435\u00df\u202e\u200d\u00ad\u2764\x9b_\u3002"
_PATH_CHARS = ("abc/%?#=&;.-~\u00e9\u202e\u200b\u00a0\x85\x9b\u2028\ue000\U000e0001\u0378"
               "\U0001f642\u0301")
_UNICODE_URLS = st.builds(
    "{}://{}{}{}".format,
    st.sampled_from(["http", "https", "HTTPS"]),
    st.text(_HOST_CHARS, min_size=1, max_size=12) | st.sampled_from(["xn--bcher-kva.example"]),
    st.sampled_from(["/", "", "?", "#", ":8080/", "/?utm_source=\u202e&q=\u00e9"]),
    st.text(_PATH_CHARS, max_size=20),
)


def _cleaned(url: str, clean: Callable[[str], tuple[str, str]]) -> tuple[str, str] | str:
    try:
        return clean(url)
    except CompanionError as exc:
        return exc.code


@settings(max_examples=500)
@given(_UNICODE_URLS)
def test_urls_are_stored_in_a_form_safe_to_show(url: str) -> None:
    outcome = _cleaned(url, urls.clean)
    assert outcome == _cleaned(url, lambda u: urls._clean_parsed(urls._text(u)))
    if isinstance(outcome, str):
        assert outcome == "invalid_url"
        return
    stored, key = outcome
    assert urlsplit(stored).netloc.isascii(), stored
    assert not {unicodedata.category(char) for char in stored} & _INVISIBLE, ascii(stored)
    assert urls.clean(stored) == (stored, key)  # the stored form is its own clean form


# --- the real host ------------------------------------------------------------------------


def closed_env(folder: Path) -> dict[str, str]:
    """No account, a keychain that refuses to work and a server on a closed port."""
    return {**host_env(folder), "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
            "POCKET_BASE_URL": "http://127.0.0.1:9"}


@pytest.fixture
def local_host(tmp_path: Path) -> Iterator[StrictHost]:
    """A host without an account whose keychain refuses to work: no request reaches out."""
    host = StrictHost(closed_env(tmp_path))
    yield host
    code, stderr = host.finish()
    assert code == 0, stderr
    assert host.out.leftover == b"" and not host.out.problems


def _expected_id(body: bytes) -> Any:
    try:
        message = json.loads(body)
    except ValueError:
        return None
    if not isinstance(message, dict):
        return None
    request_id = message.get("id")
    if isinstance(request_id, str) and len(request_id) > MAX_ID_CHARS:
        return None
    return request_id if request_id is None or isinstance(request_id, int | float | str) else None


ENVELOPES = (st.tuples(IDS, action_params()).map(
    lambda t: {"id": t[0], "action": t[1][0], "params": t[1][1]})
    | st.fixed_dictionaries({"id": IDS, "action": st.sampled_from([*ACTIONS, "fly"])},
                            optional={"params": PARAMS}))
BODIES = (ENVELOPES.map(lambda e: json.dumps(e).encode())
          | st.fixed_dictionaries({"id": JSON, "action": JSON, "params": JSON}).map(
              lambda e: json.dumps(e).encode())
          | st.binary(max_size=64))


def test_every_well_framed_request_gets_exactly_one_reply_with_its_id(
        local_host: StrictHost) -> None:
    out = local_host.out

    @settings(SLOW, max_examples=300)
    @given(BODIES)
    def check(body: bytes) -> None:
        before = out.reply_count()
        assert local_host.write(struct.pack("=I", len(body)) + body)
        assert out.wait(lambda: out.reply_count() > before, 30)
        reply = out.replies()[before]
        assert reply["id"] == _expected_id(body), (body, reply)
        assert reply["ok"] is True or reply["error"]["code"] in ERROR_CODES
        assert reply.get("error", {}).get("code") != "internal_error", reply
        # A second reply to the same request would come before this one's.
        assert local_host.send({"id": f"after-{before}", "action": "hello"})
        assert out.wait(lambda: out.reply_count() > before + 1, 30)
        assert out.replies()[before + 1]["id"] == f"after-{before}"

    check()
    assert local_host.request("hello")["ok"]
    events = [m for m in out.messages if "event" in m]  # a save's "kept", never a login's
    assert all(e["event"] == "progress" and e["data"]["stage"] in ("kept", "importing")
               for e in events), events


@pytest.mark.parametrize("number", [b"1e999", b"-1e400"])
def test_an_id_that_overflows_to_infinity_is_refused(local_host: StrictHost,
                                                     number: bytes) -> None:
    body = b'{"id":' + number + b',"action":"hello"}'
    assert local_host.write(struct.pack("=I", len(body)) + body)
    assert local_host.out.wait(lambda: local_host.out.reply_count() == 1, 30)
    [reply] = local_host.out.replies()  # the fixture checks it parsed as strict JSON
    assert reply["id"] is None and reply["error"]["code"] == "invalid_request"


def _reference_split(data: bytes) -> tuple[int, str]:
    """How many whole frames the host must read from ``data``, and how the input ends."""
    pos, frames = 0, 0
    while pos < len(data):
        if len(data) - pos < 4:
            return frames, "truncated"
        (length,) = struct.unpack_from("=I", data, pos)
        if length > framing.DEFAULT_MAX_IN:
            return frames, "oversize"
        if len(data) - pos - 4 < length:
            return frames, "truncated"
        pos, frames = pos + 4 + length, frames + 1
    return frames, "clean"


GARBAGE = (st.binary(max_size=40)
           | st.sampled_from([b"Error: stray text\n", b"\x05\x00", b"\xff\xff\xff\xff"])
           | st.integers(0, 200).map(lambda n: struct.pack("=I", n + 1) + b"{" * n))


@settings(SLOW, max_examples=40)
@given(st.lists(st.sampled_from([b'{"id":1,"action":"hello"}', b"{", b"[]", b"\xff"]),
                max_size=4), GARBAGE)
def test_a_desynchronised_stream_ends_the_host_with_a_reason_and_whole_frames(
        good: list[bytes], garbage: bytes) -> None:
    import tempfile

    data = b"".join(struct.pack("=I", len(body)) + body for body in good) + garbage
    frames, ending = _reference_split(data)
    with tempfile.TemporaryDirectory() as folder:
        host = StrictHost(closed_env(Path(folder)))
        host.write(data)
        code, stderr = host.finish()
    replies = host.out.replies()
    assert host.out.leftover == b"" and not host.out.problems
    if ending == "clean":
        assert code == 0 and len(replies) == frames, stderr
        return
    assert code == 1, stderr
    assert "stopping: the input stream is broken" in stderr
    assert len(replies) == frames + 1
    assert replies[-1]["id"] is None and replies[-1]["error"]["code"] == "invalid_frame"


def test_a_short_fuzz_run_finds_nothing(tmp_path: Path) -> None:
    summary = run_fuzz(frames=2000, seed=6, folder=tmp_path, huge_max=256 * 1024,
                       longest_life=300)
    print(summary.report())
    assert summary.frames >= 1500 and summary.replies >= summary.frames
    assert summary.lives > 3 and summary.breaks > 0 and summary.saves["synced"] > 0
    assert summary.findings == [], summary.report()
