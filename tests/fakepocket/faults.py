"""Fault injection: faults queued for the next matching requests (thread-safe)."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Mapping
from typing import Any, Literal, cast, get_args

FaultKind = Literal[
    "status", "drop", "reset_after_processing", "slow", "malformed_json", "html_error"
]
KINDS: tuple[str, ...] = get_args(FaultKind)
_DEFAULT_STATUS = {"status": 503, "html_error": 502, "malformed_json": 200}


def _flag(value: object) -> bool:
    return value if isinstance(value, bool) else str(value).strip().lower() in ("1", "true")


_CONVERT: dict[str, Callable[[Any], object]] = {  # for form-encoded /_fake/inject bodies
    "status": int, "error_code": int, "error_text": str, "seconds": float, "processed": _flag,
}


@dataclasses.dataclass(frozen=True)
class Fault:
    """One injected misbehaviour.

    kind:
      status                  answer `status` (default 503) with X-Error/X-Error-Code (199 and
                              "Pocket server issue." for 5xx, else 130 "Bad request") and the
                              legacy HTML status-line body.
      drop                    close the connection without any answer, before processing.
      reset_after_processing  process the request fully (state changes!), then send a TCP RST.
      slow                    sleep `seconds` before answering (clearing the faults ends it).
      malformed_json          200 with a truncated JSON body.
      html_error              an HTML error page of a proxy in front of Pocket (default 502);
                              no X-Error headers and no X-Source: the proxy wrote it.
    processed: for status/html_error/malformed_json, whether the request is processed before
      the faulty answer; for slow, process before (True) or after (False) the sleep.
      Ignored by drop (never processed) and reset_after_processing (always processed).
    """

    kind: FaultKind = "status"
    status: int | None = None
    error_code: int | None = None
    error_text: str | None = None
    seconds: float = 1.0
    processed: bool = False
    headers: Mapping[str, str] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; expected one of {KINDS}")

    @property
    def http_status(self) -> int:
        return self.status or _DEFAULT_STATUS.get(self.kind, 503)

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["headers"] = dict(self.headers)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Fault:
        """A Fault from its JSON form (unknown names are rejected)."""
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise ValueError(f"unknown fault fields: {sorted(unknown)}")
        kind = data.get("kind", "status")
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r}")
        fields = {k: v for k, v in data.items() if k != "kind"}
        for name, convert in _CONVERT.items():
            if fields.get(name) is not None:
                fields[name] = convert(fields[name])
        return cls(kind=cast(FaultKind, kind), **fields)


@dataclasses.dataclass
class _Entry:
    fault: Fault
    remaining: int
    path: str | None


class FaultQueue:
    """Faults in injection order; each applies to `times` requests whose path matches."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[_Entry] = []
        self._woken = threading.Condition(self._lock)
        self._round = 0  # counts clear() calls: a slow fault's wait ends at the next

    def inject(self, fault: Fault, times: int = 1, path: str | None = None) -> None:
        if times < 1:
            raise ValueError("times must be >= 1")
        with self._lock:
            self._entries.append(_Entry(fault, times, None if path is None else path.rstrip("/")))

    def take(self, path: str) -> Fault | None:
        """The fault for a request to `path` (prefix match), consuming one use."""
        with self._lock:
            for entry in self._entries:
                if entry.path is None or path.startswith(entry.path):
                    entry.remaining -= 1
                    if entry.remaining == 0:
                        self._entries.remove(entry)
                    return entry.fault
        return None

    def pending(self) -> list[dict[str, Any]]:
        with self._lock:
            return [
                {"fault": e.fault.to_json(), "times": e.remaining, "path": e.path}
                for e in self._entries
            ]

    def clear(self) -> None:
        """Forget every fault; the requests a slow fault holds are answered now."""
        with self._woken:
            self._entries.clear()
            self._round += 1
            self._woken.notify_all()

    def sleep(self, seconds: float) -> None:
        """A slow fault's wait: `seconds`, or less if the faults are cleared meanwhile."""
        with self._woken:
            start = self._round
            self._woken.wait_for(lambda: self._round != start, timeout=seconds)
