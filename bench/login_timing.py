"""``python -m bench.login_timing [--runs N]``: how long a login takes in the real window.

Each run starts the real host (as a browser would), answers ``hello``, then sends
``login`` and times two moments from that request: the ``authorize`` progress event
(the page is shown in the window) and the reply (the token is in the keychain). The
window's authorize button is pressed by script the moment the page is shown, so the
second figure is the machine's share of a login. The fake Pocket server stands in for
the service; the keychain is a test keyring file. Runs offscreen, and under Xvfb when
one can be started.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from tests.fakepocket import FakePocket
from tests.support.desktop import have, xvfb
from tests.support.frames import REPO, HostProcess


def one_login(fake: FakePocket, folder: Path, display: dict[str, str]) -> tuple[float, float]:
    """Seconds from the login request to the page shown, and to the token stored."""
    env = {
        "POCKET_COMPANION_HOME": str(folder / "home"), "POCKET_BASE_URL": fake.base_url,
        "POCKET_CONSUMER_KEY": fake.CONSUMER_KEY, "PYTHONPATH": str(REPO),
        "PYTHON_KEYRING_BACKEND": "tests.support.keyrings.FileKeyring",
        "TEST_KEYRING_FILE": str(folder / "keyring.json"), **display,
    }
    host = HostProcess(env, window_script="click:authorize")
    try:
        assert host.request("hello")["ok"]
        start = time.perf_counter()
        host.send({"id": "login", "action": "login", "params": {"timeout": 60}})
        shown = stored = 0.0
        while not stored:
            message = host.read()
            assert message is not None, "the host ended early"
            if message.get("event") == "progress" and message["data"]["stage"] == "authorize":
                shown = time.perf_counter() - start
            elif "ok" in message:
                assert message["ok"], message
                stored = time.perf_counter() - start
        return shown, stored
    finally:
        host.close()


def measure(name: str, display: dict[str, str], runs: int) -> str:
    shown, stored = [], []
    for _ in range(runs):
        with FakePocket() as fake, tempfile.TemporaryDirectory() as tmp:
            page, token = one_login(fake, Path(tmp), display)
        shown.append(page)
        stored.append(token)
    return (f"{name:10} median to page shown {statistics.median(shown):.2f} s, to token stored "
            f"{statistics.median(stored):.2f} s  (runs: "
            + ", ".join(f"{a:.2f}/{b:.2f}" for a, b in zip(shown, stored, strict=True)) + ")")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    displays = [("offscreen", {"QT_QPA_PLATFORM": "offscreen", "DISPLAY": ""})]
    with ExitStack() as stack:
        if have("Xvfb"):
            displays.append(("xvfb", {"QT_QPA_PLATFORM": "",
                                      "DISPLAY": stack.enter_context(xvfb())}))
        for name, display in displays:
            print(measure(name, display, args.runs), flush=True)
    print(f"({os.cpu_count()} CPUs; the first figure of each run includes starting the window "
          "process)")


if __name__ == "__main__":
    main()
