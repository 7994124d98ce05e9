"""Frames for the fuzz run: valid requests, wrong types, broken envelopes, deep nesting,
huge strings, invalid UTF-8, JSON oddities and mutated bodies; and the byte sequences
that break a stream (truncations, wrong lengths, oversize headers, stray text).

Every value a login could use as its server points at the fake server or at nothing
(a closed port, a non-URL): the fuzz run never reaches past this machine.
"""

from __future__ import annotations

import json
import random
import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pocket_companion.actions import ACTIONS
from pocket_companion.library.store import MODIFY_OPS

_HEADER = struct.Struct("=I")
MAX_IN = 64 * 1024 * 1024
_OPS = sorted(MODIFY_OPS)
_BAD_UTF8 = [b"\xff", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xe2\x82", b"\x80"]
_BAD_URLS = ["javascript:alert(1)", "file:///etc/passwd", "chrome://newtab/", "data:text/html,x",
             "ftp://example.org/", "about:blank", "https://user:pw@example.org/", "", " ",
             "https://", "http://exa mple.org/", "https://example.org/\x00", "//example.org/",
             "https://example.org:99999/", "HTTPS://[::1/", "view-source:https://example.org/"]


@dataclass
class Framed:
    body: bytes
    tracked: str | None  # the request id when the reply must carry it, else None
    kind: str


def header(length: int) -> bytes:
    return _HEADER.pack(length)


class FrameMaker:
    def __init__(self, rng: random.Random, server: str, consumer_key: str,
                 huge_max: int = 4 << 20) -> None:
        self.rng, self.server, self.consumer_key = rng, server, consumer_key
        self.huge_max = huge_max
        self.count = 0
        self.saved: list[str] = []
        self._kinds: list[tuple[Callable[[], Framed], int]] = [
            (self.valid, 36), (self.wrong_types, 15), (self.envelope, 9), (self.deep, 4),
            (self.huge, 1), (self.bad_utf8, 6), (self.oddity, 6), (self.mutated, 23),
        ]

    def frame(self) -> Framed:
        makers, weights = zip(*self._kinds, strict=True)
        return self.rng.choices(makers, weights)[0]()

    # --- values ---------------------------------------------------------------------------

    def url(self) -> str:
        rng = self.rng
        if self.saved and rng.random() < 0.15:
            return rng.choice(self.saved)
        if rng.random() < 0.12:
            return rng.choice(_BAD_URLS)
        n = rng.randrange(10**6)
        url = rng.choice([
            f"https://example.org/f/{n}", f"http://EXAMPLE.org:80/f/{n}#x",
            f"https://example.org/f/{n}?utm_source=a&id={n}", f"https://bücher.example/ä/{n}",
            f"http://[::1]:8080/f/{n}", f"https://example.org/{'p' * rng.randrange(9000)}",
            f"https://example.org/f/%E2%82%AC{n}?q=%ZZ",
        ])
        self.saved.append(url)
        del self.saved[:-500]
        return url

    def text(self, limit: int = 40) -> str:
        alphabet = "aZ09 ,é漢🙂\t\n\"\\/\u2028\ud800\udfff\x00"
        return "".join(self.rng.choice(alphabet) for _ in range(self.rng.randrange(limit)))

    def value(self, depth: int = 0) -> Any:
        rng = self.rng
        pick = rng.randrange(14 if depth < 3 else 10)
        simple: list[Any] = [None, True, False, 0, -1, 2**63, 10**30, 1.5, -0.0, 1e308]
        if pick < 6:
            return rng.choice(simple)
        if pick < 8:
            return self.text()
        if pick < 10:
            return self.url()
        if pick < 12:
            return [self.value(depth + 1) for _ in range(rng.randrange(4))]
        return {self.text(8): self.value(depth + 1) for _ in range(rng.randrange(4))}

    def tags(self) -> list[str]:
        return [self.rng.choice(["a", "Read Later", " x ", "é", "t" * 30, "a,b", ""])
                for _ in range(self.rng.randrange(4))]

    def params(self, action: str) -> dict[str, Any]:
        rng = self.rng
        if action == "save":
            return {"url": self.url(), **({"title": self.text()} if rng.random() < 0.5 else {}),
                    **({"tags": self.tags()} if rng.random() < 0.3 else {})}
        if action == "save_many":
            return {"items": [{"url": self.url()} for _ in range(rng.randrange(1, 30))]}
        if action == "lookup":
            return {"url": self.url()}
        if action == "list":
            return {"limit": rng.randrange(1, 1001), "offset": rng.randrange(3000),
                    "status": rng.choice(["unread", "archived", "all"])}
        if action == "modify":
            target = ({"url": self.url()} if rng.random() < 0.8
                      else {"item_id": str(rng.randrange(10**6))})
            return {**target, "op": rng.choice(_OPS), "tags": self.tags() or ["x"]}
        if action == "login":
            return {"server": rng.choice([self.server, "http://127.0.0.1:9", "ftp://x", "x"]),
                    "consumer_key": rng.choice([self.consumer_key, "bad-key"]),
                    "timeout": rng.randrange(1, 3), "show_in": "browser"}
        return {}

    def request(self, action: str, params: Any) -> tuple[dict[str, Any], str]:
        request_id = self.next_id()
        return {"id": request_id, "action": action, "params": params}, request_id

    def next_id(self) -> str:
        """A request id used once in the whole run, far from every other one: a mutated
        frame's id (bit flips, say) must never become another request's id."""
        self.count += 1
        return f"f{self.count}-{self.rng.getrandbits(48):012x}"

    @staticmethod
    def encode(message: Any, ascii_only: bool = True) -> bytes:
        return json.dumps(message, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")

    # --- kinds of frame -------------------------------------------------------------------

    def _action(self) -> str:
        weights = {"save": 30, "save_many": 4, "lookup": 15, "list": 8, "status": 8, "hello": 8,
                   "modify": 14, "sync": 4, "login": 0.5, "login_cancel": 3, "logout": 0.3}
        names = sorted(ACTIONS)
        return self.rng.choices(names, [weights.get(name, 1) for name in names])[0]

    def valid(self) -> Framed:
        action = self._action()
        message, request_id = self.request(action, self.params(action))
        try:  # half of them as UTF-8; text with lone surrogates can only go escaped
            body = self.encode(message, ascii_only=self.rng.random() < 0.5)
            body.decode("utf-8")
        except UnicodeDecodeError:
            body = self.encode(message)
        return Framed(body, request_id, "valid")

    def wrong_types(self) -> Framed:
        action = self.rng.choice(sorted(set(ACTIONS) - {"logout"}))  # logouts stay rare
        names = [*sorted(ACTIONS[action].params), "junk"]
        chosen = self.rng.sample(names, self.rng.randrange(len(names) + 1))
        params = {name: self.value() for name in chosen}
        if "server" in params:
            params["server"] = self.rng.choice([self.server, self.text(), 5, None])
        message, request_id = self.request(action, params)
        return Framed(self.encode(message), request_id, "wrong_types")

    def envelope(self) -> Framed:
        rng = self.rng
        shapes: list[Any] = [
            self.value(), [], "hello", 5, None,
            {"action": "hello"}, {"id": self.value(), "action": "hello"},
            {"id": "x" * rng.choice([256, 257, 5000]), "action": "hello"},
            {"id": 1, "action": self.value()}, {"id": 1, "action": self.text(20)},
            {"id": 1, "action": "hello", "params": self.value()},
            {"id": 1, "action": "save", "params": None},
        ]
        return Framed(self.encode(rng.choice(shapes)), None, "envelope")

    def deep(self) -> Framed:
        rng = self.rng
        depth = int(10 ** rng.uniform(1, 5.3))
        nested = rng.choice([b"[" * depth + b"]" * depth,
                             b'{"a":' * depth + b"1" + b"}" * depth,
                             b"[" * depth])
        where = rng.choice(["top", "url", "tags", "items", "params"])
        if where == "top":
            return Framed(nested, None, "deep")
        inner = {"url": b'{"url":' + nested + b"}", "tags": b'{"url":"https://example.org/",'
                 b'"tags":' + nested + b"}", "items": b'{"items":[{"url":' + nested + b"}]}",
                 "params": nested}[where]
        action = {"url": "save", "tags": "save", "items": "save_many", "params": "save"}[where]
        body = (b'{"id":"%s","action":"%s","params":' % (self.next_id().encode(), action.encode())
                + inner + b"}")
        return Framed(body, None, "deep")

    def huge(self) -> Framed:
        rng = self.rng
        size = rng.randrange(64 * 1024, self.huge_max + 1)
        blob = rng.choice(["a", "é", "\\", "\ud800"]) * size
        field = rng.choice(["url", "title", "tags", "id", "action", "name"])
        request_id = self.next_id()
        message: dict[str, Any] = {"id": request_id, "action": "save",
                                   "params": {"url": "https://example.org/huge"}}
        if field in ("id", "action"):
            message[field] = blob
        elif field == "tags":
            message["params"]["tags"] = [blob]
        elif field == "name":
            message["params"][blob] = 1
        else:
            message["params"][field] = blob
        tracked = None if field in ("id", "action") else request_id
        return Framed(self.encode(message), tracked, "huge")

    def bad_utf8(self) -> Framed:
        rng = self.rng
        if rng.random() < 0.3:
            return Framed(rng.randbytes(rng.randrange(200)), None, "bad_utf8")
        body = bytearray(self.valid().body)
        for _ in range(rng.randrange(1, 4)):
            spot = rng.randrange(len(body) + 1)
            body[spot:spot] = rng.choice(_BAD_UTF8)
        if rng.random() < 0.1:
            body = bytearray(b"\xef\xbb\xbf" + body)
        return Framed(bytes(body), None, "bad_utf8")

    def oddity(self) -> Framed:
        rng = self.rng
        count = self.next_id().encode()
        bodies = [
            b'{"id":1,"action":"save","params":{"url":NaN}}', b"Infinity", b"-Infinity",
            b'{"id":"s%s","action":"save","params":{"url":"https://example.org/\\ud800"}}' % count,
            b'{"id":"s%s","action":"save","params":{"url":"x","title":"\\udc80"}}' % count,
            b'{"id":1,"action":"list","params":{"limit":' + b"9" * 5000 + b"}}",
            b'{"id":1,"id":"two","action":"hello"}', b'{"id":1,"action":"hello"} trailing',
            b"", b" ", b"null", b'"\\ud800"', b'{"id":1e999,"action":"hello"}',
            b'{"id":1,"action":"hello","params":{"\\u0000":1}}',
            json.dumps({"id": "x", "action": "hello"}).encode("utf-16"),
        ]
        return Framed(rng.choice(bodies), None, "oddity")

    def mutated(self) -> Framed:
        rng = self.rng
        body = bytearray(self.valid().body)
        for _ in range(rng.randrange(1, 9)):
            spot = rng.randrange(max(1, len(body)))
            move = rng.randrange(5)
            if move == 0 and body:
                body[spot] ^= 1 << rng.randrange(8)
            elif move == 1:
                del body[spot:spot + rng.randrange(1, 4)]
            elif move == 2:
                body[spot:spot] = rng.randbytes(rng.randrange(1, 4))
            elif move == 3:
                body[spot:spot] = body[spot:spot + rng.randrange(1, 40)]
            else:
                del body[spot:]
        return Framed(bytes(body), None, "mutated")

    # --- the end of a stream --------------------------------------------------------------

    def breakage(self) -> tuple[str, bytes, bool]:
        """(name, bytes, whether the host may legitimately read on past them)."""
        rng = self.rng
        body = self.valid().body
        kind = rng.choice(["truncated_header", "truncated_body", "oversize", "text",
                           "long_length", "short_length"])
        if kind == "truncated_header":
            return kind, header(len(body))[:rng.randrange(1, 4)], False
        if kind == "truncated_body":
            return kind, header(len(body)) + body[:rng.randrange(len(body))], False
        if kind == "oversize":
            return kind, header(rng.randrange(MAX_IN + 1, 2**32)) + body, False
        if kind == "text":
            return kind, rng.choice([b"Error: oops\n", b"/home/user/x", b"hello world"]), False
        shift = rng.randrange(1, 64)
        length = len(body) + shift if kind == "long_length" else max(0, len(body) - shift)
        return kind, header(length) + body, True
