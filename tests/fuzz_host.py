"""The long fuzz run against the real host (not collected by pytest):

    python -m tests.fuzz_host --frames 100000 [--seed N] [--huge-max BYTES]

Generated and mutated frames (tests/support/fuzzframes.py) go to host subprocesses
that have an account on a fake Pocket server. Each host lives for a random number
of frames and then ends with a clean close of its input or with a broken stream
(after which a new host starts). For every host it checks: no crash and no hang;
every well-framed request before the end got exactly one reply (by count, and by id
where the id is known); replies are well-formed protocol messages of at most 1 MiB,
never ``internal_error``; stdout ends on a frame boundary; a broken stream ends the
host with exit code 1 and a logged reason. It prints a summary and exits non-zero
when anything was found. A short run is part of the suite.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pocket_companion.errors import ERROR_CODES

from tests.fakepocket import FakePocket
from tests.support.fuzzframes import Framed, FrameMaker, header
from tests.support.hostio import StrictHost, connect_account, host_env

HANG_SECONDS = 90.0
WINDOW = 48
BROKEN = "stopping: the input stream is broken"


@dataclass
class Summary:
    seed: int
    frames: int = 0
    megabytes: float = 0.0
    replies: int = 0
    events: int = 0
    lives: int = 0
    breaks: int = 0
    crashes: int = 0
    hangs: int = 0
    internal_errors: int = 0
    half_frames: int = 0
    missing_or_extra: int = 0
    elapsed: float = 0.0
    kinds: Counter[str] = field(default_factory=Counter)
    codes: Counter[str] = field(default_factory=Counter)
    saves: Counter[str] = field(default_factory=Counter)
    findings: list[str] = field(default_factory=list)

    def find(self, text: str) -> None:
        if len(self.findings) < 50:
            self.findings.append(text[:2000])

    def numbers(self) -> dict[str, Any]:
        return {"seed": self.seed, "frames": self.frames, "megabytes": round(self.megabytes, 1),
                "replies": self.replies, "events": self.events, "hosts": self.lives,
                "restarts": self.lives - 1, "broken_streams": self.breaks,
                "crashes": self.crashes, "hangs": self.hangs,
                "internal_errors": self.internal_errors, "half_frames": self.half_frames,
                "missing_or_extra_replies": self.missing_or_extra,
                "elapsed_s": round(self.elapsed, 1)}

    def report(self) -> str:
        lines = [json.dumps(self.numbers()),
                 "frames by kind: " + ", ".join(f"{k}={v}" for k, v in sorted(self.kinds.items())),
                 "error codes: " + ", ".join(f"{k}={v}" for k, v in sorted(self.codes.items())),
                 "saves answered: " + ", ".join(f"{k}={v}" for k, v in sorted(self.saves.items())),
                 f"findings: {len(self.findings)}", *self.findings]
        return "\n".join(lines)


def _bad_reply(message: dict[str, Any]) -> str | None:
    """Why a message is not a well-formed reply or event, or None."""
    if "event" in message:
        ok = "ok" not in message and "id" in message and isinstance(message.get("data"), dict)
        return None if ok else f"a malformed event {message!r:.300}"
    if message.get("ok") is True:
        return None if isinstance(message.get("data"), dict) else f"no data: {message!r:.300}"
    error = message.get("error")
    if message.get("ok") is not False or not isinstance(error, dict):
        return f"a malformed reply {message!r:.300}"
    if error.get("code") not in ERROR_CODES or not isinstance(error.get("message"), str):
        return f"an unknown error code in {message!r:.300}"
    return None


class Life:
    """One host process, from start to a clean close or a broken stream."""

    def __init__(self, env: dict[str, str], maker: FrameMaker, summary: Summary) -> None:
        self.maker, self.summary = maker, summary
        self.host = StrictHost(env)
        self.sent = 0
        self.tracked: list[str] = []
        self.hung = False

    def feed(self, count: int) -> bool:
        """Send ``count`` frames; False if the host stopped reading or stopped answering."""
        out = self.host.out
        for _ in range(count):
            framed: Framed = self.maker.frame()
            if not self.host.write(header(len(framed.body)) + framed.body):
                self.summary.find(f"the host stopped reading after {self.sent} good frames")
                return False
            self.sent += 1
            self.summary.frames += 1
            self.summary.megabytes += (len(framed.body) + 4) / 1e6
            self.summary.kinds[framed.kind] += 1
            if framed.tracked:
                self.tracked.append(framed.tracked)
            if self.sent - out.reply_count() > WINDOW and not out.wait(
                    lambda: self.sent - out.reply_count() <= WINDOW // 2, HANG_SECONDS):
                self.hung = not out.closed
                self.summary.find(f"no reply for {HANG_SECONDS:.0f} s after {self.sent} frames:"
                                  f"\n{self.stacks()}" if self.hung else
                                  "the host died while answering")
                return False
        return True

    def stacks(self) -> str:
        """What a hung host was doing: its warnings, every thread's stack (faulthandler
        dumps them on SIGABRT), the requests still unanswered and unreadable replies."""
        self.host.proc.send_signal(signal.SIGABRT)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.host.proc.wait(10)
        text = self.host.err.text()
        marks = (" WARNING ", " ERROR ", "Exception in", "Error:")
        notes = [line for line in text.splitlines() if any(mark in line for mark in marks)]
        answered = {m.get("id") for m in self.host.out.messages}
        waiting = [request_id for request_id in self.tracked if request_id not in answered]
        leftover = self.host.out.leftover
        return "\n".join([*notes[-20:], f"{len(self.host.out.messages)} messages for "
                          f"{self.sent} frames; unanswered: {waiting[:20]}",
                          f"unreadable: {self.host.out.problems[:5]}",
                          f"{len(leftover)} bytes after the last whole reply: {leftover[:120]!r}",
                          text[text.rfind("Fatal Python error"):][-5000:]])

    def end(self, broken: bool) -> None:
        """Close the input (after breaking the stream if asked), then check everything."""
        may_resync = False
        if broken:
            self.summary.breaks += 1
            name, data, may_resync = self.maker.breakage()
            self.summary.kinds[f"break:{name}"] += 1
            self.host.write(data)
            if may_resync:
                for _ in range(self.maker.rng.randrange(4)):
                    extra = self.maker.valid().body
                    self.host.write(header(len(extra)) + extra)
        try:
            code, stderr = self.host.finish(timeout=HANG_SECONDS)
        except subprocess.TimeoutExpired:
            self.hung = True
            self.summary.find(f"the host did not exit within {HANG_SECONDS:.0f} s:\n"
                              f"{self.stacks()}")
            self.host.kill()
            code, stderr = -9, self.host.err.text()
        self.check(code, stderr, broken, may_resync)

    def check(self, code: int, stderr: str, broken: bool, may_resync: bool) -> None:
        summary, out = self.summary, self.host.out
        summary.hangs += self.hung
        if self.hung:
            return
        replies = out.replies()
        summary.replies += len(replies)
        summary.events += len(out.messages) - len(replies)
        expected = self.sent + (1 if broken and code == 1 else 0)
        count_ok = len(replies) >= expected if may_resync else len(replies) == expected
        code_ok = code in ((0, 1) if may_resync else (1,) if broken else (0,))
        if not code_ok or (code == 1 and BROKEN not in stderr):
            summary.crashes += 1
            summary.find(f"exit code {code} (broken stream: {broken}); stderr tail:\n"
                         f"{stderr[-1500:]}")
        if not count_ok:
            summary.missing_or_extra += 1
            summary.find(f"{len(replies)} replies to {self.sent} good frames (broken: {broken})")
        self._check_ids(replies)
        if out.leftover or out.problems:
            summary.half_frames += bool(out.leftover)
            summary.find(f"stdout: {len(out.leftover)} bytes of half a frame; {out.problems}")
        for marker in ("Traceback", "Logging error", "Exception in thread"):
            if marker in stderr:
                at = stderr.index(marker)
                summary.find(f"{marker} on stderr:\n{stderr[max(0, at - 300):at + 1500]}")

    def _check_ids(self, replies: list[dict[str, Any]]) -> None:
        summary = self.summary
        seen = Counter(r.get("id") for r in replies if isinstance(r.get("id"), str))
        for request_id in self.tracked:
            if seen[request_id] != 1:
                summary.missing_or_extra += 1
                summary.find(f"request {request_id} got {seen[request_id]} replies: " + "; ".join(
                    f"{r!r:.300}" for r in replies if r.get("id") == request_id))
        for message in self.host.out.messages:
            problem = _bad_reply(message)
            if problem:
                summary.find(problem)
            code = message.get("error", {}).get("code") if "event" not in message else None
            if code:
                summary.codes[code] += 1
            state = message.get("data", {}).get("state") if message.get("ok") is True else None
            if state:
                summary.saves[state] += 1
            if code == "internal_error":
                summary.internal_errors += 1
                summary.find(f"internal_error: {message!r:.500}")


def run_fuzz(frames: int, seed: int, folder: Path | None = None,
             huge_max: int = 4 << 20, longest_life: int = 2000) -> Summary:
    """Fuzz host processes with ``frames`` well-framed frames in all; return the summary."""
    summary = Summary(seed)
    rng = random.Random(seed)
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as scratch, \
            FakePocket(user_limit=10**9, key_limit=10**9) as fake:
        env = {**host_env(folder or Path(scratch), fake), "PYTHONFAULTHANDLER": "1"}
        maker = FrameMaker(rng, fake.base_url, fake.CONSUMER_KEY, huge_max)
        while summary.frames < frames:
            connect_account(env, fake)  # a fuzzed logout may have ended the last one
            life = Life(env, maker, summary)
            summary.lives += 1
            fed = life.feed(min(frames - summary.frames, rng.randrange(20, longest_life)))
            if fed:
                life.end(broken=rng.random() < 0.35)
            else:
                life.host.kill()
                life.check(life.host.proc.returncode, life.host.err.text(), broken=False,
                           may_resync=False)
    summary.elapsed = time.monotonic() - started
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz_host", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=None, help="default: from the clock")
    parser.add_argument("--huge-max", type=int, default=4 << 20,
                        help="largest huge string in bytes (default 4 MiB)")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else int(time.time())
    print(f"fuzzing the host with {args.frames} frames, seed {seed}", flush=True)
    summary = run_fuzz(args.frames, seed, huge_max=args.huge_max)
    print(summary.report())
    return 1 if summary.findings else 0


if __name__ == "__main__":
    sys.exit(main())
